package io.ttes.operator.opstask;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.cluster.ClusterEventSources;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The StackUpgrade informer of the OpsTask reconciler: a task about to start reads the upgrades of
 * its cluster from this cache ({@link UpgradeWindow}, no GET per reconcile), and an upgrade that
 * changes wakes the tasks of its cluster that wait for it ({@code WaitingForUpgrade}), so they
 * start as soon as its last migration is done instead of after a poll.
 */
final class UpgradeWindowSource {
  private volatile InformerEventSource<StackUpgrade, OpsTask> informer;

  /** The event source; registers the cluster index of the OpsTask cache first (shared). */
  InformerEventSource<StackUpgrade, OpsTask> eventSource(EventSourceContext<OpsTask> context) {
    informer =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(StackUpgrade.class, OpsTask.class)
                .withName("opstask-upgrades")
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(
                    (StackUpgrade u) ->
                        u.getSpec() == null || u.getSpec().getClusterRef() == null
                            ? Set.of()
                            : context
                                .getPrimaryCache()
                                .byIndex(
                                    ClusterEventSources.INDEX,
                                    u.getMetadata().getNamespace()
                                        + "/"
                                        + u.getSpec().getClusterRef().getName())
                                .stream()
                                .filter(UpgradeWindowSource::waiting)
                                .map(ResourceID::fromResource)
                                .collect(Collectors.toSet()))
                .build(),
            context);
    return informer;
  }

  /**
   * The upgrade that holds {@code task}, if any; empty for a task that has a launch token already
   * (it started before the window opened).
   */
  Optional<UpgradeWindow.Hold> holding(OpsTask task) {
    OpsTaskStatus status = task.getStatus();
    if ((status != null && status.getLaunchToken() != null) || informer == null) {
      return Optional.empty();
    }
    String ns = task.getMetadata().getNamespace();
    List<StackUpgrade> upgrades = informer.list(ns, u -> true).toList();
    return UpgradeWindow.hold(
        task, task.getSpec().isAllowDuringUpgrade(), OpsTaskFlow.clusterName(task), upgrades);
  }

  /**
   * The tasks an upgrade's change may concern: those that have not started (no launch token). Not
   * only those whose status says WaitingForUpgrade already: a hold just written may not be in the
   * cache yet when the upgrade leaves its window, and that task would then wait for a slow poll.
   */
  private static boolean waiting(OpsTask task) {
    OpsTaskStatus status = task.getStatus();
    return status == null
        || (status.getLaunchToken() == null
            && (status.getPhase() == null || !status.getPhase().isFinished()));
  }
}
