package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;

/** What happened to the command. */
@Data
@JsonClassDescription(
    "What happened to the command: phase, the ECS task or SSM command, exit code and the last"
        + " lines of its log.")
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class OpsTaskStatus extends KindStatus {
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private OpsTaskPhase phase;

  @JsonPropertyDescription("The command line as run, with secret values shown as $(NAME).")
  private String commandLine;

  @JsonPropertyDescription(
      "Write-ahead marker: the idempotency token of a launch that may have reached AWS. On restart"
          + " the operator looks the task up by this token instead of starting another.")
  private String launchToken;

  @JsonPropertyDescription("ECS task ARN, or the SSM command id on platform AMI.")
  private String taskArn;

  @JsonPropertyDescription("ECS cluster the task runs in.")
  private String ecsCluster;

  @JsonPropertyDescription(
      "Platform AMI: the instance the SSM command was sent to (found from the stack at launch).")
  private String instanceId;

  @JsonPropertyDescription(
      "RunTask calls ECS answered with failures[] and no task. Each retry uses a new clientToken:"
          + " ECS answers a repeated token with the first answer for 24 hours.")
  private Integer launchRefusals;

  @JsonPropertyDescription("Task definition revision the task runs.")
  private String taskDefinition;

  @JsonPropertyDescription("Exit code of the command once finished.")
  private Integer exitCode;

  @JsonPropertyDescription(
      "Why the task ended or waits: Completed, NonZeroExit, Timeout, StoppedByAws, ...")
  private String reason;

  @JsonPropertyDescription("Human readable detail.")
  private String message;

  @JsonPropertyDescription("Last lines of the task's log, with secret values masked.")
  private String logTail;

  @JsonPropertyDescription("When the task started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the task finished (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription(
      "The attempt under way or last made, from 1. Each attempt has its own launch token.")
  private Integer attempt;

  @JsonPropertyDescription("Every attempt that ended, oldest first, with what was done about it.")
  private List<Attempt> attempts = new ArrayList<>();

  @JsonPropertyDescription(
      "When the next attempt starts (RFC 3339), while the OpsTask waits out its backoff.")
  private String nextAttemptAt;

  @JsonPropertyDescription(
      "The value of the ops.ttes.io/retry annotation last acted on: a new value on a finished"
          + " OpsTask starts a new attempt.")
  private String retryRequest;

  @JsonPropertyDescription(
      "The first attempt of the current run: a retry annotation starts a run whose failures are"
          + " counted afresh against backoffLimit.")
  private Integer runStartedAtAttempt;

  @JsonPropertyDescription(
      "The attempt whose run was last added to the TTESCluster's status.operations. Written after"
          + " the entry (usually in the status write that finishes the run), so a restart in"
          + " between adds it, once, then.")
  private Integer recordedInHistory;

  /** One attempt that ended: where it ran, how it ended and what the failure policy did. */
  @Data
  public static class Attempt {
    @JsonPropertyDescription("Attempt number, from 1.")
    private Integer attempt;

    @JsonPropertyDescription("ECS task ARN or SSM command id; empty when RunTask started nothing.")
    private String taskArn;

    @JsonPropertyDescription(
        "ECS stop code, SSM status or RunTask failures[] reason the attempt ended with.")
    private String stopCode;

    @JsonPropertyDescription("The command's exit code, when there is one.")
    private Integer exitCode;

    @JsonPropertyDescription("Why it ended: Completed, NonZeroExit, StoppedByAws, ...")
    private String reason;

    @JsonPropertyDescription("When it started (RFC 3339).")
    private String startedAt;

    @JsonPropertyDescription("When it ended (RFC 3339).")
    private String finishedAt;

    @JsonPropertyDescription(
        "What was done: Ignore or Count (retried), Fail (the OpsTask failed), None (succeeded).")
    private String action;
  }
}
