package io.ttes.operator.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.Optional;

/**
 * The TTESCluster a resource names in spec.clusterRef, read the one way every reconciler reads it:
 * from the informer cache of its cluster event source ({@link ClusterEventSources}). No GET: a
 * cluster the cache has not seen yet wakes the resource up through that event source when it
 * arrives.
 */
public final class ReferencedCluster {
  private ReferencedCluster() {}

  /** The cluster, or empty when the cache has none. */
  public static Optional<TTESCluster> cached(Context<? extends HasMetadata> context) {
    return context.getSecondaryResource(TTESCluster.class);
  }

  /** The cluster, or a {@link SpecProblem} ClusterNotFound naming spec.clusterRef.name. */
  public static TTESCluster require(
      Context<? extends HasMetadata> context, String namespace, String name) {
    return cached(context)
        .orElseThrow(
            () ->
                new SpecProblem(
                    Reasons.CLUSTER_NOT_FOUND,
                    "spec.clusterRef.name",
                    "TTESCluster " + name + " does not exist in namespace " + namespace));
  }
}
