package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.RetryToken;
import java.util.ArrayList;

/**
 * A new value of the ops.ttes.io/retry annotation on a failed upgrade: it resumes at the failed
 * step with the next attempt (new change set, snapshot and OpsTask names), or plans again when it
 * failed while planning or the spec changed since.
 */
final class RetryRequest {
  private final EventRecorder events;

  RetryRequest(EventRecorder events) {
    this.events = events;
  }

  /** Notes a new retry value; true when it asks to retry this failed upgrade. */
  static boolean noted(UpgradeRun run) {
    return RetryToken.take(run.resource, run.status::getRetryToken, run.status::setRetryToken)
        && run.status.getPhase() == UpgradePhase.Failed;
  }

  /** Sets the status up for the retry: the failed step pending again, or no plan. */
  void resume(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    Step failed =
        status.getSteps().stream()
            .filter(s -> UpgradeReasons.STEP_FAILED.equals(s.getPhase()))
            .findFirst()
            .orElse(null);
    status.setAttempt(run.attempt() + 1);
    if (failed == null || !PlanIdentity.stillValid(run)) {
      // Failed while planning, or the spec changed since: plan again.
      status.setPlan(null);
      status.setSteps(new ArrayList<>());
      status.setPhase(null);
      events.normal(run.resource, "RetryRequested", "retry: planning again");
      return;
    }
    failed.setPhase(UpgradeReasons.STEP_PENDING);
    failed.setChangeSetId(null);
    failed.setSnapshot(null);
    failed.setOpsTask(null);
    failed.setStartedAt(null);
    failed.setFinishedAt(null);
    failed.setMessage("retry requested (attempt " + run.attempt() + ")");
    status.setPhase(UpgradePhase.Updating);
    events.normal(
        run.resource,
        "RetryRequested",
        "retry: resuming at step " + failed.getName() + " (attempt " + run.attempt() + ")");
  }
}
