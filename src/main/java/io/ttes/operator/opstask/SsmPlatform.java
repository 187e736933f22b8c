package io.ttes.operator.opstask;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.SsmCommands;
import io.ttes.operator.aws.SsmCommands.Invocation;
import io.ttes.operator.status.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * OpsTasks of a platform-AMI deployment: one shell line sent by SSM Run Command to the instance
 * (document AWS-RunShellScript), every word single-quoted. The launch token is the command's
 * comment, so a command sent before a crash is found by it. The output of the invocation is the log
 * tail.
 */
final class SsmPlatform implements TaskPlatform {
  private final SsmCommands ssm;
  private final String instanceId;
  private final List<String> prefix;
  private final Instant searchSince;
  private final Duration notFoundGrace;

  /**
   * @param instanceId the instance the command goes (or went) to
   * @param prefix the words in front of the binary (spec.ops.ami.commandPrefix)
   * @param searchSince commands sent before this are not looked at by {@link #find}
   * @param notFoundGrace how long the state machine waits for an invocation to appear (messages)
   */
  SsmPlatform(
      SsmCommands ssm,
      String instanceId,
      List<String> prefix,
      Instant searchSince,
      Duration notFoundGrace) {
    this.ssm = ssm;
    this.instanceId = instanceId;
    this.prefix = prefix;
    this.searchSince = searchSince;
    this.notFoundGrace = notFoundGrace;
  }

  @Override
  public String where() {
    return instanceId;
  }

  @Override
  public String describe(String commandId) {
    return "SSM command " + commandId;
  }

  @Override
  public String stopWord() {
    return "cancelled";
  }

  @Override
  public Optional<Started> find(String token) {
    return ssm.findByComment(instanceId, token, searchSince)
        .map(
            id ->
                new Started(
                    id,
                    null,
                    null,
                    false,
                    "found SSM command " + id + " sent before a restart; following it"));
  }

  @Override
  public Launched launch(LaunchOrder order) {
    String line = order.plan().command().shellLine(prefix, order.values());
    long seconds = Math.max(30, Math.min(172_800, order.plan().timeout().toSeconds()));
    String commandId = ssm.send(instanceId, List.of(line), order.token(), (int) seconds);
    return Launched.of(
        new Started(
            commandId,
            null,
            null,
            false,
            "sent SSM command "
                + commandId
                + " to "
                + instanceId
                + ": "
                + order.plan().command().display()));
  }

  @Override
  public Observation observe(String commandId) {
    Invocation invocation;
    try {
      invocation = ssm.invocation(commandId, instanceId);
    } catch (AwsException e) {
      if (e.kind() != AwsException.Kind.NOT_FOUND) {
        throw e;
      }
      return Observation.absent(
          Reasons.INVOCATION_NOT_FOUND,
          UnknownResults.invocationNotFound(
              commandId, instanceId, LaunchPlanner.format(notFoundGrace)));
    }
    Tail tail = tail(invocation);
    if (!invocation.finished()) {
      return Observation.running(() -> tail);
    }
    return ended(invocation, tail).withStopCode(invocation.status());
  }

  private static Observation ended(Invocation invocation, Tail tail) {
    Integer code = invocation.responseCode();
    return switch (invocation.status()) {
      case "Success" ->
          Observation.ended(0, Reasons.COMPLETED, "exited with code 0", List.of(), tail);
      case "Failed" ->
          code != null && code > 0
              ? Observation.ended(
                  code, Reasons.NON_ZERO_EXIT, "exited with code " + code, List.of(), tail)
              : Observation.ended(
                  null,
                  Reasons.STOPPED_BY_AWS,
                  "SSM reports the command failed without an exit code",
                  List.of(),
                  tail);
      case "TimedOut" ->
          Observation.ended(null, Reasons.TIMEOUT, "SSM timed the command out", List.of(), tail);
      default ->
          Observation.ended(
              null,
              Reasons.STOPPED_BY_AWS,
              "SSM reports the command " + invocation.status(),
              List.of(),
              tail);
    };
  }

  @Override
  public boolean stop(String commandId, String reason) {
    try {
      ssm.cancel(commandId, instanceId);
      return true;
    } catch (AwsException e) {
      if (e.kind() == AwsException.Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** The last lines of stdout, then stderr. */
  private static Tail tail(Invocation invocation) {
    List<String> lines = new ArrayList<>();
    for (String text : new String[] {invocation.stdout(), invocation.stderr()}) {
      if (text != null && !text.isEmpty()) {
        lines.addAll(Arrays.asList(text.split("\\R")));
      }
    }
    if (lines.isEmpty()) {
      return null;
    }
    int max = LOG_TAIL_LINES;
    return new Tail(
        String.join("\n", lines.subList(Math.max(0, lines.size() - max), lines.size())), null);
  }
}
