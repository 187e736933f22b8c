package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Read-modify-write of fields that other kinds own on the TTESCluster status (the upgrade lock, the
 * bootstrap record and guard). The latest cluster is read and written back with its resourceVersion
 * (optimistic locking), so two writers racing for the same field cannot both win; on a conflict the
 * change is applied again to the newer cluster.
 */
public final class ClusterStatusWrites {
  private static final int ATTEMPTS = 8;

  private final KubernetesClient client;

  public ClusterStatusWrites(KubernetesClient client) {
    this.client = client;
  }

  /**
   * A guard held in one status field (the upgrade lock, the bootstrap holder): takes it for {@code
   * holder} unless a holder that is still alive has it.
   *
   * @return the holder after the attempt ({@code holder} when taken or held already), or null when
   *     the cluster does not exist
   */
  public String acquire(
      String namespace,
      String cluster,
      String holder,
      Predicate<String> holderAlive,
      Function<TTESClusterStatus, String> field,
      BiConsumer<TTESClusterStatus, String> setField) {
    String[] result = new String[1];
    modify(
        namespace,
        cluster,
        status -> {
          String current = field.apply(status);
          if (current != null && !current.equals(holder) && holderAlive.test(current)) {
            result[0] = current;
            return false;
          }
          result[0] = holder;
          if (holder.equals(current)) {
            return false;
          }
          setField.accept(status, holder);
          return true;
        });
    return result[0];
  }

  /**
   * Clears {@code status.ops.taskDefinition} when it still names {@code revision}, which RunTask
   * said is inactive or gone: the cluster's next reconcile (which this status change starts)
   * resolves the latest ACTIVE revision again instead of waiting for the ops stack to change.
   *
   * @return true when it was cleared (false: the cluster is gone or resolved another one already)
   */
  public boolean forgetTaskDefinition(String namespace, String cluster, String revision) {
    boolean[] cleared = new boolean[1];
    modify(
        namespace,
        cluster,
        status -> {
          if (status.getOps() == null
              || revision == null
              || !revision.equals(status.getOps().getTaskDefinition())) {
            return false;
          }
          status.getOps().setTaskDefinition(null);
          cleared[0] = true;
          return true;
        });
    return cleared[0];
  }

  /** Gives the guard in {@code field} back if {@code holder} has it. */
  public void release(
      String namespace,
      String cluster,
      String holder,
      Function<TTESClusterStatus, String> field,
      BiConsumer<TTESClusterStatus, String> setField) {
    modify(
        namespace,
        cluster,
        status -> {
          if (!holder.equals(field.apply(status))) {
            return false;
          }
          setField.accept(status, null);
          return true;
        });
  }

  /**
   * Applies {@code change} to the latest status; it returns false when there is nothing to write.
   *
   * @return false when the cluster does not exist
   */
  public boolean modify(String namespace, String cluster, Predicate<TTESClusterStatus> change) {
    var resource = client.resources(TTESCluster.class).inNamespace(namespace).withName(cluster);
    for (int attempt = 1; ; attempt++) {
      TTESCluster latest = resource.get();
      if (latest == null) {
        return false;
      }
      TTESClusterStatus status =
          latest.getStatus() == null ? new TTESClusterStatus() : latest.getStatus();
      if (!change.test(status)) {
        return true;
      }
      latest.setStatus(status);
      try {
        client.resource(latest).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
