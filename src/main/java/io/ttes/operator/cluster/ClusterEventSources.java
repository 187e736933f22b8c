package io.ttes.operator.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The TTESCluster informer of a kind that references clusters by {@code spec.clusterRef}: the
 * reconciler reads its cluster from the cache (no GET per reconcile), and a cluster that changes
 * (becomes Ready, releases a guard) wakes the resources that reference it.
 */
public final class ClusterEventSources {
  /** Index of the primary cache: {@code <namespace>/<cluster name>} of the referenced cluster. */
  public static final String INDEX = "clusterRef";

  private ClusterEventSources() {}

  /**
   * @param spec the primary's spec (null when it has none)
   * @param clusterRef the spec's cluster reference (null when it names none)
   * @param interested which referencing primaries a cluster change should wake (e.g. unfinished)
   */
  public static <P extends HasMetadata, S> InformerEventSource<TTESCluster, P> referencedBy(
      EventSourceContext<P> context,
      Class<P> primaryType,
      String name,
      Function<P, S> spec,
      Function<S, ClusterRef> clusterRef,
      Predicate<P> interested) {
    Function<P, String> clusterName =
        p -> {
          S s = spec.apply(p);
          ClusterRef ref = s == null ? null : clusterRef.apply(s);
          return ref == null ? null : ref.getName();
        };
    String index = INDEX;
    context
        .getPrimaryCache()
        .addIndexer(
            index,
            p ->
                List.of(
                    p.getMetadata().getNamespace() + "/" + String.valueOf(clusterName.apply(p))));
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(TTESCluster.class, primaryType)
            .withName(name)
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(
                (TTESCluster c) ->
                    context
                        .getPrimaryCache()
                        .byIndex(
                            index, c.getMetadata().getNamespace() + "/" + c.getMetadata().getName())
                        .stream()
                        .filter(interested)
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (P p) ->
                    clusterName.apply(p) == null
                        ? Set.of()
                        : Set.of(
                            new ResourceID(clusterName.apply(p), p.getMetadata().getNamespace())))
            .build(),
        context);
  }
}
