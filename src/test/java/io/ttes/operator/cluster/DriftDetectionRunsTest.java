package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.DriftedResource;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDriftCheck;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeStackDrift;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DriftDetectionRunsTest {
  private static final List<String> STACKS = List.of("vpc", "ops");
  private final FakeAws aws = new FakeAws();
  private final TTESClusterStatus status = new TTESClusterStatus();
  private final Duration hour = Duration.ofHours(1);

  @Test
  void theIntervalIsAKubernetesDurationOfAtLeastAMinuteOrOff() {
    assertThat(DriftDetectionRuns.interval(spec(null))).isNull();
    assertThat(DriftDetectionRuns.interval(spec("1h"))).isEqualTo(hour);
    assertThat(DriftDetectionRuns.interval(spec("1h30m"))).isEqualTo(Duration.ofMinutes(90));
    assertThatThrownBy(() -> DriftDetectionRuns.interval(spec("30s")))
        .isInstanceOf(SpecProblem.class)
        .hasMessageContaining("spec.driftDetection.interval")
        .hasMessageContaining("at least 1m");
    assertThatThrownBy(() -> DriftDetectionRuns.interval(spec("hourly")))
        .isInstanceOf(SpecProblem.class)
        .hasMessageContaining("spec.driftDetection.interval")
        .hasMessageContaining("hourly");
  }

  @Test
  void aRunDetectsEveryStackFollowsItAndReadsTheResourcesOfADriftedOne() {
    aws.stacks().drift().resourceDrifted("ops", "OpsRole", "AWS::IAM::Role", "MODIFIED");

    advance(Instant.parse("2025-01-01T00:00:00Z"));
    assertThat(aws.stacks().drift().detectedStacks()).containsExactlyElementsOf(STACKS);
    assertThat(status.getDriftDetection().getStacks())
        .allSatisfy(c -> assertThat(c.getDetectionStatus()).isEqualTo("DETECTION_IN_PROGRESS"));

    advance(Instant.parse("2025-01-01T00:00:05Z"));
    advance(Instant.parse("2025-01-01T00:00:10Z"));
    StackDriftCheck ops = check("ops");
    assertThat(ops.getDetectionStatus()).isEqualTo("DETECTION_COMPLETE");
    assertThat(ops.getStackDriftStatus()).isEqualTo("DRIFTED");
    assertThat(ops.getResources())
        .extracting(DriftedResource::getLogicalId, DriftedResource::getStatus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("OpsRole", "MODIFIED"));
    assertThat(check("vpc").getStackDriftStatus()).isEqualTo("IN_SYNC");
    assertThat(aws.calls().count(FakeStackDrift.RESOURCES)).isEqualTo(1);

    List<StackDrift> drift =
        DriftDetectionRuns.withResources(List.of(), status.getDriftDetection(), STACKS);
    assertThat(drift).hasSize(1);
    assertThat(drift.get(0).getName()).isEqualTo("ops");
    assertThat(drift.get(0).getReason()).isEqualTo(DriftDetectionRuns.RESOURCES_DRIFTED);
    assertThat(DriftComparison.describe(drift)).isEqualTo("stack ops: resource OpsRole MODIFIED");
  }

  @Test
  void theNextRunStartsAnIntervalAfterTheLastStarted() {
    advance(Instant.parse("2025-01-01T00:00:00Z"));
    advance(Instant.parse("2025-01-01T00:00:05Z"));
    advance(Instant.parse("2025-01-01T00:30:00Z"));
    assertThat(aws.calls().count(FakeStackDrift.DETECT)).isEqualTo(2);

    advance(Instant.parse("2025-01-01T01:00:00Z"));
    assertThat(aws.calls().count(FakeStackDrift.DETECT)).isEqualTo(4);
    assertThat(status.getDriftDetection().getStartedAt()).isEqualTo("2025-01-01T01:00:00Z");
  }

  @Test
  void aRefusedCallIsShownOnTheStackAndTriedAgainNextInterval() {
    aws.failNext(FakeStackDrift.DETECT, CallLog.throttling("CloudFormation.DetectStackDrift"));

    advance(Instant.parse("2025-01-01T00:00:00Z"));

    assertThat(check("vpc").getDetectionStatus()).isEqualTo(DriftDetectionRuns.ERROR);
    assertThat(check("vpc").getMessage()).contains("DetectStackDrift");
    assertThat(check("ops").getDetectionStatus()).isEqualTo("DETECTION_IN_PROGRESS");
  }

  @Test
  void offClearsTheRun() {
    advance(Instant.parse("2025-01-01T00:00:00Z"));
    DriftDetectionRuns.advance(null, STACKS, status, aws.stacks(), Instant.now());
    assertThat(status.getDriftDetection()).isNull();
  }

  private void advance(Instant now) {
    DriftDetectionRuns.advance(hour, STACKS, status, aws.stacks(), now);
  }

  private StackDriftCheck check(String stack) {
    return status.getDriftDetection().getStacks().stream()
        .filter(c -> stack.equals(c.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static TTESClusterSpec spec(String interval) {
    TTESClusterSpec spec = new TTESClusterSpec();
    if (interval != null) {
      spec.setDriftDetection(new TTESClusterSpec.DriftDetection(interval));
    }
    return spec;
  }
}
