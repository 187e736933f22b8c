package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.AWAITING_APPROVAL;

import io.ttes.operator.api.v1alpha1.ApprovalMode;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * AwaitingApproval: executes when spec.approvedPlan is the current hash, or at once in Automatic
 * mode when no data is at risk without a snapshot; otherwise says what to approve and why. Reads
 * the plan recorded in status only.
 */
final class ApprovalPhase {
  private final UpgradeEndings endings;
  private final PlanVoider voider;
  private final ExecutionPhase execution;

  ApprovalPhase(UpgradeEndings endings, PlanVoider voider, ExecutionPhase execution) {
    this.endings = endings;
    this.voider = voider;
    this.execution = execution;
  }

  PhaseResult handle(UpgradeRun run) {
    if (!run.validation.ok()) {
      return UpgradeEndings.stalled(run.validation.problems());
    }
    if (!PlanIdentity.stillValid(run)) {
      return voider.voidPlan(run, "the spec changed before the plan was approved");
    }
    if (!UpgradePlan.recorded(run.status.getPlan())) {
      // One recorded by an earlier version of the operator lacks what approval reads: it is made
      // again (the same plan gets the same hash, so an approval of it still holds).
      return voider.voidPlan(run, UpgradePlan.EARLIER_LAYOUT);
    }
    Plan plan = run.status.getPlan();
    List<String> unprotected = unprotectedRisks(run.spec, plan);
    boolean approved = plan.getHash().equals(run.spec.getApprovedPlan());
    boolean manual = run.spec.getApproval() == ApprovalMode.Manual;
    // A hop of a multi-hop upgrade is approved on its own: its events say which hop.
    String hop =
        UpgradeHops.walking(run) && run.status.getHop() != null ? run.status.getHop() + ": " : "";
    if (approved || (!manual && unprotected.isEmpty())) {
      run.status.setPhase(UpgradePhase.Updating);
      endings.events.normal(
          run.resource,
          "Executing",
          hop + "executing plan " + plan.getHash() + (approved ? " (approved)" : " (automatic)"));
      return execution.handle(run);
    }
    StringBuilder message = new StringBuilder(hop);
    message.append("waiting for approval: set spec.approvedPlan to ");
    message.append(plan.getHash());
    String approvedPlan = run.spec.getApprovedPlan();
    if (approvedPlan != null && !approvedPlan.isBlank()) {
      message
          .append(" (spec.approvedPlan ")
          .append(approvedPlan)
          .append(" is not the current plan)");
    }
    if (!unprotected.isEmpty()) {
      message.append("; data at risk without a snapshot: ").append(String.join("; ", unprotected));
    }
    run.status.getSteps().stream()
        .map(Step::getMessage)
        .filter(m -> m != null && m.startsWith(PlanDrift.PREFIX))
        .forEach(m -> message.append("; ").append(m));
    if (run.resource.getStatus() == null
        || run.resource.getStatus().getPhase() != UpgradePhase.AwaitingApproval) {
      endings.events.normal(run.resource, AWAITING_APPROVAL, message.toString());
    }
    return new PhaseResult(Outcome.reconciling(AWAITING_APPROVAL, message.toString()), null);
  }

  /**
   * The data risks of the recorded plan that no snapshot will cover (no snapshot parameter, or
   * protection off).
   */
  private static List<String> unprotectedRisks(StackUpgradeSpec spec, Plan plan) {
    List<String> unprotected = new ArrayList<>();
    boolean protect = StackPlanReader.snapshotBeforeReplace(spec);
    for (PlannedStack ps : plan.getStacks()) {
      if (!Disposition.Changes.name().equals(ps.getDisposition())) {
        continue;
      }
      for (DetectedRisk r : UpgradePlan.risks(ps)) {
        if (r.needsApproval() || (!protect && r.needsSnapshot())) {
          unprotected.add(
              ps.getName()
                  + ": "
                  + r.resourceType()
                  + " "
                  + r.logicalId()
                  + " ("
                  + (r.replacement() == null ? r.action() : "replacement " + r.replacement())
                  + (r.needsApproval() ? ", no snapshot parameter" : ", protection off")
                  + ")");
        }
      }
    }
    return unprotected;
  }
}
