package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.PLANNING;

import io.ttes.operator.api.v1alpha1.RollbackRecord;
import io.ttes.operator.api.v1alpha1.RollbackStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.status.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * spec.rollback on a Failed or Succeeded upgrade: replaces the plan by a rollback plan whose stacks
 * are those the upgrade updated ({@link RollbackRecords#toRollBack}), newest first, each sending
 * its recorded template URL, parameters and tags, with the next attempt's names and no migrations;
 * then planning, approval, snapshots and execution run it as any plan. Asked for once:
 * status.rollback.startedAt latches it.
 */
final class RollbackPlanner {
  static final String ROLLED_BACK = "RolledBack";
  static final String ROLLBACK_PLANNED = "RollbackPlanned";
  static final String NOTHING_TO_ROLL_BACK = "NothingToRollBack";
  static final String NOTICE =
      "rollback: database migrations are not undone; the stacks get their earlier templates and"
          + " parameters, the databases keep the schema the upgrade's migrations left";

  private final UpgradeEndings endings;

  RollbackPlanner(UpgradeEndings endings) {
    this.endings = endings;
  }

  /** Whether the spec asks for a rollback this upgrade has not started yet. */
  static boolean requested(StackUpgradeStatus status, boolean asked) {
    UpgradePhase phase = status.getPhase();
    return asked
        && (phase == UpgradePhase.Failed || phase == UpgradePhase.Succeeded)
        && (status.getRollback() == null || status.getRollback().getStartedAt() == null);
  }

  static boolean isRollback(Plan plan) {
    return plan != null && Boolean.TRUE.equals(plan.getRollback());
  }

  /** Starts the rollback: the rollback plan goes to planning (the caller holds the lock). */
  PhaseResult begin(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    List<RollbackRecord> records = RollbackRecords.toRollBack(status);
    List<String> unknown =
        records.stream()
            .filter(r -> r.getTemplateUrl() == null)
            .map(RollbackRecord::getName)
            .toList();
    if (!unknown.isEmpty()) {
      endings.lock.release(run.ns, run.clusterName(), run.name);
      // Not started: setting spec.rollback back to false leaves the upgrade as it was.
      return new PhaseResult(
          Outcome.stalled(
              PlanProblem.ROLLBACK_NOT_ALLOWED,
              "spec.rollback: the template version of "
                  + String.join(", ", unknown)
                  + " was not known when the upgrade updated it (no version tag or parameter),"
                  + " so its earlier template cannot be named; return it by hand and set"
                  + " spec.rollback to false"),
          null);
    }
    RollbackStatus rollback = RollbackRecords.rollback(status);
    rollback.setStartedAt(endings.now());
    rollback.setRolledBackFrom(status.getPhase().name());
    if (records.isEmpty()) {
      String message = "spec.rollback: nothing to roll back, the upgrade updated no stack";
      rollback.setMessage(message);
      endings.lock.release(run.ns, run.clusterName(), run.name);
      endings.events.normal(run.resource, NOTHING_TO_ROLL_BACK, message);
      return new PhaseResult(
          status.getPhase() == UpgradePhase.Failed
              ? Outcome.failed(NOTHING_TO_ROLL_BACK, message)
              : Outcome.ready(NOTHING_TO_ROLL_BACK, message),
          null);
    }
    status.setAttempt(run.attempt() + 1);
    Plan plan = new Plan();
    plan.setGeneration(run.resource.getMetadata().getGeneration());
    plan.setSpecDigest(PlanIdentity.specDigest(run));
    plan.setFormat(UpgradePlan.FORMAT);
    plan.setRollback(true);
    plan.setNotice(NOTICE);
    List<String> names = new ArrayList<>();
    for (RollbackRecord r : records) {
      plan.getStacks().add(stack(run, r));
      names.add(r.getName() + " to " + r.getVersion());
    }
    status.setPlan(plan);
    status.setSteps(new ArrayList<>());
    // status.hops stays as the record of how far the upgrade got; a rollback walks no hop.
    status.setHop(null);
    status.setPhase(UpgradePhase.Planning);
    String message =
        "rolling back "
            + names.size()
            + " stacks, newest first: "
            + String.join(", ", names)
            + "; database migrations are not undone";
    rollback.setMessage(message);
    endings.events.normal(run.resource, ROLLBACK_PLANNED, message);
    return new PhaseResult(Outcome.reconciling(PLANNING, message), Duration.ofMillis(1));
  }

  /** A stack of the rollback plan: its record, and the capabilities of the recorded template. */
  private PlannedStack stack(UpgradeRun run, RollbackRecord r) {
    PlannedStack ps = new PlannedStack();
    ps.setName(r.getName());
    ps.setTemplate(r.getTemplate());
    ps.setTemplateUrl(r.getTemplateUrl());
    ps.setChangeSetName(Names.changeSetName(run.uid, r.getTemplate(), run.attempt(), false));
    List<SentParameter> sent = new ArrayList<>();
    for (SentParameter p : r.getParameters()) {
      SentParameter copy = new SentParameter();
      copy.setKey(p.getKey());
      copy.setValue(p.getValue());
      copy.setUsePreviousValue(p.getUsePreviousValue());
      copy.setNoEcho(p.getNoEcho());
      sent.add(copy);
    }
    ps.setSentParameters(sent);
    TemplateSummary summary = run.services.changeSets().templateSummary(r.getTemplateUrl());
    ps.setCapabilities(
        summary.capabilities() == null
            ? new ArrayList<>()
            : new ArrayList<>(summary.capabilities()));
    ps.setTags(new LinkedHashMap<>(r.getTags()));
    return ps;
  }
}
