package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
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
