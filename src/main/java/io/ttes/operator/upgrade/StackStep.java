package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.ROLLBACK_FAILED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_PENDING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SUCCEEDED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_UPDATING;
import static io.ttes.operator.upgrade.UpgradeReasons.UPDATING;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.cluster.DriftComparison;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import java.util.List;
import java.util.Optional;

/**
 * One stack step: prepares its change set ({@link ChangeSetPreparer}), records which one runs
 * before executing it, and follows the stack until its update completes or fails.
 */
final class StackStep {
  private final UpgradeEndings endings;
  private final ChangeSetPreparer preparer;

  StackStep(UpgradeEndings endings, ChangeSetPreparer preparer) {
    this.endings = endings;
    this.preparer = preparer;
  }

  /** Returns null when the step is done and the next one may start. */
  PhaseResult advance(UpgradeRun run, Step rec, PlannedStack ps) {
    StackUpgradeStatus status = run.status;
    String stack = ps.getName();
    if (STEP_PENDING.equals(rec.getPhase())) {
      rec.setStartedAt(endings.now());
      rec.setPhase(STEP_UPDATING);
      rec.setMessage("started");
      endings.events.normal(run.resource, "StepStarted", "updating stack " + stack);
    }
    if (rec.getChangeSetId() != null) {
      return following(run, rec, ps);
    }
    ChangeSetPreparer.Prepared prepared = preparer.prepare(run, rec, ps);
    if (prepared.pending() != null) {
      return prepared.pending();
    }
    if (STEP_SUCCEEDED.equals(rec.getPhase())) {
      return null;
    }
    ChangeSetInfo ready = prepared.ready();
    ChangeSets changeSets = run.services.changeSets();
    // The stack as it is before its first update, for a rollback (RollbackRecords).
    StackInfo before =
        RollbackRecords.needed(status, stack)
            ? run.services.stacks().describe(List.of(stack)).get(stack)
            : null;
    // Write-ahead: the stored status says which change set is being executed before AWS hears,
    // and what the stack was before it.
    if (!run.mayMutateAfter(
        () -> {
          if (before != null) {
            RollbackRecords.record(run, ps, before, endings.now());
          }
          rec.setChangeSetId(ready.id());
          rec.setPhase(STEP_UPDATING);
          rec.setMessage("executing change set " + ps.getChangeSetName());
          status.setPhase(UpgradePhase.Updating);
        })) {
      return endings.again(run, "about to execute change set " + ps.getChangeSetName());
    }
    try {
      changeSets.execute(stack, ps.getChangeSetName());
    } catch (AwsException e) {
      if (e.kind() != AwsException.Kind.INVALID_INPUT) {
        throw e;
      }
      rec.setChangeSetId(null);
      StackInfo busy = run.services.stacks().describe(List.of(stack)).get(stack);
      if (busy != null && busy.inProgress()) {
        // Not yet updatable (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, ...): the change set stays.
        return new PhaseResult(
            Outcome.reconciling(
                UPDATING, "stack " + stack + " is " + busy.status() + "; waiting to update it"),
            endings.config.fastPoll());
      }
      // AWS no longer accepts the planned change set (an earlier stack changed what it reads).
      ps.setChangeSetName(ChangeSetPreparer.justInTimeName(run, ps, rec));
      rec.setMessage("re-planned just in time: " + e.getMessage());
      return endings.again(run, rec.getMessage());
    }
    return executing(ps);
  }

  /**
   * The change set recorded in status was executed, or was about to be: follow the stack. While it
   * is in motion only the stack is read (one call per poll); the change set is described once it is
   * not, to tell an execute call that never reached AWS (crash in between) from an update that
   * ended.
   */
  private PhaseResult following(UpgradeRun run, Step rec, PlannedStack ps) {
    String stack = ps.getName();
    StackInfo now = run.services.stacks().describe(List.of(stack)).get(stack);
    if (now == null) {
      return endings.fail(
          run, rec, Reasons.STACK_NOT_FOUND, "stack " + stack + " no longer exists");
    }
    Optional<ChangeSetInfo> info =
        now.inProgress()
            ? Optional.empty()
            : run.services.changeSets().describe(stack, ps.getChangeSetName());
    if (info.isPresent() && "AVAILABLE".equals(info.get().executionStatus())) {
      // The execute call recorded in status never reached AWS (crash in between): send it now.
      if (!run.mayMutate()) {
        return endings.again(run, "executing change set " + ps.getChangeSetName());
      }
      run.services.changeSets().execute(stack, ps.getChangeSetName());
      return executing(ps);
    }
    if (now.inProgress()
        || (info.isPresent() && "EXECUTE_IN_PROGRESS".equals(info.get().executionStatus()))) {
      run.status.setPhase(UpgradePhase.Updating);
      rec.setMessage("stack " + stack + " is " + now.status());
      return new PhaseResult(
          Outcome.reconciling(UPDATING, "stack " + stack + " is " + now.status()),
          endings.config.fastPoll());
    }
    return finished(run, rec, ps, now);
  }

