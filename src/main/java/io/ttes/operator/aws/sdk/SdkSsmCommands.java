package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.SsmCommands;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.CommandFilter;
import software.amazon.awssdk.services.ssm.model.CommandFilterKey;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;

/** {@link SsmCommands} with SSM Run Command and the AWS-RunShellScript document. */
final class SdkSsmCommands implements SsmCommands {
  static final String DOCUMENT = "AWS-RunShellScript";
  static final int MAX_COMMENT = 100;

  /** SendCommand's TimeoutSeconds (time to start on the instance) is at least 30 seconds. */
  static final int MIN_DELIVERY_TIMEOUT = 30;

  private final SsmClient ssm;

  SdkSsmCommands(SsmClient ssm) {
    this.ssm = ssm;
  }

  @Override
  public String send(
      String instanceId, List<String> shellLines, String comment, int timeoutSeconds) {
    String c = comment(comment);
    return AwsErrors.call(
        "SendCommand",
        () ->
            ssm.sendCommand(
                    b ->
                        b.instanceIds(instanceId)
                            .documentName(DOCUMENT)
                            .parameters(
                                Map.of(
                                    "commands",
                                    shellLines,
                                    "executionTimeout",
                                    List.of(String.valueOf(timeoutSeconds))))
                            .comment(c)
                            .timeoutSeconds(Math.max(MIN_DELIVERY_TIMEOUT, timeoutSeconds)))
                .command()
                .commandId());
  }

  /** SSM keeps at most 100 characters; send and find must agree on the same text. */
  static String comment(String comment) {
    if (comment == null) {
      return null;
    }
    return comment.length() <= MAX_COMMENT ? comment : comment.substring(0, MAX_COMMENT);
  }

  @Override
  public Optional<String> findByComment(String instanceId, String comment, Instant since) {
    String c = comment(comment);
    return AwsErrors.call(
        "ListCommands",
        () ->
            ssm
                .listCommandsPaginator(
                    b ->
                        b.instanceId(instanceId)
                            .filters(
                                CommandFilter.builder()
                                    .key(CommandFilterKey.INVOKED_AFTER)
                                    .value(since.toString())
                                    .build()))
                .commands()
                .stream()
                .filter(cmd -> c != null && c.equals(cmd.comment()))
                // The emulator ignores the filter; AWS applies it. Checking again costs nothing.
                .filter(
                    cmd ->
                        cmd.requestedDateTime() == null || !cmd.requestedDateTime().isBefore(since))
                .map(Command::commandId)
                .findFirst());
  }

  @Override
  public Invocation invocation(String commandId, String instanceId) {
    GetCommandInvocationResponse r;
    try {
      r = ssm.getCommandInvocation(b -> b.commandId(commandId).instanceId(instanceId));
    } catch (InvocationDoesNotExistException e) {
      // Right after SendCommand the invocation may not be visible yet (SSM is eventually
      // consistent), but it may also never appear (wrong or replaced instance). The caller tells
      // the two apart by how long ago the command was sent; "Pending" here would wait forever.
      // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html
      throw new AwsException(
          AwsException.Kind.NOT_FOUND,
          "GetCommandInvocation",
          "InvocationDoesNotExist",
          "no invocation of command " + commandId + " on " + instanceId,
          e);
    } catch (RuntimeException e) {
      throw AwsErrors.map("GetCommandInvocation", e);
    }
    Integer code = r.responseCode() == null || r.responseCode() < 0 ? null : r.responseCode();
    return new Invocation(
        commandId,
        r.statusAsString(),
        code,
        r.standardOutputContent(),
        r.standardErrorContent(),
        time(r.executionStartDateTime()),
        time(r.executionEndDateTime()));
  }

  static Instant time(String iso) {
    if (iso == null || iso.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(iso);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  @Override
  public void cancel(String commandId, String instanceId) {
    AwsErrors.run(
        "CancelCommand",
        () -> ssm.cancelCommand(b -> b.commandId(commandId).instanceIds(instanceId)));
  }
}
