package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.STEP_RUNNING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SKIPPED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SUCCEEDED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_UPDATING;
import static io.ttes.operator.upgrade.UpgradeReasons.SUCCEEDED;
import static io.ttes.operator.upgrade.UpgradeReasons.SUSPENDED;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.Outcome;
import java.time.Duration;

/**
 * Snapshotting, Updating and Migrating: walks the steps in order, one stack update or migration at
 * a time. Between steps a changed spec voids the plan, spec.suspend pauses and a closed maintenance
 * window ({@link WindowGate}) holds the next step; the upgrade succeeds when every step did.
 */
final class ExecutionPhase {
  private final UpgradeEndings endings;
  private final StackPlanReader reader;
  private final PlanVoider voider;
  private final StackStep stackStep;
  private final MigrationStep migrationStep;
  private final WindowGate window;
  private final UpgradeHops hops;

  ExecutionPhase(
      UpgradeEndings endings,
      StackPlanReader reader,
      PlanVoider voider,
      StackStep stackStep,
      MigrationStep migrationStep,
      UpgradeHops hops) {
    this.window = new WindowGate(endings);
    this.hops = hops;
    this.endings = endings;
    this.reader = reader;
    this.voider = voider;
    this.stackStep = stackStep;
    this.migrationStep = migrationStep;
  }

  PhaseResult handle(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    Plan plan = status.getPlan();
    for (Step rec : status.getSteps()) {
      if (STEP_SUCCEEDED.equals(rec.getPhase()) || STEP_SKIPPED.equals(rec.getPhase())) {
        continue;
      }
      if (!inFlight(rec)) {
        // Between steps: the spec may have changed, or the user may have paused the upgrade.
        if (!run.validation.ok()) {
          return UpgradeEndings.stalled(run.validation.problems());
        }
        if (!PlanIdentity.stillValid(run)) {
          return voider.voidPlan(
              run, "the spec changed during the upgrade (after the running step)");
        }
        if (!UpgradePlan.recorded(plan)) {
          // The steps read the plan recorded in status; one recorded by an earlier version of the
          // operator lacks what they read: the running step finished, the rest is planned again.
          return voider.voidPlan(run, UpgradePlan.EARLIER_LAYOUT);
        }
        if (run.spec.isSuspend()) {
          // Not finished and not failed: kstatus InProgress (Argo CD shows it as Suspended).
          return new PhaseResult(
              Outcome.reconciling(
                  SUSPENDED,
                  "suspended before step "
                      + rec.getName()
                      + "; set spec.suspend to false to continue"),
              null);
        }
        PhaseResult closed = window.hold(run, rec);
        if (closed != null) {
          return closed;
        }
      }
      if (run.mutated) {
        return new PhaseResult(
            Outcome.reconciling(
                UpgradeEndings.phaseReason(status), "continuing with step " + rec.getName()),
            Duration.ofMillis(1));
      }
      PhaseResult r;
      if (rec.getMigration() != null) {
        r = migrationStep.advance(run, rec);
      } else {
        PlannedStack ps = StackPlanReader.planned(plan, rec.getName());
        if (ps == null) {
          return voider.voidPlan(run, "step " + rec.getName() + " names no stack of the plan");
        }
        r = stackStep.advance(run, rec, ps);
      }
      if (r != null) {
        return r;
      }
    }
    // Stacks whose change set had no changes (planned or just in time) are as planned: the
    // cluster's next observation of them is their baseline. The ones updated recorded theirs in
    // their step; a stack spec.stacks[].skip left out keeps its baseline.
    endings
        .lock
        .baseline()
        .forget(
            run.ns,
            run.clusterName(),
            status.getSteps().stream()
                .filter(s -> s.getChangeSetId() == null)
                .map(s -> StackPlanReader.planned(plan, s.getName()))
                .filter(ps -> ps != null && !Disposition.Skipped.name().equals(ps.getDisposition()))
                .map(PlannedStack::getName)
                .toList());
    // A hop that is not the last: recorded, and the next hop is planned with the lock kept.
    PhaseResult nextHop = hops.finishHop(run);
    if (nextHop != null) {
      reader.forgetSummaries();
      return nextHop;
    }
    status.setPhase(UpgradePhase.Succeeded);
    endings.lock.release(run.ns, run.clusterName(), run.name);
    if (RollbackPlanner.isRollback(plan)) {
      return rolledBack(run);
    }
    long stacks =
        status.getSteps().stream()
            .filter(
                s ->
                    StackPlanReader.planned(plan, s.getName()) != null
                        && s.getChangeSetId() != null)
            .count();
    String message =
        "upgraded "
            + run.clusterName()
            + " from "
            + status.getFromVersion()
            + " to "
            + run.target()
            + (status.getHops().size() > 1 && !RollbackPlanner.isRollback(plan)
                ? " in " + status.getHops().size() + " hops"
                : "")
            + ": "
            + stacks
            + " stacks updated"
            + (status.getHops().size() > 1 ? " in the last hop" : "");
    endings.events.normal(run.resource, SUCCEEDED, message);
    reader.forgetSummaries();
    return new PhaseResult(Outcome.ready(SUCCEEDED, message), null);
  }

  /** Every stack of the rollback plan is back at its recorded template and parameters. */
  private PhaseResult rolledBack(UpgradeRun run) {
    String message =
        "rolled back "
            + run.clusterName()
            + ": "
            + String.join(", ", run.status.getSteps().stream().map(Step::getName).toList())
            + " returned to their templates and parameters before the upgrade (from "
            + run.status.getRollback().getRolledBackFrom()
            + "); database migrations are not undone";
    run.status.getRollback().setMessage(message);
    endings.events.normal(run.resource, RollbackPlanner.ROLLED_BACK, message);
    reader.forgetSummaries();
    return new PhaseResult(Outcome.ready(RollbackPlanner.ROLLED_BACK, message), null);
  }

  /** A step whose AWS or OpsTask work was started and must finish before anything else. */
  private static boolean inFlight(Step rec) {
    return (STEP_UPDATING.equals(rec.getPhase()) && rec.getChangeSetId() != null)
        || (STEP_RUNNING.equals(rec.getPhase()) && rec.getOpsTask() != null);
  }
}