  private PhaseResult executing(PlannedStack ps) {
    return new PhaseResult(
        Outcome.reconciling(UPDATING, "executing change set " + ps.getChangeSetName()),
        endings.config.fastPoll());
  }

  /** The stack's update is over: succeeded, rolled back, or stuck in a failed rollback. */
  private PhaseResult finished(UpgradeRun run, Step rec, PlannedStack ps, StackInfo now) {
    String stack = ps.getName();
    switch (now.status()) {
      case "UPDATE_COMPLETE" -> {
        // The new drift baseline before the step is done: a crash in between records it again.
        // The plan's NoEcho keys (the target template's) are left out, masked by AWS or not.
        endings
            .lock
            .baseline()
            .record(
                run.ns,
                run.clusterName(),
                DriftComparison.baseline(
                    now,
                    UpgradePlan.parameters(ps).noEcho(),
                    "StackUpgrade/" + run.name,
                    endings.now()));
        rec.setPhase(STEP_SUCCEEDED);
        RollbackRecords.markUpdated(run.status, stack);
        rec.setFinishedAt(endings.now());
        rec.setMessage(
            ps.getChangeSetName().equals(ChangeSetPreparer.justInTimeName(run, ps, rec))
                ? "updated with change set " + ps.getChangeSetName() + ", re-planned just in time"
                : "updated");
        endings.events.normal(run.resource, "StepSucceeded", "stack " + stack + " updated");
        return null;
      }
      case "UPDATE_ROLLBACK_COMPLETE" -> {
        Optional<StackFailure> why = failure(run, stack);
        if (why.isPresent() && why.get().deniedByStackPolicy()) {
          PhaseResult failed =
              endings.fail(run, rec, Reasons.STACK_POLICY_DENIED, why.get().policyDenial(stack));
          return new PhaseResult(
              Outcome.stalled(failed.outcome().reason(), failed.outcome().message()),
              failed.reschedule());
        }
        return endings.fail(
            run,
            rec,
            Reasons.STACK_FAILED,
            "stack " + stack + " rolled back: " + firstFailure(run, stack));
      }
      case "UPDATE_ROLLBACK_FAILED" -> {
        rec.setMessage("UPDATE_ROLLBACK_FAILED: " + firstFailure(run, stack));
        return new PhaseResult(
            Outcome.stalled(
                ROLLBACK_FAILED,
                "stack "
                    + stack
                    + " is UPDATE_ROLLBACK_FAILED ("
                    + firstFailure(run, stack)
                    + "); a person must continue the rollback (aws cloudformation"
                    + " continue-update-rollback --stack-name "
                    + stack
                    + ", skipping resources that cannot roll back) before the upgrade can be"
                    + " retried"),
            endings.config.slowPoll());
      }
      default -> {
        return endings.fail(
            run,
            rec,
            Reasons.STACK_FAILED,
            "stack "
                + stack
                + " ended in "
                + now.status()
                + (now.statusReason() == null ? "" : " (" + now.statusReason() + ")"));
      }
    }
  }

  /** What explains the failure of the stack's latest update (see {@link StackFailure}). */
  private static String firstFailure(UpgradeRun run, String stack) {
    return failure(run, stack).map(StackFailure::describe).orElse("no failed stack event found");
  }

  private static Optional<StackFailure> failure(UpgradeRun run, String stack) {
    return StackFailure.of(stack, run.services.stacks().eventsOfLatestUpdate(stack));
  }
}
