package io.ttes.operator.bootstrap;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ClusterStep;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.cluster.ClusterStatusWrites;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The record of cluster-wide bootstrap steps on the TTESCluster status, and the guard that lets one
 * TenantBootstrap at a time run them. Every change is a read-modify-write of the latest cluster
 * with its resourceVersion (optimistic locking): two bootstraps racing for the guard cannot both
 * win, and a step is recorded once.
 */
public final class ClusterBootstrapLedger {
  private final ClusterStatusWrites writes;
  private final Clock clock;

  public ClusterBootstrapLedger(KubernetesClient client, Clock clock) {
    this.writes = new ClusterStatusWrites(client);
    this.clock = clock;
  }

  /** The step as recorded done on the cluster, if it is. */
  public static Optional<ClusterStep> done(TTESCluster cluster, String step) {
    if (cluster.getStatus() == null || cluster.getStatus().getBootstrapSteps() == null) {
      return Optional.empty();
    }
    return cluster.getStatus().getBootstrapSteps().stream()
        .filter(s -> step.equals(s.getName()) && "Succeeded".equals(s.getPhase()))
        .findFirst();
  }

  /** The cluster-wide steps recorded done on the cluster, by step name. */
  public static Map<String, ClusterStep> doneSteps(TTESCluster cluster) {
    Map<String, ClusterStep> done = new HashMap<>();
    if (cluster.getStatus() != null && cluster.getStatus().getBootstrapSteps() != null) {
      for (ClusterStep s : cluster.getStatus().getBootstrapSteps()) {
        if ("Succeeded".equals(s.getPhase())) {
          done.putIfAbsent(s.getName(), s);
        }
      }
    }
    return done;
  }

  /**
   * Takes the guard for {@code holder} unless a holder that is still alive has it. Returns the
   * holder after the attempt (equal to {@code holder} when taken).
   */
  public String acquire(
      String namespace, String cluster, String holder, Predicate<String> holderAlive) {
    String result =
        writes.acquire(
            namespace,
            cluster,
            holder,
            holderAlive,
            TTESClusterStatus::getBootstrapHolder,
            TTESClusterStatus::setBootstrapHolder);
    if (result == null) {
      throw new IllegalStateException("TTESCluster " + namespace + "/" + cluster + " is gone");
    }
    return result;
  }

  /** Records a cluster-wide step as done (once). */
  public void recordDone(
      String namespace, String cluster, String step, String opsTask, String by, String message) {
    modify(
        namespace,
        cluster,
        status -> {
          boolean known =
              status.getBootstrapSteps().stream()
                  .anyMatch(s -> step.equals(s.getName()) && "Succeeded".equals(s.getPhase()));
          if (known) {
            return null;
          }
          status.getBootstrapSteps().removeIf(s -> step.equals(s.getName()));
          ClusterStep s = new ClusterStep();
          s.setName(step);
          s.setPhase("Succeeded");
          s.setOpsTask(opsTask);
          s.setBootstrap(by);
          s.setFinishedAt(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
          s.setMessage(message);
          status.getBootstrapSteps().add(s);
          return status;
        });
  }

  /**
   * The guard of one cluster as {@code holder} takes and gives it back; a holder is alive while the
   * bootstrap it names is in the informer cache of {@code context}.
   */
  ClusterStepsGuard.Hold hold(
      Context<TenantBootstrap> context, String namespace, String cluster, String holder) {
    Predicate<String> holderAlive =
        h -> {
          String[] parts = h.split("/", 2);
          return parts.length == 2
              && context.getPrimaryCache().get(new ResourceID(parts[1], parts[0])).isPresent();
        };
    return new ClusterStepsGuard.Hold() {
      @Override
      public String acquire() {
        return ClusterBootstrapLedger.this.acquire(namespace, cluster, holder, holderAlive);
      }

      @Override
      public void release() {
        ClusterBootstrapLedger.this.release(namespace, cluster, holder);
      }
    };
  }

  /** Gives the guard back if {@code holder} has it. */
  public void release(String namespace, String cluster, String holder) {
    writes.release(
        namespace,
        cluster,
        holder,
        TTESClusterStatus::getBootstrapHolder,
        TTESClusterStatus::setBootstrapHolder);
  }

  /** Applies {@code change} (null: nothing to write) to the latest cluster status. */
  private void modify(String namespace, String cluster, UnaryOperator<TTESClusterStatus> change) {
    if (!writes.modify(namespace, cluster, status -> change.apply(status) != null)) {
      throw new IllegalStateException("TTESCluster " + namespace + "/" + cluster + " is gone");
    }
  }
}
