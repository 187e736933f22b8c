package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a history entry holds, and when a finished OpsTask is still to be recorded. */
class HistoryRecorderTest {
  private static final String SECRET = "hunter2-s3cret";
  private final HistoryRecorder history = new HistoryRecorder(50, Duration.ofSeconds(5));

  private static OpsTask finished(int attempt, int runStartedAt) {
    OpsTask t = new OpsTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName("create-admin")
            .withNamespace("ops")
            .withUid("uid-1")
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("ops.ttes.io/v1alpha1")
                    .withKind("TenantBootstrap")
                    .withName("acme")
                    .withUid("b-1")
                    .build())
            .build());
    OpsTaskStatus s = new OpsTaskStatus();
    s.setPhase(OpsTaskPhase.Failed);
    s.setCommandLine("tti-lw-stack is-db create-admin-user --password $(ADMIN_PASSWORD)");
    s.setReason("BackoffLimitExceeded");
    // What the command and AWS said stays on the OpsTask (masked there); the history has none.
    s.setMessage("exit 1: password " + SECRET + " rejected");
    s.setLogTail("login as admin with " + SECRET);
    s.setExitCode(1);
    s.setTaskArn("arn:aws:ecs:eu-west-1:123456789012:task/c1/abc");
    s.setStartedAt("2026-01-01T00:01:00Z");
    s.setFinishedAt("2026-01-01T00:02:00Z");
    s.setAttempt(attempt);
    s.setRunStartedAtAttempt(runStartedAt);
    List<OpsTaskStatus.Attempt> attempts = new ArrayList<>();
    for (int i = 1; i <= attempt; i++) {
      OpsTaskStatus.Attempt a = new OpsTaskStatus.Attempt();
      a.setAttempt(i);
      attempts.add(a);
    }
    s.setAttempts(attempts);
    t.setStatus(s);
    return t;
  }

  @Test
  void anEntryHoldsTheRunTheOwnerAndTheCommandLineWithReferencesOnly() {
    Operation o = HistoryRecorder.entry(finished(3, 1));

    assertThat(o.getOpsTask()).isEqualTo("create-admin");
    assertThat(o.getUid()).isEqualTo("uid-1");
    assertThat(o.getAttempt()).isEqualTo(3);
    assertThat(o.getAttempts()).isEqualTo(3);
    assertThat(o.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(o.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(o.getExitCode()).isEqualTo(1);
    assertThat(o.getStartedAt()).isEqualTo("2026-01-01T00:01:00Z");
    assertThat(o.getFinishedAt()).isEqualTo("2026-01-01T00:02:00Z");
    assertThat(o.getTaskArn()).endsWith("task/c1/abc");
    assertThat(o.getOwnerKind()).isEqualTo("TenantBootstrap");
    assertThat(o.getOwnerName()).isEqualTo("acme");
    assertThat(o.getCommandLine()).endsWith("--password $(ADMIN_PASSWORD)");
    assertThat(new KubernetesSerialization().asJson(o)).doesNotContain(SECRET);
  }

  @Test
  void aRetriedRunCountsOnlyItsOwnAttempts() {
    // Attempts 1-2 were the first run; the retry annotation started a run at attempt 3.
    Operation o = HistoryRecorder.entry(finished(4, 3));
    assertThat(o.getAttempt()).isEqualTo(4);
    assertThat(o.getAttempts()).isEqualTo(2);
  }

  @Test
  void anAdHocTaskHasNoOwner() {
    OpsTask t = finished(1, 1);
    t.getMetadata().setOwnerReferences(List.of());
    assertThat(HistoryRecorder.entry(t).getOwnerKind()).isNull();
    assertThat(HistoryRecorder.entry(t).getOwnerName()).isNull();
  }

  @Test
  void aFinishedRunIsDueUntilItsAttemptIsMarkedAndARetryIsDueAgain() {
    OpsTaskStatus s = finished(1, 1).getStatus();
    assertThat(history.due(s)).isTrue();
    assertThat(history.after(s, Duration.ofSeconds(60))).isZero();

    s.setRecordedInHistory(1);
    assertThat(history.due(s)).isFalse();
    assertThat(history.after(s, Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
    assertThat(history.after(s, null)).isNull();

    s.setAttempt(2); // ops.ttes.io/retry ran it again and it finished
    assertThat(history.due(s)).isTrue();
    s.setPhase(OpsTaskPhase.Running);
    assertThat(history.due(s)).as("not finished").isFalse();
  }

  @Test
  void limitZeroKeepsNoHistory() {
    HistoryRecorder off = new HistoryRecorder(0, Duration.ofSeconds(5));
    OpsTaskStatus s = finished(1, 1).getStatus();
    assertThat(off.due(s)).isFalse();
    assertThat(off.after(s, null)).isNull();
  }
}
