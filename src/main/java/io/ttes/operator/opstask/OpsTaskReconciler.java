package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
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
import io.ttes.operator.cluster.ClusterStatusWrites;
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
 *
 * <p>Only an unfinished OpsTask with {@code spec.stopOnDelete} carries the finalizer {@value
 * #FINALIZER}: its delete has AWS work to do (stop the task) that must happen before the object
 * goes. Any other delete only gives back the slot and forgets the task, which the reconcile of the
 * delete event does ({@code triggerReconcilerOnAllEvents}: JOSDK then adds no finalizer of its own
 * and calls {@link #reconcile} for deletes too). OpsTasks that carry the finalizer from an earlier
 * version lose it at their next reconcile when they do not need it.
 */
// Not generation-aware: the ops.ttes.io/retry annotation changes no generation.
@ControllerConfiguration(
    name = OpsTaskReconciler.NAME,
    generationAwareEventProcessing = false,
    triggerReconcilerOnAllEvents = true,
    informer = @Informer(onUpdateFilter = OpsTaskUpdates.class))
public class OpsTaskReconciler implements Reconciler<OpsTask> {
  private static final Logger log = LoggerFactory.getLogger(OpsTaskReconciler.class);
  public static final String NAME = "opstask";

  /** The finalizer JOSDK put on every OpsTask before; kept for those that need one. */
  public static final String FINALIZER = "opstasks.ops.ttes.io/finalizer";

  private final OpsTaskFlow flow;
  private final TaskSlots slots;
  private final AwsServicesFactory aws;
  private final ReconcileTail<OpsTaskStatus, OpsTask> tail;
  private final MeterRegistry metrics;
  private final Timer.Builder duration;
  private final HistoryRecorder history;
  private final UpgradeWindowSource upgrades = new UpgradeWindowSource();
  private final OpsTaskWakeups wakeups = new OpsTaskWakeups();

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
    var held = upgrades.eventSource(context); // the cluster index is registered by now
    wakeups.listenTo(context.getPrimaryCache(), slots, flow.observer());
    return List.of(clusters, held, wakeups);
  }

  @Override
  public UpdateControl<OpsTask> reconcile(OpsTask stored, Context<OpsTask> context) {
    if (context.isPrimaryResourceDeleted()) {
      gone(stored, context);
      return UpdateControl.noUpdate();
    }
    if (stored.isMarkedForDeletion()) {
      return deleting(stored, context);
    }
    OpsTask task = finalizerAsNeeded(stored, context);
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
    revisionGone(task, cluster, step.status(), context);
    history.beforeFinish(task, step.status(), context);
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

  /**
   * RunTask said the revision the TTESCluster resolved is inactive or gone (deregistered by hand):
   * the cluster is asked to resolve the latest ACTIVE revision again (its status.ops.taskDefinition
   * is cleared when it still names that revision), and its status change wakes this task, which
   * then launches on the new one. Done once, when the task first stalls for it.
   */
  private void revisionGone(
      OpsTask task, TTESCluster cluster, OpsTaskStatus next, Context<OpsTask> context) {
    String reason = OpsTaskFlow.TASK_DEFINITION_INACTIVE;
    String was = task.getStatus() == null ? null : task.getStatus().getReason();
    if (!reason.equals(next.getReason())
        || reason.equals(was)
        || cluster == null
        || cluster.getStatus() == null
        || cluster.getStatus().getOps() == null) {
      return;
    }
    String revision = cluster.getStatus().getOps().getTaskDefinition();
    try {
      if (new ClusterStatusWrites(context.getClient())
          .forgetTaskDefinition(
              cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), revision)) {
        log.info(
            "OpsTask {}: ECS says {} is inactive or gone; TTESCluster {} resolves the ops task"
                + " definition again",
            task.getMetadata().getName(),
            revision,
            cluster.getMetadata().getName());
      }
    } catch (RuntimeException e) {
      // The stall stays, and the cluster still resolves again when its ops stack changes.
      log.info(
          "OpsTask {}: could not ask TTESCluster {} to resolve the ops task definition again: {}",
          task.getMetadata().getName(),
          cluster.getMetadata().getName(),
          e.getMessage());
    }
  }

  /**
   * Whether the OpsTask needs the finalizer: only while it may still run and its delete is to stop
   * it ({@code spec.stopOnDelete}).
   */
  static boolean needsFinalizer(OpsTask task) {
    OpsTaskStatus s = task.getStatus();
    boolean unfinished = s == null || s.getPhase() == null || !s.getPhase().isFinished();
    return unfinished && task.getSpec() != null && task.getSpec().isStopOnDelete();
  }

  /**
   * Adds the finalizer before anything is launched when the task needs it, and removes it when it
   * does not (finished, stopOnDelete turned off, or put there by an earlier version on every
   * OpsTask). Returns the OpsTask as now stored.
   */
  private OpsTask finalizerAsNeeded(OpsTask task, Context<OpsTask> context) {
    boolean has = task.hasFinalizer(FINALIZER);
    boolean needs = needsFinalizer(task);
    if (needs && !has) {
      return PrimaryUpdateAndCacheUtils.addFinalizer(context, FINALIZER);
    }
    if (!needs && has) {
      return PrimaryUpdateAndCacheUtils.removeFinalizer(context, FINALIZER);
    }
    return task;
  }

  /**
   * The OpsTask is being deleted and something (our finalizer, or another party's) holds it: stop
   * its task when {@code spec.stopOnDelete} asks, record a run that finished just before, then let
   * it go.
   */
  private UpdateControl<OpsTask> deleting(OpsTask task, Context<OpsTask> context) {
    TTESCluster cluster = ReferencedCluster.cached(context).orElse(null);
    OpsTaskFlow.Step step = flow.cleanup(task, cluster, aws);
    publish(task, step);
    // A run that finished just before the delete is still recorded (an owner's delete included).
    Optional<Duration> again = step.rescheduleAfter().or(() -> history.record(task, context));
    if (again.isPresent()) {
      return UpdateControl.<OpsTask>noUpdate().rescheduleAfter(again.get());
    }
    if (task.hasFinalizer(FINALIZER)) {
      PrimaryUpdateAndCacheUtils.removeFinalizer(context, FINALIZER);
    }
    return UpdateControl.noUpdate();
  }

  /**
   * The OpsTask is gone (deleted without a finalizer, or after {@link #deleting}): give back its
   * slot, forget its task, and add a finished run nobody recorded to the cluster's history. No AWS
   * call: a task to stop on delete was stopped while the finalizer held the object (a finalizer
   * removed by hand skips that, as the chart README says).
   */
  private void gone(OpsTask task, Context<OpsTask> context) {
    slots.release(OpsTaskFlow.uidOf(task));
    if (task.getStatus() != null && task.getStatus().getTaskArn() != null) {
      flow.observer().forget(task.getStatus().getTaskArn());
    }
    history.recordGone(task, context);
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
