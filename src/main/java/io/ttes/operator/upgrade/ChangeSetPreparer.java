package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.AWAITING_APPROVAL;
import static io.ttes.operator.upgrade.UpgradeReasons.CHANGE_SET_FAILED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SUCCEEDED;
import static io.ttes.operator.upgrade.UpgradeReasons.UPDATING;

import io.ttes.operator.api.v1alpha1.ApprovalMode;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.CreateResult;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes sure the change set a stack step executes exists and is ready: snapshots first when the
 * change set would replace data ({@link SnapshotGuard}), then a change set carrying the snapshot
 * parameter; a change set AWS no longer accepts is re-planned just in time, and a re-planned one
 * may not touch data the reviewed plan left alone. Every change set it creates sends the parameters
 * recorded in the plan ({@link UpgradePlan}); none is planned again here.
 */
final class ChangeSetPreparer {
  private final UpgradeEndings endings;
  private final StackPlanReader reader;
  private final SnapshotGuard snapshots;
  private final PlanHasher hasher = new PlanHasher();

  /**
   * Where preparing stands: {@code pending} says what the step waits for (null when it may go on,
   * or it turned out to have nothing to do: then the step is Succeeded); {@code ready} is the
   * change set that may be executed, as just described (so the step needs no second
   * DescribeChangeSet): set exactly when {@code pending} is null and the step not Succeeded.
   */
  record Prepared(PhaseResult pending, ChangeSetInfo ready) {
    static Prepared pending(PhaseResult pending) {
      return new Prepared(pending, null);
    }
  }

  ChangeSetPreparer(UpgradeEndings endings, StackPlanReader reader, SnapshotGuard snapshots) {
    this.endings = endings;
    this.reader = reader;
    this.snapshots = snapshots;
  }

  /** Whether the change set named in {@code ps} can be executed, and if so that change set. */
  Prepared prepare(UpgradeRun run, Step rec, PlannedStack ps) {
    String stack = ps.getName();
    SnapshotGuard.Snapshotted snapshotted = snapshots.ensure(run, rec, ps);
    if (snapshotted.pending() != null) {
      return Prepared.pending(snapshotted.pending());
    }
    Map<String, String> snapshotValues = snapshotted.parameters();

    String wanted = ps.getChangeSetName();
    String plain = Names.changeSetName(run.uid, ps.getTemplate(), run.attempt(), false);
    String withSnapshot = Names.changeSetName(run.uid, ps.getTemplate(), run.attempt(), true);
    String jit = justInTimeName(run, ps, rec);
    boolean snap = snapshotted.taken();
    if (!wanted.equals(jit) && !wanted.equals(snap ? withSnapshot : plain)) {
      // A retry (new attempt) or the snapshot-carrying variant: a new change set is needed.
      wanted = snap ? withSnapshot : plain;
      ps.setChangeSetName(wanted);
    }
    Optional<ChangeSetInfo> info = run.services.changeSets().describe(stack, wanted);
    if (info.isEmpty()) {
      return Prepared.pending(create(run, rec, ps, wanted, snapshotValues));
    }
    ChangeSetInfo cs = info.get();
    if (cs.pending()) {
      return Prepared.pending(waitingFor(wanted));
    }
    if (cs.noChanges()) {
      if (!run.mayMutate()) {
        return Prepared.pending(endings.again(run, "removing empty change set " + wanted));
      }
      run.services.changeSets().delete(stack, wanted);
      return Prepared.pending(nothingToDo(rec, wanted));
    }
    if (!cs.createComplete()) {
      return Prepared.pending(
          endings.fail(
              run,
              rec,
              CHANGE_SET_FAILED,
              "change set " + wanted + " is " + cs.status() + ": " + cs.statusReason()));
    }
    ExecutionReadiness readiness = ExecutionReadiness.of(cs);
    if (readiness == ExecutionReadiness.WAIT) {
      return Prepared.pending(
          new PhaseResult(
              Outcome.reconciling(UPDATING, ExecutionReadiness.waiting(cs)),
              endings.config.fastPoll()));
    }
    if (readiness == ExecutionReadiness.EXECUTED) {
      rec.setChangeSetId(cs.id());
      return Prepared.pending(endings.again(run, "change set " + wanted + " was executed already"));
    }
    if (readiness == ExecutionReadiness.REPLAN) {
      if (wanted.equals(jit)) {
        return Prepared.pending(
            endings.fail(
                run,
                rec,
                CHANGE_SET_FAILED,
                "change set " + wanted + " cannot be executed (" + cs.executionStatus() + ")"));
      }
      ps.setChangeSetName(jit);
      rec.setMessage(
          "re-planned just in time: change set "
              + wanted
              + " is "
              + cs.executionStatus()
              + " (an earlier stack changed what it reads)");
      endings.events.normal(
          run.resource, "ReplannedJustInTime", "stack " + stack + ": " + rec.getMessage());
      return Prepared.pending(endings.again(run, rec.getMessage()));
    }
    PhaseResult replanned = wanted.equals(jit) ? checkReplanned(run, rec, ps, cs) : null;
    return replanned == null ? new Prepared(null, cs) : Prepared.pending(replanned);
  }

