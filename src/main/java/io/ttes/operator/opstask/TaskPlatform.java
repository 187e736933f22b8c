package io.ttes.operator.opstask;

import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where an OpsTask's command runs, as the state machine ({@link OpsTaskFlow}) sees it: an ECS
 * cluster ({@link EcsPlatform}) or the AMI's instance over SSM ({@link SsmPlatform}). One platform
 * object is connected per reconcile to one place ({@link #where}). Each call is idempotent: {@code
 * find} and {@code observe} only read, {@code launch} is made idempotent by the launch token and
 * client token the state machine wrote to status before calling it, and {@code stop} of a task AWS
 * no longer knows is a success. The platforms translate AWS answers into these records; what to do
 * about them (wait, retry, fail, time out) is decided by the state machine.
 */
interface TaskPlatform {
  /** Lines of the task's log kept in status.logTail. */
  int LOG_TAIL_LINES = 20;

  /** The ECS cluster or the instance id this platform was connected to. */
  String where();

  /** "ECS task arn" or "SSM command id": how messages name a task of this platform. */
  String describe(String taskId);

  /** How this platform says a task was ended early: "stopped" or "cancelled". */
  String stopWord();

  /** The task launched with {@code token} before a crash, if any (running or finished). */
  Optional<Started> find(String token);

  /** Starts the command of {@code order}; on ECS, RunTask may refuse without starting anything. */
  Launched launch(LaunchOrder order);

  /** What the task is doing now. */
  Observation observe(String taskId);

  /**
   * Ends a running task.
   *
   * @return false when AWS no longer knows the task (nothing left to stop: a success as well)
   */
  boolean stop(String taskId, String reason);

  /**
   * One launch: the plan, the secret values its command line needs (held only for the call), the
   * launch token (ECS startedBy, SSM comment) and the ECS clientToken.
   */
  record LaunchOrder(
      LaunchPlan plan, Map<String, String> values, String token, String clientToken) {
    @Override
    public String toString() {
      // The values are secrets: never print them.
      return "LaunchOrder[token=" + token + "]";
    }
  }

  /**
   * A task that was found or started.
   *
   * @param startedAt when AWS says it started; null: now
   * @param taskDefinition the ECS revision it was started with (null when found or on SSM)
   * @param finished true when a found task has already ended
   * @param note what happened, in an event's words
   */
  record Started(
      String id, Instant startedAt, String taskDefinition, boolean finished, String note) {}

  /** What launch did: a started task, or RunTask's failures[] answer (nothing was started). */
  record Launched(Started started, Launch refused) {
    static Launched of(Started started) {
      return new Launched(started, null);
    }

    static Launched refusedBy(Launch refused) {
      return new Launched(null, refused);
    }
  }

  /** What a task is doing, in the platform-neutral words of the state machine. */
  enum State {
    /** Still running (or not yet started by AWS). */
    RUNNING,
    /** Ended; exit code and reason say how. */
    ENDED,
    /** AWS does not know the task (just started, or gone long ago). */
    ABSENT
  }

  /**
   * One observation.
   *
   * @param exitCode the command's exit code when AWS reports one (ENDED)
   * @param reason the status reason when ENDED, or the reason used if ABSENT turns out lost
   * @param message what happened, in our words (no AWS text)
   * @param awsText what AWS said about it, appended masked (or withheld when masking is not
   *     possible)
   * @param tail reads the log tail when asked (ENDED, or RUNNING when the task is timed out)
   * @param stopCode how AWS says it ended (ECS stop code, SSM status) when ENDED; the failure
   *     policy matches on it
   */
  record Observation(
      State state,
      Integer exitCode,
      String reason,
      String message,
      List<String> awsText,
      Supplier<Tail> tail,
      String stopCode) {
    static Observation running(Supplier<Tail> tail) {
      return new Observation(State.RUNNING, null, null, null, List.of(), tail, null);
    }

    static Observation absent(String reason, String message) {
      return new Observation(State.ABSENT, null, reason, message, List.of(), () -> null, null);
    }

    static Observation ended(
        Integer exitCode, String reason, String message, List<String> awsText, Tail tail) {
      return new Observation(State.ENDED, exitCode, reason, message, awsText, () -> tail, null);
    }

    /** This observation with the stop code AWS gave. */
    Observation withStopCode(String code) {
      return new Observation(state, exitCode, reason, message, awsText, tail, code);
    }
  }

  /** A log tail (unmasked until the state machine finishes the task), or why there is none. */
  record Tail(String text, String problem) {
    @Override
    public String toString() {
      return "Tail[" + (text == null ? 0 : text.length()) + " chars]";
    }
  }
}
