package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.cluster.ClusterTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deleting an upgrade only gives the cluster's lock back. Stacks, snapshots and executed or planned
 * change sets stay; a dry run's change sets, which nobody will execute, are removed.
 */
final class UpgradeCleanup {
  private static final Logger log = LoggerFactory.getLogger(StackUpgradeReconciler.class);

  private final AwsServicesFactory aws;
  private final UpgradeLock lock;

  UpgradeCleanup(AwsServicesFactory aws, UpgradeLock lock) {
    this.aws = aws;
    this.lock = lock;
  }

  /** {@code cluster} is the upgrade's cluster, null when it is gone. */
  void cleanup(StackUpgrade su, TTESCluster cluster) {
    String ns = su.getMetadata().getNamespace();
    String name = su.getMetadata().getName();
    String clusterName = su.getSpec().getClusterRef().getName();
    StackUpgradeStatus status = su.getStatus();
    if (cluster != null
        && su.getSpec().isDryRun()
        && status != null
        && status.getPlan() != null
        && status.getPhase() != UpgradePhase.Planned) {
      ChangeSets changeSets = aws.forTarget(ClusterTarget.of(cluster.getSpec())).changeSets();
      for (PlannedStack ps : status.getPlan().getStacks()) {
        if (ps.getChangeSetName() == null
            || Disposition.Skipped.name().equals(ps.getDisposition())) {
          continue;
        }
        try {
          changeSets.delete(ps.getName(), ps.getChangeSetName());
        } catch (AwsException e) {
          log.warn(
              "could not delete dry-run change set {}: {}", ps.getChangeSetName(), e.getMessage());
        }
      }
    }
    if (cluster != null) {
      lock.release(ns, clusterName, name);
    }
  }
}
