package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import io.ttes.operator.cluster.HistoryAppends;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.StatusUpdates;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds each finished run of an OpsTask to its TTESCluster's {@code status.operations}, so the
 * record outlives the OpsTask and its owner. The entry is appended first (read-modify-write with
 * the cluster's resourceVersion, so OpsTasks finishing together cannot drop each other's entries;
 * batched per cluster by {@link HistoryAppends}); {@code status.recordedInHistory} on the OpsTask
 * is written after it. Normally both happen in the reconcile that sees the run end: {@link
 * #beforeFinish} appends, and the status write that finishes the run carries the marker, so the
 * history costs the OpsTask no write of its own. When the append fails there, the run is written
 * finished without the marker and {@link #record} appends and marks it at a later reconcile. A
 * crash in between leaves the marker unset: the reconcile after the restart appends again, and the
 * append skips a run the history lists already.
 */
public final class HistoryRecorder {
  private static final Logger log = LoggerFactory.getLogger(HistoryRecorder.class);
  private static final Set<String> OWNER_KINDS = Set.of("StackUpgrade", "TenantBootstrap");

  private final int limit;
  private final Duration retry;
  private final HistoryAppends appends;

  /**
   * @param limit entries kept per cluster; 0: no history
   * @param retry when to try again after the cluster could not be written
   */
  public HistoryRecorder(int limit, Duration retry) {
    this.limit = limit;
    this.retry = retry;
    this.appends = new HistoryAppends(Math.max(1, limit));
  }

  public static HistoryRecorder from(OperatorConfig config) {
    return new HistoryRecorder(config.historyLimit(), config.fastPoll());
  }

  /** True when {@code status} is a finished run the history does not have yet. */
  public boolean due(OpsTaskStatus status) {
    return limit > 0
        && status != null
        && status.getPhase() != null
        && status.getPhase().isFinished()
        && !Objects.equals(status.getRecordedInHistory(), attempt(status));
  }

  /**
   * When to reconcile after a status write: at once when the status just written finished a run
   * that is still to be recorded, else {@code reschedule}.
   */
  public Duration after(OpsTaskStatus written, Duration reschedule) {
    return due(written) ? Duration.ZERO : reschedule;
  }

  /**
   * Appends the run that {@code next} (the status about to be written) finishes, before that write,
   * and marks {@code next} as recorded, so the write that finishes the run is also the marker's.
   * When the cluster cannot be written now, {@code next} stays unmarked and the reconcile after the
   * write records it ({@link #after} asks for it at once, {@link #record} retries).
   */
  public void beforeFinish(OpsTask task, OpsTaskStatus next, Context<OpsTask> context) {
    if (!due(next)) {
      return;
    }
    Operation entry = entry(task, next);
    try {
      append(task, entry, context);
      next.setRecordedInHistory(entry.getAttempt());
    } catch (KubernetesClientException e) {
      log.info(
          "OpsTask {}: history of TTESCluster {} not written with the finish (HTTP {}); trying"
              + " again after it",
          task.getMetadata().getName(),
          OpsTaskFlow.clusterName(task),
          e.getCode());
    }
  }

  /**
   * Records the finished run of {@code task} (as stored) when it is due, then marks the OpsTask. A
   * cluster that is gone drops the entry.
   *
   * @return empty when done or nothing was due; else when to try again (the Kubernetes API refused
   *     the write)
   */
  public Optional<Duration> record(OpsTask task, Context<OpsTask> context) {
    return record(task, context, true);
  }

  /**
   * Records the finished run of an OpsTask that is already deleted (it had no finalizer to wait
   * for) when it is due; there is no OpsTask left to mark, and a failure is only logged.
   */
  public void recordGone(OpsTask task, Context<OpsTask> context) {
    try {
      record(task, context, false);
    } catch (RuntimeException e) {
      log.info(
          "OpsTask {} was deleted before its run was added to the history: {}",
          task.getMetadata().getName(),
          e.getMessage());
    }
  }

  private Optional<Duration> record(OpsTask task, Context<OpsTask> context, boolean mark) {
    OpsTaskStatus status = task.getStatus();
    if (!due(status)) {
      return Optional.empty();
    }
    String cluster = OpsTaskFlow.clusterName(task);
    Operation entry = entry(task, status);
    try {
      append(task, entry, context);
      if (mark) {
        StatusUpdates.edit(task, context, s -> s.setRecordedInHistory(entry.getAttempt()));
      }
      return Optional.empty();
    } catch (KubernetesClientException e) {
      log.info(
          "OpsTask {}: history of TTESCluster {} not written yet (HTTP {}), trying again in {}",
          task.getMetadata().getName(),
          cluster,
          e.getCode(),
          retry);
      return Optional.of(retry);
    }
  }

  private void append(OpsTask task, Operation entry, Context<OpsTask> context) {
    String namespace = task.getMetadata().getNamespace();
    String cluster = OpsTaskFlow.clusterName(task);
    if (!appends.append(context.getClient(), namespace, cluster, entry)) {
      log.debug(
          "TTESCluster {}/{} is gone: OpsTask {} is not added to its history",
          namespace,
          cluster,
          task.getMetadata().getName());
    }
  }

  /**
   * The history entry of the run {@code task}'s status finished. The command line is the one the
   * status shows ({@link CommandLine#display}: {@code $(NAME)}, never a value); AWS's and the
   * command's words (message, log tail) are left out.
   */
  static Operation entry(OpsTask task) {
    return entry(task, task.getStatus());
  }

  /** The history entry of the run {@code s} (a status of {@code task}) finished. */
  static Operation entry(OpsTask task, OpsTaskStatus s) {
    Operation o = new Operation();
    o.setOpsTask(task.getMetadata().getName());
    o.setUid(task.getMetadata().getUid());
    o.setAttempt(attempt(s));
    o.setAttempts(Math.max(1, Attempts.thisRun(s).size()));
    o.setCommandLine(s.getCommandLine());
    o.setPhase(s.getPhase());
    o.setReason(s.getReason());
    o.setExitCode(s.getExitCode());
    o.setStartedAt(s.getStartedAt());
    o.setFinishedAt(s.getFinishedAt());
    o.setTaskArn(s.getTaskArn());
    owner(task.getMetadata().getOwnerReferences())
        .ifPresent(
            ref -> {
              o.setOwnerKind(ref.getKind());
              o.setOwnerName(ref.getName());
            });
    return o;
  }

  private static Optional<OwnerReference> owner(List<OwnerReference> refs) {
    return refs == null
        ? Optional.empty()
        : refs.stream().filter(r -> OWNER_KINDS.contains(r.getKind())).findFirst();
  }

  private static int attempt(OpsTaskStatus s) {
    return s.getAttempt() == null ? 1 : s.getAttempt();
  }
}
