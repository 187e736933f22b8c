package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskStatus;

/** How an owner (bootstrap, upgrade) says why its OpsTask failed, in one line. */
public final class TaskFailure {
  private TaskFailure() {}

  /** {@code exit code N (Reason): last line of the log tail}; the tail is masked already. */
  public static String summary(OpsTaskStatus s) {
    String base =
        "exit code " + s.getExitCode() + (s.getReason() == null ? "" : " (" + s.getReason() + ")");
    // The OpsTask masked secret values in its log tail already.
    String tail = s.getLogTail();
    if (tail == null || tail.isBlank()) {
      return base;
    }
    String[] lines = tail.strip().split("\n");
    return base + ": " + lines[lines.length - 1];
  }
}
