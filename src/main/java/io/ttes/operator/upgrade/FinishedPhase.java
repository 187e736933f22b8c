package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;

/**
 * Planned, Succeeded and Failed: a finished upgrade keeps the outcome it finished with (a finished
 * rollback keeps RolledBack, and spec.rollback asks for nothing more); spec.rollback on a dry run
 * stalls, since it changed nothing.
 */
final class FinishedPhase {
  private final OperatorConfig config;

  FinishedPhase(OperatorConfig config) {
    this.config = config;
  }

  PhaseResult handle(UpgradeRun run) {
    var ready = ConditionWriter.find(run.resource.getStatus(), ConditionTypes.READY);
    String reason = ready == null ? run.status.getPhase().name() : ready.getReason();
    String message = ready == null ? run.status.getPhase().name() : ready.getMessage();
    if (run.spec.rollbackRequested() && run.status.getPhase() == UpgradePhase.Planned) {
      // A dry run executed nothing: there is nothing to roll back.
      return new PhaseResult(
          Outcome.stalled(
              PlanProblem.ROLLBACK_NOT_ALLOWED,
              "spec.rollback: a dry run (phase Planned) changed no stack, so there is nothing to"
                  + " roll back; set spec.rollback to false"),
          null);
    }
    var rollback = run.status.getRollback();
    if (run.status.getPhase() == UpgradePhase.Succeeded
        && rollback != null
        && rollback.getStartedAt() != null) {
      // Read from status, which says it was a rollback even where a condition was lost.
      return new PhaseResult(
          Outcome.ready(
              RollbackPlanner.isRollback(run.status.getPlan())
                  ? RollbackPlanner.ROLLED_BACK
                  : RollbackPlanner.NOTHING_TO_ROLL_BACK,
              rollback.getMessage()),
          null);
    }
    return switch (run.status.getPhase()) {
      // Annotations do not change the generation, so JOSDK sends no event for a new retry value:
      // a failed upgrade looks at its annotations again now and then (no AWS call).
      case Failed ->
          new PhaseResult(
              Reasons.STACK_POLICY_DENIED.equals(reason)
                  ? Outcome.stalled(reason, message)
                  : Outcome.failed(reason, message),
              config.slowPoll());
      default -> new PhaseResult(Outcome.ready(reason, message), null);
    };
  }
}
