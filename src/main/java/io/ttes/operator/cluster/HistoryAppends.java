package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends history entries to a TTESCluster's {@code status.operations} in batches (group commit):
 * the first caller for a cluster writes its entry at once; callers arriving while that write is in
 * flight queue up, and the caller that wrote goes on to write all of them in one read-modify-write.
 * OpsTasks of one cluster finish together (one DescribeTasks sees a wave stop), so a wave costs two
 * cluster writes instead of one per task, and fewer 409 conflicts among them. Each caller returns
 * when its own entry is written (or the write failed), so it can mark its OpsTask after.
 * Thread-safe; clusters do not wait for each other.
 */
public final class HistoryAppends {
  private record Key(String namespace, String cluster) {}

  private record Pending(Operation entry, CompletableFuture<Boolean> written) {}

  private static final class Queue {
    final List<Pending> waiting = new ArrayList<>();
    boolean writing;
  }

  private final Map<Key, Queue> queues = new ConcurrentHashMap<>();
  private final int limit;

  /**
   * @param limit entries kept per cluster (at least 1)
   */
  public HistoryAppends(int limit) {
    this.limit = limit;
  }

  /**
   * Adds {@code entry} to the cluster's history (once: a run listed already is not added again) and
   * returns when it is written.
   *
   * @return false when the cluster does not exist
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API refused the write
   */
  public boolean append(
      KubernetesClient client, String namespace, String cluster, Operation entry) {
    Queue queue = queues.computeIfAbsent(new Key(namespace, cluster), k -> new Queue());
    Pending mine = new Pending(entry, new CompletableFuture<>());
    boolean lead;
    synchronized (queue) {
      queue.waiting.add(mine);
      lead = !queue.writing;
      queue.writing = true;
    }
    if (lead) {
      writeAll(queue, new ClusterStatusWrites(client), namespace, cluster);
    }
    try {
      return mine.written().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Entries of the cluster waiting for the write in flight (for tests). */
  int queued(String namespace, String cluster) {
    Queue queue = queues.get(new Key(namespace, cluster));
    if (queue == null) {
      return 0;
    }
    synchronized (queue) {
      return queue.waiting.size();
    }
  }

  /** Writes what is queued, batch after batch, until nobody waits; then hands the lead back. */
  private void writeAll(Queue queue, ClusterStatusWrites writes, String namespace, String cluster) {
    while (true) {
      List<Pending> batch;
      synchronized (queue) {
        if (queue.waiting.isEmpty()) {
          queue.writing = false;
          return;
        }
        batch = List.copyOf(queue.waiting);
        queue.waiting.clear();
      }
      try {
        boolean exists =
            writes.modify(
                namespace,
                cluster,
                status -> {
                  boolean changed = false;
                  for (Pending p : batch) {
                    changed |= OperationHistory.add(status, p.entry(), limit);
                  }
                  return changed;
                });
        batch.forEach(p -> p.written().complete(exists));
      } catch (RuntimeException | Error e) {
        batch.forEach(p -> p.written().completeExceptionally(e));
      }
    }
  }
}
