package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Drops a plan the spec no longer matches: its unexecuted change sets are deleted and the upgrade
 * plans again with the next attempt's names.
 */
final class PlanVoider {
  private final EventRecorder events;

  PlanVoider(EventRecorder events) {
    this.events = events;
  }

  PhaseResult voidPlan(UpgradeRun run, String why) {
    if (!run.mayMutate()) {
      return new PhaseResult(
          Outcome.reconciling(UpgradeReasons.PLANNING, why + "; planning again"),
          Duration.ofMillis(1));
    }
    Set<String> executed =
        run.status.getSteps().stream()
            .filter(s -> s.getChangeSetId() != null)
            .map(Step::getName)
            .collect(Collectors.toSet());
    if (run.status.getPlan() != null) {
      deleteChangeSets(
          run,
          run.status.getPlan().getStacks().stream()
              .filter(ps -> !executed.contains(ps.getName()))
              .toList());
    }
    PlanIdentity.restart(run);
    events.normal(run.resource, "PlanVoided", why + ": the plan is void, planning again");
    return new PhaseResult(
        Outcome.reconciling(UpgradeReasons.PLANNING, why + "; planning again"),
        Duration.ofMillis(1));
  }

  /** Deletes the change sets of these planned stacks (skipped stacks have none). */
  static void deleteChangeSets(UpgradeRun run, List<PlannedStack> stacks) {
    for (PlannedStack ps : stacks) {
      if (ps.getChangeSetName() != null
          && !Disposition.Skipped.name().equals(ps.getDisposition())) {
        run.services.changeSets().delete(ps.getName(), ps.getChangeSetName());
      }
    }
  }
}
