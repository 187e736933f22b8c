package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.Outcome;

/** Takes or confirms the cluster's upgrade lock before a phase that works on the stacks. */
final class LockGuard {
  private final UpgradeLock lock;
  private final OperatorConfig config;

  LockGuard(UpgradeLock lock, OperatorConfig config) {
    this.lock = lock;
    this.config = config;
  }

  /** Null when this upgrade holds the lock; the waiting result when another upgrade holds it. */
  PhaseResult hold(UpgradeRun run) {
    if (holding(run)) {
      return null;
    }
    String holder =
        lock.acquire(run.ns, run.clusterName(), run.name, other -> upgradeAlive(run, other));
    if (run.name.equals(holder)) {
      return null;
    }
    if (run.status.getPhase() == null) {
      run.status.setPhase(UpgradePhase.Pending);
    }
    return new PhaseResult(
        Outcome.reconciling(
            UpgradeReasons.WAITING_FOR_LOCK,
            "StackUpgrade "
                + holder
                + " is upgrading cluster "
                + run.clusterName()
                + "; this upgrade starts after it finishes"),
        config.fastPoll());
  }

  /** Whether the cluster as read says this upgrade holds its lock. */
  static boolean holding(UpgradeRun run) {
    return run.cluster.getStatus() != null
        && run.name.equals(run.cluster.getStatus().getActiveUpgrade());
  }

  /** A lock holder that was deleted, or finished without releasing it, no longer holds it. */
  private static boolean upgradeAlive(UpgradeRun run, String holder) {
    StackUpgrade other =
        run.context
            .getClient()
            .resources(StackUpgrade.class)
            .inNamespace(run.ns)
            .withName(holder)
            .get();
    return other != null
        && other.getMetadata().getDeletionTimestamp() == null
        && (other.getStatus() == null
            || other.getStatus().getPhase() == null
            || !other.getStatus().getPhase().isFinished());
  }
}
