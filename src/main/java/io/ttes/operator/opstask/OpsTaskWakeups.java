package io.ttes.operator.opstask;

import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.cluster.ClusterEventSources;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event source that moves OpsTasks on without a timer: when a slot of a cluster is given back
 * ({@link TaskSlots#onFreed}) the waiters next in line are reconciled at once, and when the batched
 * DescribeTasks of a cluster sees a task stopped ({@link BatchedTaskObserver#onStopped}) the
 * OpsTask that follows it is reconciled at once instead of at its own next poll. Waiting tasks keep
 * a slow safety poll ({@link OpsTaskFlow#waitPoll}) for a wake-up lost to a restart. OpsTasks are
 * found in the controller's own cache (the cluster index), so this source watches nothing and costs
 * no request.
 */
final class OpsTaskWakeups extends AbstractEventSource<Void, OpsTask> {
  private static final Logger log = LoggerFactory.getLogger(OpsTaskWakeups.class);
  static final String NAME = "opstask-wakeups";

  private volatile IndexedResourceCache<OpsTask> cache;

  OpsTaskWakeups() {
    super(Void.class, NAME);
  }

  /** Connects the source to the OpsTask cache and to the slots and observer it listens to. */
  OpsTaskWakeups listenTo(
      IndexedResourceCache<OpsTask> cache, TaskSlots slots, BatchedTaskObserver observer) {
    this.cache = cache;
    slots.onFreed(this::slotFreed);
    observer.onStopped(this::taskStopped);
    return this;
  }

  /** Reconciles the waiters {@code uids} of {@code clusterKey} now: a slot is free for them. */
  void slotFreed(String clusterKey, List<String> uids) {
    IndexedResourceCache<OpsTask> c = cache;
    if (c == null) {
      return;
    }
    Set<String> next = new HashSet<>(uids);
    c.byIndex(ClusterEventSources.INDEX, clusterKey).stream()
        .filter(t -> next.contains(t.getMetadata().getUid()))
        .forEach(t -> wake(t, "a slot is free"));
  }

  /** Reconciles the unfinished OpsTask that follows the ECS task {@code taskArn} now. */
  void taskStopped(String taskArn) {
    IndexedResourceCache<OpsTask> c = cache;
    if (c == null) {
      return;
    }
    c.list(t -> follows(t, taskArn)).forEach(t -> wake(t, "its ECS task stopped"));
  }

  private static boolean follows(OpsTask task, String taskArn) {
    OpsTaskStatus s = task.getStatus();
    return s != null
        && taskArn.equals(s.getTaskArn())
        && (s.getPhase() == null || !s.getPhase().isFinished());
  }

  @Override
  public Set<Void> getSecondaryResources(OpsTask primary) {
    return Set.of(); // wakes only; holds no secondary resource
  }

  private void wake(OpsTask task, String why) {
    EventHandler handler = getEventHandler();
    if (handler == null || !isRunning()) {
      return;
    }
    log.debug("waking OpsTask {}: {}", task.getMetadata().getName(), why);
    handler.handleEvent(new Event(ResourceID.fromResource(task)));
  }
}
