package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The cluster's history of finished OpsTasks ({@code status.operations}): newest first by {@code
 * finishedAt}, at most {@code limit} entries, one per run (an OpsTask's uid and the attempt that
 * ended the run). Pure: the caller reads the latest status and writes it back ({@link
 * ClusterStatusWrites#modify}).
 */
public final class OperationHistory {
  private OperationHistory() {}

  /**
   * Adds {@code entry} to {@code status.operations} unless that run is listed already (a restart
   * between the append and the OpsTask's marker adds it once), and trims the list to {@code limit}.
   *
   * @return false when the list stays as it was: the run is listed, or it is older than every entry
   *     of a full history
   */
  public static boolean add(TTESClusterStatus status, Operation entry, int limit) {
    List<Operation> current = status.getOperations() == null ? List.of() : status.getOperations();
    if (current.stream().anyMatch(o -> sameRun(o, entry))) {
      return trim(status, current, limit);
    }
    List<Operation> next = new ArrayList<>(current);
    next.add(insertionPoint(current, entry), entry);
    return trim(status, next, limit);
  }

  /** Whether two entries record the same run of the same OpsTask. */
  public static boolean sameRun(Operation a, Operation b) {
    return Objects.equals(a.getUid(), b.getUid()) && Objects.equals(a.getAttempt(), b.getAttempt());
  }

  /** Before the first entry that finished earlier; an entry of the same second goes first. */
  private static int insertionPoint(List<Operation> current, Operation entry) {
    Instant finished = instant(entry.getFinishedAt());
    if (finished == null) {
      return 0;
    }
    for (int i = 0; i < current.size(); i++) {
      Instant other = instant(current.get(i).getFinishedAt());
      if (other != null && !other.isAfter(finished)) {
        return i;
      }
    }
    return current.size();
  }

  private static boolean trim(TTESClusterStatus status, List<Operation> next, int limit) {
    List<Operation> kept = next.size() > limit ? List.copyOf(next.subList(0, limit)) : next;
    List<Operation> before = status.getOperations() == null ? List.of() : status.getOperations();
    if (kept.equals(before)) {
      return false;
    }
    status.setOperations(new ArrayList<>(kept));
    return true;
  }

  private static Instant instant(String rfc3339) {
    try {
      return rfc3339 == null ? null : Instant.parse(rfc3339);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
