package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.ALREADY_AT_TARGET;
import static io.ttes.operator.upgrade.UpgradeReasons.PLANNING;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.upgrade.UpgradeValidator.Validation;
import java.time.Duration;
import java.util.ArrayList;

/**
 * Pending (or no phase yet): waits for a valid spec, a Ready cluster and the lock, then starts
 * planning with a fresh plan; an upgrade to the version the cluster runs succeeds at once.
 */
final class PendingPhase {
  private final UpgradeEndings endings;
  private final LockGuard lockGuard;
  private final PlanIdentity identity;

  PendingPhase(UpgradeEndings endings, LockGuard lockGuard, PlanIdentity identity) {
    this.endings = endings;
    this.lockGuard = lockGuard;
    this.identity = identity;
  }

  PhaseResult handle(UpgradeRun run, String observed) {
    StackUpgradeStatus status = run.status;
    status.setPhase(UpgradePhase.Pending);
    Validation v = run.validation;
    if (!v.ok()) {
      return UpgradeEndings.stalled(v.problems());
    }
    if (!LockGuard.holding(run) && !ConditionWriter.isReady(run.cluster.getStatus(), null)) {
      return new PhaseResult(
          Outcome.reconciling(
              Reasons.WAITING_FOR_CLUSTER,
              "waiting for TTESCluster " + run.clusterName() + " to be Ready"),
          endings.config.fastPoll());
    }
    if (v.alreadyAtTarget() && !startedBelowTarget(status, run.spec.getTargetVersion())) {
      status.setPhase(UpgradePhase.Succeeded);
      status.setFromVersion(observed);
      status.setTargetVersion(run.spec.getTargetVersion());
      endings.lock.release(run.ns, run.clusterName(), run.name);
      endings.events.normal(run.resource, ALREADY_AT_TARGET, v.message());
      return new PhaseResult(Outcome.ready(ALREADY_AT_TARGET, v.message()), null);
    }
    PhaseResult locked = lockGuard.hold(run);
    if (locked != null) {
      return locked;
    }
    if (status.getFromVersion() == null) {
      status.setFromVersion(observed);
    }
    status.setTargetVersion(run.spec.getTargetVersion());
    if (status.getAttempt() == null) {
      status.setAttempt(1);
    }
    status.setPlan(identity.newPlan(run));
    status.setSteps(new ArrayList<>());
    status.setPhase(UpgradePhase.Planning);
    String hop = v.multiHop() ? v.route().label(v.route().current()) + " of " : "";
    endings.events.normal(
        run.resource,
        PLANNING,
        "planning "
            + hop
            + "the upgrade of "
            + run.clusterName()
            + " from "
            + status.getFromVersion()
            + " to "
            + run.spec.getTargetVersion());
    return new PhaseResult(
        Outcome.reconciling(PLANNING, "planning " + run.target()), Duration.ofMillis(1));
  }

  /**
   * The upgrade moved the cluster from a lower version (a plan voided after its last stack updated,
   * or a later hop): the cluster at the target says nothing about the migrations still due, so it
   * plans again instead of ending as already at target.
   */
  private static boolean startedBelowTarget(StackUpgradeStatus status, String target) {
    return status.getFromVersion() != null && !status.getFromVersion().equals(target);
  }
}
