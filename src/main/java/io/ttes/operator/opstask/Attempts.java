package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The attempts of an OpsTask as its status records them: status.attempt is the one under way (from
 * 1), status.attempts the ones that ended, status.runStartedAtAttempt where the current run (since
 * the last retry annotation) began. Pure changes to a status; the caller writes it.
 */
final class Attempts {
  private Attempts() {}

  /** The attempts of the current run. */
  static List<OpsTaskStatus.Attempt> thisRun(OpsTaskStatus status) {
    int first = status.getRunStartedAtAttempt() == null ? 1 : status.getRunStartedAtAttempt();
    return status.getAttempts() == null
        ? List.of()
        : status.getAttempts().stream()
            .filter(a -> a.getAttempt() == null || a.getAttempt() >= first)
            .toList();
  }

  /** The attempt under way ended: appended to status.attempts. */
  static void record(
      OpsTaskStatus status,
      String stopCode,
      Integer exitCode,
      String reason,
      String action,
      String finishedAt) {
    OpsTaskStatus.Attempt a = new OpsTaskStatus.Attempt();
    a.setAttempt(status.getAttempt() == null ? 1 : status.getAttempt());
    a.setTaskArn(status.getTaskArn());
    a.setStopCode(stopCode);
    a.setExitCode(exitCode);
    a.setReason(reason);
    a.setStartedAt(status.getStartedAt());
    a.setFinishedAt(finishedAt);
    a.setAction(action);
    if (status.getAttempts() == null) {
      status.setAttempts(new ArrayList<>());
    }
    status.getAttempts().add(a);
  }

  /**
   * The next attempt of the same run waits for {@code at}; its launch token is stored now, before
   * its launch (write-ahead), so a crash after its RunTask adopts the task instead of starting one.
   */
  static void beginNext(OpsTaskStatus status, String launchToken, Integer lastExit, String at) {
    status.setAttempt((status.getAttempt() == null ? 1 : status.getAttempt()) + 1);
    status.setLaunchToken(launchToken);
    status.setTaskArn(null);
    status.setStartedAt(null);
    status.setExitCode(lastExit);
    status.setLogTail(null);
    status.setPhase(OpsTaskPhase.Pending);
    status.setNextAttemptAt(at);
  }

  /**
   * A new run of a finished OpsTask (the retry annotation): its first attempt starts from Pending,
   * takes a slot and gets its own token then. Returns that attempt's number.
   */
  static int beginRun(OpsTaskStatus status) {
    int next = (status.getAttempt() == null ? 1 : status.getAttempt()) + 1;
    status.setAttempt(next);
    status.setRunStartedAtAttempt(next);
    status.setPhase(OpsTaskPhase.Pending);
    status.setLaunchToken(null);
    status.setTaskArn(null);
    status.setStartedAt(null);
    status.setFinishedAt(null);
    status.setExitCode(null);
    status.setLogTail(null);
    status.setNextAttemptAt(null);
    return next;
  }
}
