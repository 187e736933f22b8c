package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.Condition;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.opstask.OpsTaskFlow.Event;
import io.ttes.operator.opstask.OpsTaskFlow.EventType;
import io.ttes.operator.opstask.OpsTaskFlow.Step;
import io.ttes.operator.opstask.TaskPlatform.Tail;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one reconcile of an OpsTask reports: the next status (built on the caller's copy), the
 * events, the outcome and when to look again. Every text that can carry AWS's words or a command's
 * output is masked with the task's secret values; when those cannot be read, AWS's text and the log
 * tail are withheld rather than shown unmasked.
 */
final class OpsTaskReport {
  private final OpsTaskFlow flow;
  private final OpsTask task;
  private final OpsTaskStatus previous;
  private final OpsTaskStatus status;
  private final TTESCluster cluster;
  private final SecretReader secrets;
  private final AwsServicesFactory aws;
  private final long generation;
  private final String uid;
  private final List<Event> events = new ArrayList<>();
  private Optional<SecretMasker> masker;

  /** How the attempt being finished ended, for its entry in status.attempts. */
  private String endStopCode;

  private String endAction;

  OpsTaskReport(
      OpsTaskFlow flow,
      OpsTask task,
      OpsTaskStatus next,
      TTESCluster cluster,
      SecretReader secrets,
      AwsServicesFactory aws) {
    this.flow = flow;
    this.task = task;
    this.previous = task.getStatus() == null ? new OpsTaskStatus() : task.getStatus();
    this.status = next;
    if (status.getConditions() == null) {
      status.setConditions(new ArrayList<>());
    }
    this.cluster = cluster;
    this.secrets = secrets;
    this.aws = aws;
    Long gen = task.getMetadata().getGeneration();
    this.generation = gen == null ? 1L : gen;
    this.uid = OpsTaskFlow.uidOf(task);
  }

  /** Reads every secretArg; the values live only in the caller's local variable. */
  Map<String, String> resolveSecrets() {
    return new SecretArgResolver(
            secrets,
            OpsTaskFlow.namespace(task),
            () -> {
              if (cluster == null) {
                throw new SpecProblem(
                    Reasons.CLUSTER_NOT_FOUND,
                    "spec.clusterRef.name",
                    "the TTESCluster does not exist");
              }
              return aws.forTarget(OpsTaskFlow.targetOf(cluster)).secrets();
            })
        .resolve(task.getSpec().getSecretArgs(), SecretArgResolver.OPS_TASK_FIELDS);
  }

  /** The values just resolved for a launch mask everything this reconcile reports. */
  void knowSecrets(Collection<String> values) {
    masker = Optional.of(SecretMasker.of(values));
  }

  void normal(String reason, String message) {
    events.add(new Event(EventType.Normal, reason, message));
  }

  int refusals() {
    return status.getLaunchRefusals() == null ? 0 : status.getLaunchRefusals();
  }

  /** The attempt under way, from 1. */
  int attempt() {
    return status.getAttempt() == null ? 1 : status.getAttempt();
  }

  /** Launches before this one (refused RunTasks and earlier attempts): picks the clientToken. */
  int launchesBefore() {
    return refusals() + attempt() - 1;
  }

  /**
   * An attempt ended without success (or with it): the failure policy decides whether the OpsTask
   * fails or a new attempt follows after a backoff. The new attempt's launch token is written with
   * this status, before anything of it reaches AWS.
   */
  Step attemptEnded(
      OpsTaskPhase phase,
      Integer exitCode,
      String stopCode,
      String reason,
      String message,
      Tail tail) {
    endStopCode = stopCode;
    if (phase == OpsTaskPhase.Succeeded) {
      return finish(phase, exitCode, reason, message, tail);
    }
    RetryPolicy.Verdict verdict =
        RetryPolicy.judge(
            task.getSpec(), thisRun(), new RetryPolicy.Failure(exitCode, stopCode, reason));
    endAction = verdict.action().name();
    if (!verdict.retry()) {
      // Without retries or rules, the message stays what it was before there were any.
      boolean tell =
          attempt() > 1
              || RetryPolicy.backoffLimit(task.getSpec()) > 0
              || task.getSpec().getFailurePolicy() != null;
      return finish(
          OpsTaskPhase.Failed,
          exitCode,
          verdict.reason(),
          tell ? message + "; attempt " + attempt() + ", " + verdict.why() : message,
          tail);
    }
    recordAttempt(exitCode, reason);
    int next = attempt() + 1;
    Duration pause = RetryPolicy.backoff(next);
    String at = OpsTaskFlow.format(now().plus(pause));
    String text =
        mask(
            "attempt "
                + attempt()
                + " "
                + message
                + "; "
                + verdict.why()
                + "; attempt "
                + next
                + " starts at "
                + at);
    flow.observer().forget(status.getTaskArn());
    Attempts.beginNext(status, OpsTaskFlow.launchToken(uid, next), exitCode, at);
    flow.unlaunchedTokens().add(status.getLaunchToken());
    status.setReason(OpsTaskFlow.WAITING_TO_RETRY);
    status.setMessage(text);
    events.add(new Event(EventType.Warning, reason, status.getCommandLine() + ": " + text));
    return done(Outcome.reconciling(OpsTaskFlow.WAITING_TO_RETRY, text), Optional.of(pause));
  }

  /**
   * spec.suspend holds an OpsTask that has not started: no slot, no token, no AWS call; the spec
   * change that clears it wakes it up.
   */
  Step suspended() {
    flow.slots().release(uid);
    String message = "spec.suspend is true: the command does not start until it is set to false";
    if (!OpsTaskFlow.SUSPENDED.equals(previous.getReason())) {
      events.add(new Event(EventType.Normal, OpsTaskFlow.SUSPENDED, message));
    }
    status.setReason(OpsTaskFlow.SUSPENDED);
    status.setMessage(message);
    return done(Outcome.reconciling(OpsTaskFlow.SUSPENDED, message), Optional.empty());
  }

  /**
   * A new value of the ops.ttes.io/retry annotation on a finished OpsTask: the next attempt starts
   * from Pending (a slot, then its own launch token). The attempts so far stay in status.
   */
  Step rerun(String value) {
    int next = Attempts.beginRun(status);
    String message = "retry requested (ops.ttes.io/retry=" + value + "): attempt " + next;
    status.setReason(OpsTaskFlow.RETRY_REQUESTED);
    status.setMessage(message);
    events.add(new Event(EventType.Normal, OpsTaskFlow.RETRY_REQUESTED, message));
    return done(
        Outcome.reconciling(OpsTaskFlow.RETRY_REQUESTED, message), Optional.of(Duration.ZERO));
  }

  private List<OpsTaskStatus.Attempt> thisRun() {
    return Attempts.thisRun(status);
  }

  private void recordAttempt(Integer exitCode, String reason) {
    Attempts.record(status, endStopCode, exitCode, reason, endAction, OpsTaskFlow.format(now()));
  }

  private String mask(String text) {
    Optional<SecretMasker> mask = masker();
    return mask.isPresent() ? mask.get().mask(text) : text;
  }

  Step stillRunning(TaskPlatform platform) {
    status.setReason(Reasons.RUNNING);
    status.setMessage(
        "running " + platform.describe(status.getTaskArn()) + ": " + status.getCommandLine());
    return done(
        Outcome.reconciling(Reasons.RUNNING, status.getMessage()),
        Optional.of(flow.settings().fastPoll()));
  }

  /**
   * RunTask answered HTTP 200 with failures[] and started nothing. Capacity comes back by itself:
   * stay Pending (the slot and launch token are kept) and try again after a pause. Anything else
   * (MISSING, ATTRIBUTE, ...) needs a person: fail with what ECS said.
   */
  Step runTaskRefused(Launch refused) {
    status.setLaunchRefusals(refusals() + 1);
    UnknownResults.Refusal r =
        UnknownResults.refusal(
            refused, text -> masker().map(m -> m.mask(text)).orElse(refused.failureReason()));
    OpsTaskFailurePolicy.Action rule =
        RetryPolicy.forRefusal(task.getSpec().getFailurePolicy(), refused.failureReason());
    boolean retry = rule == null ? r.retry() : rule != OpsTaskFailurePolicy.Action.Fail;
    if (retry) {
      return waitFor(
          Reasons.WAITING_FOR_CAPACITY,
          r.message(),
          UnknownResults.capacityRetry(flow.settings().fastPoll()));
    }
    endStopCode = refused.failureReason();
    return finish(
        OpsTaskPhase.Failed,
        null,
        Reasons.RUN_TASK_FAILED,
        rule == null ? r.message() : r.message() + " (spec.failurePolicy: Fail)",
        null);
  }

  Step finish(OpsTaskPhase phase, Integer exitCode, String reason, String message, Tail tail) {
    Optional<SecretMasker> mask = masker();
    String text = message;
    if (tail != null && tail.problem() != null) {
      text += " (log tail unavailable: " + tail.problem() + ")";
    }
    if (tail != null && tail.text() != null && mask.isEmpty()) {
      text += " (log tail withheld: the secret values to mask could not be read)";
    }
    status.setPhase(phase);
    status.setExitCode(exitCode);
    status.setReason(reason);
    status.setMessage(mask.isPresent() ? mask.get().mask(text) : text);
    status.setLogTail(
        tail == null || tail.text() == null || mask.isEmpty()
            ? null
            : mask.get().mask(tail.text()));
    if (endAction == null) {
      endAction = ok(phase) ? "None" : OpsTaskFailurePolicy.Action.Fail.name();
    }
    recordAttempt(exitCode, reason);
    status.setNextAttemptAt(null);
    status.setFinishedAt(OpsTaskFlow.format(now()));
    flow.slots().release(uid);
    flow.observer().forget(status.getTaskArn());
    boolean ok = phase == OpsTaskPhase.Succeeded;
    events.add(
        new Event(
            ok ? EventType.Normal : EventType.Warning,
            reason,
            status.getCommandLine() + ": " + status.getMessage()));
    return done(
        ok
            ? Outcome.ready(reason, status.getMessage())
            : Outcome.failed(reason, status.getMessage()),
        flow.ttlLeft(task, status));
  }

  private static boolean ok(OpsTaskPhase phase) {
    return phase == OpsTaskPhase.Succeeded;
  }

  Step stalled(SpecProblem problem) {
    if (status.getTaskArn() == null) {
      flow.slots().release(uid);
    }
    status.setReason(problem.reason());
    status.setMessage(problem.getMessage());
    if (!problem.reason().equals(previous.getReason())
        || !problem.getMessage().equals(previous.getMessage())) {
      events.add(new Event(EventType.Warning, problem.reason(), problem.getMessage()));
    }
    Optional<Duration> again =
        OpsTaskAttempt.REFERENCE_PROBLEMS.contains(problem.reason())
            ? Optional.of(flow.settings().slowPoll())
            : Optional.empty();
    return done(Outcome.stalled(problem.reason(), problem.getMessage()), again);
  }

  /**
   * Held by an upgrade's window before it took a slot. The upgrade's informer wakes it when the
   * upgrade moves on ({@link UpgradeWindowSource}); the slow poll is a safety net.
   */
  Step waitForUpgrade(UpgradeWindow.Hold hold) {
    flow.slots().release(uid);
    return waitFor(UpgradeWindow.WAITING_FOR_UPGRADE, hold.message(), flow.settings().slowPoll());
  }

  Step waitFor(String reason, String message, Duration again) {
    if (!reason.equals(previous.getReason())) {
      events.add(new Event(EventType.Normal, reason, message));
    }
    return waitQuietly(reason, message, again);
  }

  /**
   * Waits as {@link #waitFor} does, without an event: for a wait that is the normal course of a
   * busy cluster (a free slot), which the status says and the start event ends; at 200 tasks behind
   * 20 slots an event per waiting task was one Kubernetes request in seven.
   */
  Step waitQuietly(String reason, String message, Duration again) {
    status.setReason(reason);
    status.setMessage(message);
    return done(Outcome.reconciling(reason, message), Optional.of(again));
  }

  /** Transient AWS trouble keeps the status; IAM or input problems stall until fixed. */
  Step awsTrouble(AwsException e, boolean launching) {
    String message = safeMessage(e);
    if (e.isRetryable()) {
      return done(
          Outcome.reconciling(Reasons.AWS_UNAVAILABLE, message),
          Optional.of(flow.settings().fastPoll().multipliedBy(2)));
    }
    String reason =
        e.kind() == AwsException.Kind.ACCESS_DENIED ? Reasons.ACCESS_DENIED : Reasons.AWS_REJECTED;
    if (launching) {
      flow.slots().release(uid);
    }
    return stalled(new SpecProblem(reason, null, message));
  }

  Step done(Outcome outcome, Optional<Duration> again) {
    if (specChangedAfterStart()) {
      if (previous.getObservedGeneration() != null
          && generation > previous.getObservedGeneration()) {
        events.add(
            new Event(
                EventType.Warning,
                Reasons.IMMUTABLE_SPEC,
                "the spec changed after the task started; it is not run again. Create a new"
                    + " OpsTask to run the new spec."));
      }
      outcome =
          new Outcome(
              outcome.state(),
              outcome.reason(),
              (outcome.message() == null ? "" : outcome.message())
                  + " ("
                  + Reasons.IMMUTABLE_SPEC
                  + ": spec changed after start; this is the result of status.commandLine)");
    }
    flow.conditions().apply(status, generation, outcome);
    return new Step(status, List.copyOf(events), again);
  }

  private boolean specChangedAfterStart() {
    if (status.getTaskArn() == null) {
      return false;
    }
    Long observed = previous.getObservedGeneration();
    if (observed != null && generation > observed) {
      return true;
    }
    // Once noticed, the note stays: the condition messages are the record of it.
    return previous.getConditions().stream()
        .map(Condition::getMessage)
        .anyMatch(m -> m != null && m.contains(Reasons.IMMUTABLE_SPEC + ":"));
  }

  private Optional<SecretMasker> masker() {
    if (masker == null) {
      try {
        masker = Optional.of(SecretMasker.of(resolveSecrets().values()));
      } catch (RuntimeException e) { // SpecProblem included: the Secret is gone
        masker = Optional.empty();
      }
    }
    return masker;
  }

  private String safeMessage(AwsException e) {
    Optional<SecretMasker> mask = masker();
    if (mask.isPresent()) {
      return mask.get().mask(e.getMessage());
    }
    return e.operation() + ": " + (e.errorCode() == null ? e.kind() : e.errorCode());
  }

  /** AWS's words, each as " (text)", masked; nothing when they cannot be masked. */
  String details(List<String> awsText) {
    StringBuilder out = new StringBuilder();
    for (String text : awsText) {
      if (text != null && !text.isBlank()) {
        masker().ifPresent(m -> out.append(" (").append(m.mask(text)).append(')'));
      }
    }
    return out.toString();
  }

  /** " after 1m30s": how long the task ran. */
  String ran() {
    return status.getStartedAt() == null
        ? ""
        : " after " + LaunchPlanner.format(Duration.between(startedAt(), now()));
  }

  boolean timedOut(Duration timeout) {
    return !now().isBefore(startedAt().plus(timeout));
  }

  Instant startedAt() {
    try {
      return status.getStartedAt() == null ? now() : Instant.parse(status.getStartedAt());
    } catch (RuntimeException e) {
      return now();
    }
  }

  Instant now() {
    return flow.clock().instant();
  }
}
