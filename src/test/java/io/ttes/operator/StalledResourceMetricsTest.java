package io.ttes.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.ttes.operator.StalledResourceMetrics.Summary;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StalledResourceMetricsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  @Test
  void countsStalledTrueAndAgesTheOldestFromItsTransition() {
    Summary summary =
        StalledResourceMetrics.summarize(
            Stream.of(
                task("True", "2026-01-01T11:00:00Z"),
                task("True", "2026-01-01T11:50:00Z"),
                task("False", "2026-01-01T09:00:00Z"),
                new OpsTask()),
            NOW);
    assertThat(summary.count()).isEqualTo(2);
    assertThat(summary.oldestSeconds()).isEqualTo(3600.0);
  }

  @Test
  void noneStalledIsZeroAndABadTimestampCountsWithoutAge() {
    assertThat(StalledResourceMetrics.summarize(Stream.of(), NOW)).isEqualTo(new Summary(0, 0));
    assertThat(StalledResourceMetrics.summarize(Stream.of(task("True", "yesterday")), NOW))
        .isEqualTo(new Summary(1, 0));
  }

  @Test
  void aRunThatFinishedFailedIsNotCountedAsStuck() {
    OpsTask failed = task("True", "2026-01-01T11:00:00Z");
    failed.getStatus().setPhase(OpsTaskPhase.Failed);

    Summary summary =
        StalledResourceMetrics.summarize(
            Stream.of(failed, task("True", "2026-01-01T11:50:00Z")), NOW);

    assertThat(summary.count()).isEqualTo(1);
    assertThat(summary.oldestSeconds()).isEqualTo(600.0);
  }

  private static OpsTask task(String stalled, String since) {
    OpsTask task = new OpsTask();
    OpsTaskStatus status = new OpsTaskStatus();
    Condition condition =
        new ConditionBuilder()
            .withType("Stalled")
            .withStatus(stalled)
            .withReason("ClusterNotFound")
            .withLastTransitionTime(since)
            .build();
    status.setConditions(List.of(condition));
    task.setStatus(status);
    return task;
  }
}
