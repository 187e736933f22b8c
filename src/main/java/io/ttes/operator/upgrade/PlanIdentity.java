package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import io.ttes.operator.digest.Sha256;
import java.util.ArrayList;
import java.util.Objects;

/**
 * Which spec a plan belongs to and the names it uses: a plan is valid while the spec (without
 * approvedPlan and suspend) has the digest it was made for; a new plan takes the attempt's names.
 */
final class PlanIdentity {
  private final TemplateOrder order = new TemplateOrder();

  /** A fresh plan for the cluster's stacks in template order, with this attempt's names. */
  Plan newPlan(UpgradeRun run) {
    Plan plan = new Plan();
    plan.setGeneration(run.resource.getMetadata().getGeneration());
    plan.setSpecDigest(specDigest(run));
    if (run.validation != null && run.validation.multiHop()) {
      plan.setHop(run.validation.route().current() + 1);
    }
    for (StackRef ref : order.sortStacks(run.cluster.getSpec().getStacks())) {
      PlannedStack ps = new PlannedStack();
      ps.setName(ref.getName());
      ps.setTemplate(ref.getTemplate());
      boolean skip =
          UpgradeValidator.overrideOf(run.spec, ref.getName())
              .map(StackUpgradeSpec.StackOverride::isSkip)
              .orElse(false);
      if (skip) {
        ps.setDisposition(Disposition.Skipped.name());
      } else {
        ps.setChangeSetName(Names.changeSetName(run.uid, ref.getTemplate(), run.attempt(), false));
      }
      plan.getStacks().add(ps);
    }
    return plan;
  }

  /**
   * The spec without approvedPlan, suspend and rollback: approving, pausing or rolling back an
   * upgrade must not void the plan it approves (or the rollback plan), any other edit must.
   */
  static String specDigest(UpgradeRun run) {
    var serialization = run.context.getClient().getKubernetesSerialization();
    StackUpgradeSpec copy = serialization.clone(run.spec);
    copy.setApprovedPlan(null);
    copy.setSuspend(false);
    copy.setRollback(null);
    return Sha256.hex(serialization.asJson(copy), 16);
  }

  static boolean stillValid(UpgradeRun run) {
    Plan plan = run.status.getPlan();
    return plan != null && Objects.equals(plan.getSpecDigest(), specDigest(run));
  }

  /**
   * Forgets the plan so that the upgrade plans again from the start with the next attempt's names
   * (an earlier change set of the same name could still exist while CloudFormation deletes it).
   */
  static void restart(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    status.setAttempt(run.attempt() + 1);
    status.setPlan(null);
    status.setSteps(new ArrayList<>());
    status.setPhase(null);
  }
}
