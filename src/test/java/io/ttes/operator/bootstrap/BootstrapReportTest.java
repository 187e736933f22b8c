package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.testing.RecordedEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A decision as the bootstrap's status, events and outcome show it. */
class BootstrapReportTest {
  private final RecordedEvents recorded = new RecordedEvents();
  private final List<String> events = recorded.lines();
  private final BootstrapReport report = new BootstrapReport(recorded);
  private final BootstrapStep migrate =
      BootstrapSteps.plan(BootstrapStepsTest.cluster(true), BootstrapStepsTest.example()).stream()
          .filter(s -> s.name().equals(BootstrapSteps.IS_MIGRATE))
          .findFirst()
          .orElseThrow();
  private final TenantBootstrap tb = new TenantBootstrap();
  private final TenantBootstrapStatus status = new TenantBootstrapStatus();

  {
    tb.setMetadata(new ObjectMetaBuilder().withName("acme").withNamespace("boot").build());
  }

  private Decision decision(Kind kind, String phase, Integer exitCode, String message) {
    return new Decision(kind, migrate, "t-migrate", phase, exitCode, message);
  }

  @Test
  void aNewTaskIsAnnouncedOnceAndAWaitingStepKeepsTheReconcileWaiting() {
    report.apply(tb, status, decision(Kind.WAIT, "Pending", null, "queued"));
    report.apply(tb, status, decision(Kind.WAIT, "Running", null, "running"));

    assertThat(events)
        .containsExactly("Normal StepStarted: step is-db-migrate started as OpsTask t-migrate");
    Step record = BootstrapRecords.record(status, BootstrapSteps.IS_MIGRATE);
    assertThat(record)
        .extracting(Step::getOpsTask, Step::getPhase, Step::getMessage, Step::getExitCode)
        .containsExactly("t-migrate", "Running", "running", null);
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Running);
  }

  @Test
  void aDoneStepLetsTheNextGoAndAFailedOneEndsFailedWithTheWayToRetry() {
    BootstrapRecords.record(status, BootstrapSteps.IS_MIGRATE).setOpsTask("t-migrate");

    report.apply(tb, status, decision(Kind.DONE, "Succeeded", 0, "done"));
    assertThat(events).containsExactly("Normal StepSucceeded: step is-db-migrate: done");
    assertThat(BootstrapRecords.record(status, BootstrapSteps.IS_MIGRATE).getExitCode()).isZero();

    report.apply(tb, status, decision(Kind.FAILED, "Failed", 3, "exit code 3: boom"));
    Outcome failed = BootstrapReport.stillFailed(status);
    assertThat(failed.state()).isEqualTo(Outcome.State.FAILED);
    assertThat(failed.message())
        .contains("step is-db-migrate failed: exit code 3: boom", "ops.ttes.io/retry");
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Failed);
    assertThat(events)
        .last()
        .asString()
        .startsWith("Warning StepFailed: step is-db-migrate failed");
    assertThat(BootstrapRecords.record(status, BootstrapSteps.IS_MIGRATE).getMessage())
        .isEqualTo("exit code 3: boom");
  }

  @Test
  void waitingForTheHolderIsPendingAndSaysWho() {
    Outcome o = BootstrapReport.waitingForHolder(status, migrate, "boot/other");

    assertThat(o.reason()).isEqualTo("WaitingForClusterSteps");
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Pending);
    assertThat(BootstrapRecords.record(status, BootstrapSteps.IS_MIGRATE).getMessage())
        .isEqualTo("waiting: boot/other is running the cluster-wide steps");
  }
}
