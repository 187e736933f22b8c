package io.ttes.operator.opstask;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks;
import io.ttes.operator.aws.EcsTasks.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Shares one DescribeTasks per ECS cluster and poll among all running OpsTasks: the first caller
 * whose snapshot is older than {@code maxAge} describes every tracked task of that cluster (the
 * interface batches by 100) and the others read the result. A failed describe is shared the same
 * way, so throttling is not multiplied by the number of tasks. Callers of one cluster wait for each
 * other while a describe is in flight; other clusters are not held up. A task the describe saw
 * stopped is named once to the {@link #onStopped} listener, so its OpsTask is reconciled at once
 * and finishes at the poll that observed the end, not at its own next poll. Thread-safe.
 */
public final class BatchedTaskObserver {
  private final Clock clock;
  private final Map<Key, Group> groups = new ConcurrentHashMap<>();
  private volatile Consumer<String> stopped = arn -> {};

  public BatchedTaskObserver(Clock clock) {
    this.clock = clock;
  }

  private record Key(AwsTarget target, String cluster) {}

  private static final class Group {
    final Set<String> tracked = new LinkedHashSet<>();
    final Set<String> described = new LinkedHashSet<>();
    Map<String, TaskState> snapshot = new HashMap<>();

    /** Tasks seen stopped and named to the listener already. */
    final Set<String> announced = new LinkedHashSet<>();

    Instant takenAt;
    AwsException failure;
  }

  /**
   * Who to tell about a tracked task a describe saw stopped (its ARN), other than the one whose
   * observe made the describe. Called once per task, outside the observer's locks.
   */
  public void onStopped(Consumer<String> listener) {
    this.stopped = listener;
  }

  /** Adds a task to the next describe of its cluster without describing now. */
  public void track(AwsTarget target, String cluster, String taskArn) {
    Group group = groups.computeIfAbsent(new Key(target, cluster), k -> new Group());
    synchronized (group) {
      group.tracked.add(taskArn);
    }
  }

  /**
   * The task's state from a snapshot at most {@code maxAge} old, describing the cluster's tracked
   * tasks when there is none. Empty when ECS does not know the task (not yet visible right after
   * RunTask, or stopped long ago). Tracks the task until {@link #forget}.
   */
  public Optional<TaskState> observe(
      AwsTarget target, EcsTasks ecs, String cluster, String taskArn, Duration maxAge) {
    Group group = groups.computeIfAbsent(new Key(target, cluster), k -> new Group());
    List<String> ended = new ArrayList<>();
    try {
      synchronized (group) {
        return observeLocked(group, ecs, cluster, taskArn, maxAge, ended);
      }
    } finally {
      ended.forEach(stopped);
    }
  }

  private Optional<TaskState> observeLocked(
      Group group,
      EcsTasks ecs,
      String cluster,
      String taskArn,
      Duration maxAge,
      List<String> ended) {
    group.tracked.add(taskArn);
    Instant now = clock.instant();
    boolean fresh =
        group.takenAt != null && Duration.between(group.takenAt, now).compareTo(maxAge) < 0;
    if (fresh && group.failure != null) {
      throw group.failure;
    }
    if (fresh && group.described.contains(taskArn)) {
      return Optional.ofNullable(group.snapshot.get(taskArn));
    }
    if (fresh) {
      // Tracked after the snapshot was taken: describe only the newcomers, keep the window.
      List<String> missing = new ArrayList<>(group.tracked);
      missing.removeAll(group.described);
      Map<String, TaskState> states = ecs.describe(cluster, missing);
      group.snapshot.putAll(states);
      group.described.addAll(missing);
      announce(group, states, taskArn, ended);
      return Optional.ofNullable(group.snapshot.get(taskArn));
    }
    List<String> all = List.copyOf(group.tracked);
    try {
      Map<String, TaskState> states = ecs.describe(cluster, all);
      group.snapshot = new HashMap<>(states);
      group.described.clear();
      group.described.addAll(all);
      group.failure = null;
      announce(group, states, taskArn, ended);
    } catch (AwsException e) {
      group.failure = e;
      group.snapshot = new HashMap<>();
      group.described.clear();
      throw e;
    } finally {
      group.takenAt = now;
    }
    return Optional.ofNullable(group.snapshot.get(taskArn));
  }

  /** Collects the stopped tasks of {@code states} not named yet, except the caller's own. */
  private static void announce(
      Group group, Map<String, TaskState> states, String caller, List<String> ended) {
    for (TaskState state : states.values()) {
      if (state.stopped()
          && !state.taskArn().equals(caller)
          && group.tracked.contains(state.taskArn())
          && group.announced.add(state.taskArn())) {
        ended.add(state.taskArn());
      }
    }
  }

  /** Stops tracking a finished task. */
  public void forget(String taskArn) {
    groups
        .entrySet()
        .removeIf(
            entry -> {
              Group group = entry.getValue();
              synchronized (group) {
                group.tracked.remove(taskArn);
                group.described.remove(taskArn);
                group.snapshot.remove(taskArn);
                group.announced.remove(taskArn);
                return group.tracked.isEmpty();
              }
            });
  }

  /** Tasks tracked across all clusters. */
  public int tracked() {
    return groups.values().stream()
        .mapToInt(
            g -> {
              synchronized (g) {
                return g.tracked.size();
              }
            })
        .sum();
  }
}
