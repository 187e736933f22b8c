package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * When a running task is observed next. Each observation of an ECS task is a DescribeTasks (one per
 * ECS cluster and poll, batched); observing a 20 s migration every fast poll cost four of them, and
 * three found it still running. The cluster's history ({@code status.operations}) says how long the
 * same command line took: the next observation is planned at the start plus the shortest of its
 * last {@value #RUNS} successful runs, so a task that runs as long as before is seen at its end
 * with one describe. Tasks of one wave start within seconds of each other and share that describe
 * (the observer reuses a snapshot younger than one fast poll).
 *
 * <p>Never later than the slow poll nor the task's timeout; with no history, or once the expected
 * end is less than a fast poll away or past (a task running longer than before), every fast poll as
 * before. A task that stops early is seen when another task's describe finds it stopped (the
 * observer wakes it), else at its planned observation: at most the shortest earlier run later.
 */
final class ExpectedEnd {
  /** How many recent successful runs of the command count. */
  static final int RUNS = 5;

  private ExpectedEnd() {}

  /**
   * How long the command line ran when it succeeded lately on {@code cluster}: the shortest of its
   * last {@link #RUNS} successful runs (history is newest first); empty without any.
   */
  static Optional<Duration> of(TTESCluster cluster, String commandLine) {
    if (cluster == null || cluster.getStatus() == null || commandLine == null) {
      return Optional.empty();
    }
    List<Operation> history = cluster.getStatus().getOperations();
    if (history == null) {
      return Optional.empty();
    }
    return history.stream()
        .filter(o -> o.getPhase() == OpsTaskPhase.Succeeded)
        .filter(o -> Objects.equals(commandLine, o.getCommandLine()))
        .map(ExpectedEnd::duration)
        .flatMap(Optional::stream)
        .limit(RUNS)
        .min(Duration::compareTo);
  }

  /**
   * How long to wait before observing a task that started at {@code startedAt} and still runs.
   *
   * @param expected how long it is expected to run ({@link #of}); empty: {@code fastPoll}
   * @param timeout the task's timeout: never observed later than it
   */
  static Duration nextObservation(
      Instant now,
      Instant startedAt,
      Optional<Duration> expected,
      Duration fastPoll,
      Duration slowPoll,
      Duration timeout) {
    if (expected.isEmpty()) {
      return fastPoll;
    }
    Duration untilEnd = Duration.between(now, startedAt.plus(expected.get()));
    if (untilEnd.compareTo(fastPoll) <= 0) {
      return fastPoll;
    }
    Duration wait = untilEnd.compareTo(slowPoll) < 0 ? untilEnd : slowPoll;
    if (timeout != null) {
      Duration untilTimeout = Duration.between(now, startedAt.plus(timeout));
      if (untilTimeout.compareTo(wait) < 0) {
        wait = untilTimeout.compareTo(fastPoll) > 0 ? untilTimeout : fastPoll;
      }
    }
    return wait;
  }

  private static Optional<Duration> duration(Operation o) {
    try {
      if (o.getStartedAt() == null || o.getFinishedAt() == null) {
        return Optional.empty();
      }
      Duration d =
          Duration.between(Instant.parse(o.getStartedAt()), Instant.parse(o.getFinishedAt()));
      return d.isNegative() ? Optional.empty() : Optional.of(d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
