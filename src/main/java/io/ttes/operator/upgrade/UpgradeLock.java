package io.ttes.operator.upgrade;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.cluster.ClusterStatusWrites;
import io.ttes.operator.cluster.DriftBaseline;
import java.util.function.Predicate;

/**
 * The per-cluster upgrade lock, {@code status.activeUpgrade} of the TTESCluster: at most one
 * StackUpgrade changes a deployment at a time. Every change is a read-modify-write of the latest
 * cluster with its resourceVersion (optimistic locking, as the bootstrap ledger does), so two
 * upgrades racing for the lock cannot both win.
 */
public final class UpgradeLock {
  private final ClusterStatusWrites writes;
  private final DriftBaseline baseline;

  public UpgradeLock(KubernetesClient client) {
    this.writes = new ClusterStatusWrites(client);
    this.baseline = new DriftBaseline(client);
  }

  /** What the holder records on the cluster about the stacks it applied (the drift baseline). */
  public DriftBaseline baseline() {
    return baseline;
  }

  /**
   * Takes the lock for {@code holder} (a StackUpgrade name in the cluster's namespace) unless a
   * holder that is still alive has it. Returns the holder after the attempt: {@code holder} when
   * taken or held already.
   */
  public String acquire(
      String namespace, String cluster, String holder, Predicate<String> holderAlive) {
    return writes.acquire(
        namespace,
        cluster,
        holder,
        holderAlive,
        TTESClusterStatus::getActiveUpgrade,
        TTESClusterStatus::setActiveUpgrade);
  }

  /** Gives the lock back if {@code holder} has it; a cluster that is gone has no lock to give. */
  public void release(String namespace, String cluster, String holder) {
    writes.release(
        namespace,
        cluster,
        holder,
        TTESClusterStatus::getActiveUpgrade,
        TTESClusterStatus::setActiveUpgrade);
  }
}
