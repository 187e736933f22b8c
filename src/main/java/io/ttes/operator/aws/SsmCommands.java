package io.ttes.operator.aws;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** SSM Run Command on the AMI's instance (document AWS-RunShellScript). */
public interface SsmCommands {
  /**
   * Sends shell command lines (already quoted by the caller) and returns the command id. {@code
   * comment} identifies the launch so it can be found again after a crash.
   */
  String send(String instanceId, List<String> shellLines, String comment, int timeoutSeconds);

  /** Finds a command sent to the instance after {@code since} whose comment equals the token. */
  Optional<String> findByComment(String instanceId, String comment, Instant since);

  Invocation invocation(String commandId, String instanceId);

  void cancel(String commandId, String instanceId);

  /** Status of one command on one instance. */
  record Invocation(
      String commandId,
      String status,
      Integer responseCode,
      String stdout,
      String stderr,
      Instant startedAt,
      Instant finishedAt) {

    public boolean finished() {
      return switch (status == null ? "" : status) {
        case "Success", "Cancelled", "TimedOut", "Failed", "Cancelling" -> true;
        default -> false;
      };
    }
  }
}
