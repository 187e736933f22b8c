package io.ttes.operator.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The TTESCluster a resource names in spec.clusterRef, read the one way every reconciler reads it:
 * from the informer cache of its cluster event source ({@link ClusterEventSources}). No GET: a
 * cluster the cache has not seen yet wakes the resource up through that event source when it
 * arrives.
 *
 * <p>A resource applied together with its cluster (one {@code kubectl apply}, in any order) can be
 * reconciled before the cluster is in the cache. For {@link #GRACE} after the resource was created
 * a missing cluster is therefore not yet a problem: the resource is Reconciling {@code
 * WaitingForCluster} ({@link #waiting}), with no Warning event, and looks again soon. After that it
 * is Stalled {@code ClusterNotFound} naming {@code spec.clusterRef.name}.
 */
public final class ReferencedCluster {
  /**
   * How long after its creation a resource waits for a cluster the cache does not show: far longer
   * than an informer takes to deliver an object applied alongside, short enough that a misspelt
   * cluster name shows within seconds.
   */
  public static final Duration GRACE = Duration.ofSeconds(10);

  private ReferencedCluster() {}

  /** The cluster, or empty when the cache has none. */
  public static Optional<TTESCluster> cached(Context<? extends HasMetadata> context) {
    return context.getSecondaryResource(TTESCluster.class);
  }

  /**
   * The cluster; empty while the cache has none and {@code resource} is within {@link #GRACE} of
   * its creation (the caller waits: {@link #waiting}); after that a {@link SpecProblem}
   * ClusterNotFound naming spec.clusterRef.name.
   */
  public static Optional<TTESCluster> awaited(
      Context<? extends HasMetadata> context, HasMetadata resource, String name, Clock clock) {
    Optional<TTESCluster> cluster = cached(context);
    if (cluster.isPresent() || withinGrace(resource, clock.instant())) {
      return cluster;
    }
    throw notFound(resource.getMetadata().getNamespace(), name);
  }

  /** The outcome of a resource whose cluster is not visible yet (see {@link #awaited}). */
  public static Outcome waiting(String namespace, String name) {
    return Outcome.reconciling(
        Reasons.WAITING_FOR_CLUSTER,
        "waiting for TTESCluster " + name + " to appear in namespace " + namespace);
  }

  /**
   * Whether {@code now} is within {@link #GRACE} of the resource's creation. Either way round: the
   * creation time is the API server's clock, which may run a little ahead of this one. A resource
   * without a (readable) creation time is not.
   */
  public static boolean withinGrace(HasMetadata resource, Instant now) {
    String created = resource.getMetadata().getCreationTimestamp();
    if (created == null) {
      return false;
    }
    try {
      Duration age = Duration.between(Instant.parse(created), now);
      return age.abs().compareTo(GRACE) < 0;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static SpecProblem notFound(String namespace, String name) {
    return new SpecProblem(
        Reasons.CLUSTER_NOT_FOUND,
        "spec.clusterRef.name",
        "TTESCluster " + name + " does not exist in namespace " + namespace);
  }
}
