package io.ttes.operator.opstask;

import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.status.Reasons;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * What to tell a user when AWS cannot give an OpsTask's result: RunTask started nothing, ECS forgot
 * the task, or SSM never showed the command's invocation. Plain data in, reason and message out.
 */
final class UnknownResults {
  /** Pause before RunTask is tried again after a capacity failure, in fast polls. */
  static final int CAPACITY_RETRY_POLLS = 6;

  private UnknownResults() {}

  /**
   * How to treat RunTask's failures[]: capacity (RESOURCE:*, AGENT) comes back by itself, so the
   * OpsTask waits; anything else (MISSING, ATTRIBUTE, ...) needs a person, so it fails.
   *
   * @param mask masks secret values in what ECS said
   */
  static Refusal refusal(Launch refused, UnaryOperator<String> mask) {
    String said = mask.apply(refused.describeFailure());
    return refused.isTransient()
        ? new Refusal(
            true,
            Reasons.WAITING_FOR_CAPACITY,
            "ECS could not place the task (RunTask failures[]: " + said + "); retrying")
        : new Refusal(
            false,
            Reasons.RUN_TASK_FAILED,
            "ECS started no task: RunTask answered failures[] " + said);
  }

  /** A RunTask answer without a task: wait and retry, or fail. */
  record Refusal(boolean retry, String reason, String message) {}

  static String taskMissing(String taskArn) {
    return "ECS no longer knows task "
        + taskArn
        + " (DescribeTasks answered MISSING): ECS shows stopped tasks for about an hour, so it"
        + " stopped long ago and its exit code is unknown; check its log and run a new OpsTask if"
        + " needed";
  }

  static String invocationNotFound(String commandId, String instanceId, String grace) {
    return "SSM shows no invocation of command "
        + commandId
        + " on instance "
        + instanceId
        + " "
        + grace
        + " after it was sent (GetCommandInvocation: InvocationDoesNotExist): the instance may"
        + " have been replaced or its SSM agent is offline; the result is unknown";
  }

  /** The pause before a RunTask retry after a capacity failure. */
  static Duration capacityRetry(Duration fastPoll) {
    return fastPoll.multipliedBy(CAPACITY_RETRY_POLLS);
  }
}
