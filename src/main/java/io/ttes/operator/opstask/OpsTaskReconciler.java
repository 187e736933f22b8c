package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.status.Announcer;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.ReconcileTail;
import io.ttes.operator.status.StatusUpdates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes side of OpsTask: reads the cluster and Secrets, hands the OpsTask to {@link
 * OpsTaskFlow}, and persists what it decided (status first, then events and metrics).
 */
// Not generation-aware: the ops.ttes.io/retry annotation changes no generation.
@ControllerConfiguration(
    name = OpsTaskReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = OpsTaskUpdates.class))
public class OpsTaskReconciler implements Reconciler<OpsTask>, Cleaner<OpsTask> {
  private static final Logger log = LoggerFactory.getLogger(OpsTaskReconciler.class);
  public static final String NAME = "opstask";

  private final OpsTaskFlow flow;
  private final TaskSlots slots;
  private final AwsServicesFactory aws;
  private final ReconcileTail<OpsTaskStatus, OpsTask> tail;
  private final MeterRegistry metrics;
  private final Timer.Builder duration;
  private final HistoryRecorder history;
  private final UpgradeWindowSource upgrades = new UpgradeWindowSource();

  /** Cluster keys whose running tasks were counted into the slots after this start. */
  private final Set<String> seeded = ConcurrentHashMap.newKeySet();

  public OpsTaskReconciler(
      OpsTaskFlow flow,
      TaskSlots slots,
      AwsServicesFactory aws,
      EventRecorder events,
      MeterRegistry metrics,
      HistoryRecorder history) {
    this.flow = flow;
    this.history = history;
    this.slots = slots;
    this.aws = aws;
    this.tail =
        new ReconcileTail<>(
            flow.conditions(),
            Announcer.of(events, OpsTaskReconciler.class, "task"),
            StatusUpdates::patch);
    this.metrics = metrics;
    this.duration =
        Timer.builder("ttes.opstask.duration")
            .description("Time from start to end of ops tasks")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofSeconds(1))
            .maximumExpectedValue(Duration.ofHours(2));
  }

  @Override
  public List<EventSource<?, OpsTask>> prepareEventSources(EventSourceContext<OpsTask> context) {
    // Tasks waiting for their cluster to become Ready wake up when it does.
    var clusters =
        ClusterEventSources.referencedBy(
            context,
            OpsTask.class,
            "opstask-clusters",
            OpsTask::getSpec,
            OpsTaskSpec::getClusterRef,
            t ->
                t.getStatus() == null
                    || t.getStatus().getPhase() == null
                    || !t.getStatus().getPhase().isFinished());
    return List.of(clusters, upgrades.eventSource(context));
  }

  @Override
  public UpdateControl<OpsTask> reconcile(OpsTask task, Context<OpsTask> context) {
    if (OpsTaskFlow.settled(task)) { // finished tasks are final: no AWS call
      Optional<Duration> unrecorded = history.record(task, context);
      if (unrecorded.isPresent()) { // the cluster's history first, the TTL after
        return UpdateControl.<OpsTask>noUpdate().rescheduleAfter(unrecorded.get());
      }
      Optional<Duration> ttl = flow.ttlLeft(task);
      if (ttl.isPresent() && ttl.get().isZero()) {
        log.info(
            "deleting OpsTask {}: spec.ttlSecondsAfterFinished passed",
            task.getMetadata().getName());
        context.getClient().resource(task).delete();
        return UpdateControl.noUpdate();
      }
      return ttl.map(d -> UpdateControl.<OpsTask>noUpdate().rescheduleAfter(d))
          .orElseGet(UpdateControl::noUpdate);
    }
    seedSlots(task, context);
    TTESCluster cluster = ReferencedCluster.cached(context).orElse(null);
    String namespace = task.getMetadata().getNamespace();
    OpsTaskFlow.Step step =
        flow.reconcile(
            task,
            StatusUpdates.copyStatus(task, context),
            cluster,
            SecretReader.fromSecrets(
                name -> {
                  Secret s =
                      context.getClient().secrets().inNamespace(namespace).withName(name).get();
                  return s;
                }),
            aws,
            upgrades.holding(task));
    OpsTaskPhase before = task.getStatus() == null ? null : task.getStatus().getPhase();
    UpdateControl<OpsTask> next =
        tail.write(
            task,
            context,
            step.status(),
            history.after(step.status(), step.rescheduleAfter().orElse(null)));
    publish(task, step);
    recordFinish(task, before, step.status());
    return next;
  }

  @Override
  public ErrorStatusUpdateControl<OpsTask> updateErrorStatus(
      OpsTask task, Context<OpsTask> context, Exception e) {
    return tail.onError(task, context, e);
  }

  @Override
  public DeleteControl cleanup(OpsTask task, Context<OpsTask> context) {
    TTESCluster cluster = ReferencedCluster.cached(context).orElse(null);
    OpsTaskFlow.Step step = flow.cleanup(task, cluster, aws);
    publish(task, step);
    // A run that finished just before the delete is still recorded (an owner's delete included).
    Optional<Duration> again = step.rescheduleAfter().or(() -> history.record(task, context));
    if (again.isPresent()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(again.get());
    }
    return DeleteControl.defaultDelete();
  }

  /**
   * After a restart the in-memory slots know nothing; count the tasks the cache says are running
   * (or being launched) once per cluster before any task of that cluster may take a slot.
   */
  private void seedSlots(OpsTask task, Context<OpsTask> context) {
    String key = OpsTaskFlow.clusterKey(task);
    if (seeded.contains(key)) {
      return;
    }
    synchronized (seeded) {
      if (seeded.contains(key)) {
        return;
      }
      context
          .getPrimaryCache()
          .byIndex(ClusterEventSources.INDEX, key)
          .forEach(
              t -> {
                OpsTaskStatus s = t.getStatus();
                boolean active =
                    s != null
                        && (s.getPhase() == OpsTaskPhase.Running
                            || (s.getLaunchToken() != null
                                && (s.getPhase() == null || !s.getPhase().isFinished())));
                if (active) {
                  slots.markRunning(key, t.getMetadata().getUid());
                }
              });
      seeded.add(key);
    }
  }

  private void publish(OpsTask task, OpsTaskFlow.Step step) {
    for (OpsTaskFlow.Event e : step.events()) {
      if (e.type() == OpsTaskFlow.EventType.Warning) {
        tail.announcer().warning(task, e.reason(), e.message());
      } else {
        tail.announcer().normal(task, e.reason(), e.message());
      }
    }
  }

  private void recordFinish(OpsTask task, OpsTaskPhase before, OpsTaskStatus after) {
    if (after.getPhase() == null
        || !after.getPhase().isFinished()
        || (before != null && before.isFinished())) {
      return;
    }
    Counter.builder("ttes.opstasks")
        .description("Ops tasks that finished, by result")
        .tag("result", after.getPhase().name())
        .register(metrics)
        .increment();
    if (after.getStartedAt() != null && after.getFinishedAt() != null) {
      duration
          .tag("result", after.getPhase().name())
          .register(metrics)
          .record(
              Duration.between(
                  Instant.parse(after.getStartedAt()), Instant.parse(after.getFinishedAt())));
    }
  }
}