  private PhaseResult create(
      UpgradeRun run, Step rec, PlannedStack ps, String wanted, Map<String, String> snapshots) {
    String stack = ps.getName();
    if (!run.mayMutate()) {
      return endings.again(run, "creating change set " + wanted);
    }
    // The parameters are the recorded plan's; the stack is read for its tags as they are now and
    // for the snapshot parameters it was restored with.
    StackInfo current = run.services.stacks().describe(List.of(stack)).get(stack);
    ParameterPlan pp = reader.withSecrets(run, ps, UpgradePlan.parameters(ps));
    for (Map.Entry<String, String> e : snapshots.entrySet()) {
      pp = pp.with(e.getKey(), e.getValue());
    }
    List<PlanProblem> sticky =
        SnapshotParameterGuard.check(
            stack, current, pp, StackPlanReader.snapshotParameters(run), snapshots);
    if (!sticky.isEmpty()) {
      return UpgradeEndings.stalled(sticky);
    }
    CreateResult created =
        run.services
            .changeSets()
            .create(reader.request(run, ps, wanted, pp, ChangeSetTags.of(current), "executed"));
    ps.setChangeSetId(created.changeSetId());
    if (created.noChanges()) {
      return nothingToDo(rec, wanted);
    }
    return waitingFor(wanted);
  }

  private PhaseResult waitingFor(String changeSet) {
    return new PhaseResult(
        Outcome.reconciling(UPDATING, "waiting for change set " + changeSet),
        endings.config.fastPoll());
  }

  /**
   * Never execute what was not planned: a re-planned change set may not touch data the reviewed
   * plan left alone; other changes it makes beyond the plan change the plan's hash.
   */
  private PhaseResult checkReplanned(UpgradeRun run, Step rec, PlannedStack ps, ChangeSetInfo cs) {
    Set<String> planned =
        ps.getDataRisks().stream().map(DataRisk::getLogicalId).collect(Collectors.toSet());
    List<DetectedRisk> actual = reader.detect(run, ps, cs.changes());
    List<String> unplanned =
        actual.stream().map(DetectedRisk::logicalId).filter(id -> !planned.contains(id)).toList();
    if (!unplanned.isEmpty()) {
      return endings.fail(
          run,
          rec,
          CHANGE_SET_FAILED,
          "the change set re-planned just in time for stack "
              + ps.getName()
              + " would replace or remove "
              + unplanned
              + ", which the reviewed plan did not; review and retry");
    }
    Optional<String> drift = PlanDrift.between(StatusChanges.fromStatus(ps), cs.changes());
    if (drift.isPresent()) {
      return planChanged(run, rec, ps, cs, actual, drift.get());
    }
    return null;
  }

  /**
   * A change set re-planned just in time changes other things than the approved plan: the plan
   * takes its changes and a new hash. A Manual upgrade waits for the new hash to be approved; an
   * Automatic one records it with an event and goes on. Returns null when execution may go on.
   */
  private PhaseResult planChanged(
      UpgradeRun run,
      Step rec,
      PlannedStack ps,
      ChangeSetInfo cs,
      List<DetectedRisk> risks,
      String drift) {
    Plan plan = run.status.getPlan();
    String before = plan.getHash();
    ps.setChanges(StatusChanges.toStatus(cs.changes()));
    UpgradePlan.recordRisks(ps, risks);
    plan.setHash(
        hasher.hash(
            plan.getGeneration(),
            UpgradePlan.of(plan).stacks(),
            UpgradePlan.addedMigrations(plan, StackPlanReader.specCommands(run.spec)),
            UpgradeHops.hashed(run)));
    String what = "stack " + ps.getName() + ": " + drift;
    rec.setMessage(PlanDrift.PREFIX + what);
    boolean manual = run.spec.getApproval() == ApprovalMode.Manual;
    String message = PlanDrift.message(before, what, plan.getHash(), manual);
    endings.events.normal(run.resource, Reasons.PLAN_CHANGED, message);
    if (manual) {
      run.status.setPhase(UpgradePhase.AwaitingApproval);
      return new PhaseResult(Outcome.reconciling(AWAITING_APPROVAL, message), null);
    }
    return null;
  }

  private PhaseResult nothingToDo(Step rec, String changeSet) {
    rec.setPhase(STEP_SUCCEEDED);
    rec.setFinishedAt(endings.now());
    rec.setMessage(
        Objects.toString(rec.getMessage(), "").startsWith("re-planned just in time")
            ? "re-planned just in time: change set " + changeSet + " has no changes"
            : "change set " + changeSet + " has no changes");
    return null;
  }

  static String justInTimeName(UpgradeRun run, PlannedStack ps, Step rec) {
    return Names.changeSetName(
        run.uid, ps.getTemplate() + "-jit", run.attempt(), rec.getSnapshot() != null);
  }
}
