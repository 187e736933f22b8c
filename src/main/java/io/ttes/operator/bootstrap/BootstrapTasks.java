package io.ttes.operator.bootstrap;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapSpec;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.UpgradeWindow;
import io.ttes.operator.status.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpsTasks a bootstrap owns: as the informer cache shows them, their creation, and the event
 * sources that wake the bootstrap.
 */
final class BootstrapTasks {
  /** The label naming the bootstrap step an OpsTask runs. */
  static final String STEP_LABEL = "ops.ttes.io/bootstrap-step";

  private final OwnedOpsTasks opsTasks;

  BootstrapTasks(OwnedOpsTasks opsTasks) {
    this.opsTasks = opsTasks;
  }

  /**
   * What wakes a bootstrap up: an owned OpsTask that changes phase (no polling of Kubernetes), and
   * a referenced cluster that becomes Ready or whose bootstrap guard is released.
   */
  static List<EventSource<?, TenantBootstrap>> eventSources(
      EventSourceContext<TenantBootstrap> context) {
    var owned = OwnedOpsTasks.informer(context, TenantBootstrap.class, "bootstrap-opstasks");
    var clusters =
        ClusterEventSources.referencedBy(
            context,
            TenantBootstrap.class,
            "bootstrap-clusters",
            TenantBootstrap::getSpec,
            TenantBootstrapSpec::getClusterRef,
            tb -> tb.getStatus() == null || tb.getStatus().getPhase() != BootstrapPhase.Succeeded);
    return List.of(owned, clusters);
  }

  /** This bootstrap's OpsTasks from the informer cache: status by name (null: no status yet). */
  static Map<String, OpsTaskStatus> observed(Context<TenantBootstrap> context) {
    Map<String, OpsTaskStatus> tasks = new HashMap<>();
    context
        .getSecondaryResourcesAsStream(OpsTask.class)
        .forEach(t -> tasks.put(t.getMetadata().getName(), t.getStatus()));
    return tasks;
  }

  /** The step's OpsTask of that name, created owned by {@code tb} when it does not exist. */
  OpsTask create(TenantBootstrap tb, String cluster, BootstrapStep step, String taskName) {
    return opsTasks.ensure(
        tb,
        new OwnedOpsTasks.Request(
            tb.getMetadata().getNamespace(),
            taskName,
            cluster,
            step.command(),
            step.secretArgs(),
            null,
            Map.of(STEP_LABEL, step.name()),
            tb.getSpec().isAllowDuringUpgrade()));
  }

  /**
   * Passes {@code spec.allowDuringUpgrade} on to the owned tasks that have not started yet, so that
   * changing it on a waiting bootstrap lets its waiting tasks go (their new generation wakes them).
   */
  static void passAllowDuringUpgrade(TenantBootstrap tb, Context<TenantBootstrap> context) {
    boolean allow = tb.getSpec().isAllowDuringUpgrade();
    context
        .getSecondaryResourcesAsStream(OpsTask.class)
        .filter(t -> t.getSpec() != null && t.getSpec().isAllowDuringUpgrade() != allow)
        .filter(t -> t.getStatus() == null || t.getStatus().getLaunchToken() == null)
        .filter(
            t ->
                t.getStatus() == null
                    || t.getStatus().getPhase() == null
                    || !t.getStatus().getPhase().isFinished())
        .forEach(
            t ->
                context
                    .getClient()
                    .resources(OpsTask.class)
                    .inNamespace(t.getMetadata().getNamespace())
                    .withName(t.getMetadata().getName())
                    .edit(
                        fresh -> {
                          fresh.getSpec().setAllowDuringUpgrade(allow);
                          return fresh;
                        }));
  }

  /**
   * The outcome of a step that waits for its task: the task's {@code WaitingForUpgrade} (naming the
   * upgrade) when an upgrade holds it, else {@code waiting}.
   */
  static Outcome waiting(Outcome waiting, BootstrapStep step, OpsTaskStatus task) {
    if (task == null || !UpgradeWindow.WAITING_FOR_UPGRADE.equals(task.getReason())) {
      return waiting;
    }
    return Outcome.reconciling(
        UpgradeWindow.WAITING_FOR_UPGRADE, "step " + step.name() + " waits: " + task.getMessage());
  }
}
