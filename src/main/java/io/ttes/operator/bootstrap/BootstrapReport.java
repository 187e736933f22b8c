package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import java.util.List;

/**
 * What a bootstrap shows: a decision written into its step record and phase, the events of a step
 * that starts, succeeds or fails, and the outcome its conditions get.
 */
final class BootstrapReport {
  private final EventRecorder events;

  BootstrapReport(EventRecorder events) {
    this.events = events;
  }

  /**
   * Writes a decision about a step (CREATE already carried out: its task exists) into the step's
   * record and the bootstrap's phase, with its events. Returns the outcome when the reconcile ends
   * here (the step waits or failed), null when the step is done and the next one may go.
   */
  Outcome apply(TenantBootstrap tb, TenantBootstrapStatus status, Decision d) {
    String step = d.step().name();
    Step record = BootstrapRecords.record(status, step);
    boolean failedBefore = "Failed".equals(record.getPhase());
    if (!d.taskName().equals(record.getOpsTask())) {
      events.normal(tb, "StepStarted", "step " + step + " started as OpsTask " + d.taskName());
    }
    record.setOpsTask(d.taskName());
    record.setPhase(d.phase());
    record.setMessage(d.message());
    status.setPhase(BootstrapPhase.Running);
    if (d.kind() == Kind.WAIT) {
      return Outcome.reconciling(
          Reasons.STEP_RUNNING, "step " + step + " is " + d.phase().toLowerCase());
    }
    record.setExitCode(d.exitCode());
    if (d.kind() == Kind.FAILED) {
      status.setPhase(BootstrapPhase.Failed);
      if (!failedBefore) {
        events.warning(tb, Reasons.STEP_FAILED, "step " + step + " failed: " + d.message());
      }
      return Outcome.failed(
          Reasons.STEP_FAILED, BootstrapProgress.failedMessage(step, d.message()));
    }
    events.normal(tb, "StepSucceeded", "step " + step + ": " + d.message());
    return null;
  }

  /**
   * The outcome of one round of decisions that moved nothing further: while a failed step's
   * siblings still run, the bootstrap stays Running, Reconciling with reason StepFailed naming the
   * failure and the steps it waits for (the Warning event was recorded when the step failed); once
   * none runs, the first failure (the bootstrap is Failed). Without a failure, the first step
   * waited for.
   *
   * @param failed the steps that failed, in plan order
   * @param running the steps that wait for their task, in plan order
   * @param waiting the outcome of the first of {@code running}
   */
  static Outcome of(
      TenantBootstrapStatus status, List<Decision> failed, List<String> running, Outcome waiting) {
    if (failed.isEmpty()) {
      return waiting;
    }
    Decision first = failed.get(0);
    if (running.isEmpty()) {
      status.setPhase(BootstrapPhase.Failed);
      return Outcome.failed(
          Reasons.STEP_FAILED,
          BootstrapProgress.failedMessage(first.step().name(), first.message()));
    }
    status.setPhase(BootstrapPhase.Running);
    return Outcome.reconciling(
        Reasons.STEP_FAILED,
        "step "
            + first.step().name()
            + " failed: "
            + first.message()
            + "; waiting for "
            + String.join(", ", running)
            + " to finish, then the bootstrap is Failed and can be retried");
  }

  /** Every step done. */
  static Outcome succeeded(TenantBootstrapStatus status, int steps) {
    status.setPhase(BootstrapPhase.Succeeded);
    return Outcome.ready(Reasons.BOOTSTRAPPED, steps + " steps done");
  }

  /** A bootstrap that failed earlier and was not asked to retry. */
  static Outcome stillFailed(TenantBootstrapStatus status) {
    String message =
        BootstrapProgress.failedStep(status)
            .map(f -> BootstrapProgress.failedMessage(f.getName(), f.getMessage()))
            .orElse("failed");
    return Outcome.failed(Reasons.STEP_FAILED, message);
  }

  /** The next step is cluster-wide and another bootstrap holds the guard. */
  static Outcome waitingForHolder(TenantBootstrapStatus status, BootstrapStep step, String holder) {
    status.setPhase(BootstrapPhase.Pending);
    BootstrapRecords.record(status, step.name())
        .setMessage("waiting: " + holder + " is running the cluster-wide steps");
    return Outcome.reconciling(
        Reasons.WAITING_FOR_CLUSTER_STEPS,
        holder + " is running the cluster-wide steps; this bootstrap continues after");
  }

  /** Pending (unless further already) until the cluster is there and Ready. */
  static Outcome waitingForCluster(TenantBootstrapStatus status, Outcome waiting) {
    if (status.getPhase() == null) {
      status.setPhase(BootstrapPhase.Pending);
    }
    return waiting;
  }
}
