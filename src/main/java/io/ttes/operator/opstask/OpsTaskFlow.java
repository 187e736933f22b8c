package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.OpsTarget;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.EcsTasks.TaskState;
import io.ttes.operator.aws.SsmCommands.Invocation;
import io.ttes.operator.cluster.ClusterTarget;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.digest.Sha256;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One step of the OpsTask state machine. It takes the OpsTask as stored (its status is the
 * write-ahead log), the TTESCluster it names (or null), a way to read Secret keys and the AWS
 * services, and returns the next status, the events to record and when to come back. The caller
 * (the reconciler) persists the status before acting on anything else, which is what makes a launch
 * safe across crashes: the launch token is written first, and only the step after that reaches AWS,
 * looking the task up by that token before starting one.
 *
 * <pre>
 * Pending ──slot──▶ Pending+launchToken ──find or RunTask/SendCommand──▶ Running ──▶ Succeeded | Failed
 * </pre>
 *
 * Secret values are read in each step that needs them (launch, and masking at the end), kept in
 * local variables only, and never reach the returned status, events or exception messages.
 */
public final class OpsTaskFlow {
  /** Lines of the task's log kept in status.logTail. */
  public static final int LOG_TAIL_LINES = 20;

  /** Prefix of launch tokens: ECS startedBy, SSM comment. */
  public static final String TOKEN_PREFIX = "ttes-op-";

  /** Event reason when a running task is stopped because its OpsTask was deleted. */
  public static final String STOPPED_ON_DELETE = "StoppedOnDelete";

  private static final Set<String> REFERENCE_PROBLEMS =
      Set.of(
          Reasons.CLUSTER_NOT_FOUND,
          Reasons.SECRET_NOT_FOUND,
          Reasons.SECRET_KEY_NOT_FOUND,
          Reasons.PLATFORM_MISMATCH,
          Reasons.ACCESS_DENIED,
          Reasons.AWS_REJECTED,
          Reasons.SECRETS_MANAGER_SECRET_NOT_FOUND,
          Reasons.SECRETS_MANAGER_SECRET_INVALID,
          Reasons.STACK_NOT_FOUND,
          Reasons.OPS_OUTPUT_MISSING,
          Reasons.OPS_OUTPUT_MALFORMED);

  /**
   * When to come back.
   *
   * @param fastPoll while a task runs or a launch is under way
   * @param waitPoll while waiting for a slot or for the cluster to be Ready
   * @param slowPoll after a problem a person must fix in something the OpsTask only references
   *     (cluster, Secret, IAM)
   * @param notFoundGrace how long ECS/SSM may not know a task just started before it counts as lost
   */
  public record Settings(
      Duration fastPoll, Duration waitPoll, Duration slowPoll, Duration notFoundGrace) {
    public static Settings from(OperatorConfig config) {
      return new Settings(
          config.fastPoll(),
          // Waiting costs no AWS call; checking as often as running tasks poll keeps slots busy.
          config.fastPoll(),
          config.slowPoll(),
          Duration.ofMinutes(2));
    }
  }

  /** Kubernetes event type. */
  public enum EventType {
    Normal,
    Warning
  }

  /** An event to record on the OpsTask. Messages never hold secret values. */
  public record Event(EventType type, String reason, String message) {}

  /**
   * The result of one step: the status to write (a new object; the input is not changed), events to
   * record, and when to run again (empty: only on the next change). A reschedule of zero means
   * "write the status, then run again at once" (the launch token step).
   */
  public record Step(
      OpsTaskStatus status, List<Event> events, Optional<Duration> rescheduleAfter) {}

  private final Settings settings;
  private final Clock clock;
  private final TaskSlots slots;
  private final BatchedTaskObserver observer;
  private final ConditionWriter conditions;

  /**
   * Launch tokens this process wrote and has not launched yet. For these the lookup of a task
   * launched before a crash is skipped (two ListTasks saved per task): nothing can have been
   * launched with a token that only this process knows and has not used. After a restart the set is
   * empty, so every token found in a status is looked up.
   */
  private final Set<String> unlaunchedTokens = ConcurrentHashMap.newKeySet();

  /**
   * Latest ACTIVE revision per task definition family, reused for one fast poll interval: a wave of
   * launches resolves it once instead of once per task (a third of all AWS calls otherwise), while
   * a new revision is still picked up within seconds.
   */
  private final Map<String, Resolved> revisions = new ConcurrentHashMap<>();

  private record Resolved(String arn, Instant at) {}

  private String latestRevision(AwsTarget target, AwsServices services, String family) {
    String key = target + "/" + family;
    Instant now = clock.instant();
    Resolved known = revisions.get(key);
    if (known != null && known.at().plus(settings.fastPoll()).isAfter(now)) {
      return known.arn();
    }
    String arn = services.ecs().latestActiveRevision(family);
    revisions.put(key, new Resolved(arn, now));
    return arn;
  }

  public OpsTaskFlow(
      Settings settings, Clock clock, TaskSlots slots, BatchedTaskObserver observer) {
    this.settings = settings;
    this.clock = clock;
    this.slots = slots;
    this.observer = observer;
    this.conditions = new ConditionWriter(clock);
  }

  /** The condition builder on this flow's clock (the reconciler's error path uses it too). */
  public ConditionWriter conditions() {
    return conditions;
  }

  /** One reconcile step. {@code cluster} is null when the referenced TTESCluster does not exist. */
  public Step reconcile(
      OpsTask task, TTESCluster cluster, SecretReader secrets, AwsServicesFactory aws) {
    return new Attempt(task, cluster, secrets, aws).run();
  }

  /**
   * Called when the OpsTask is deleted. Stops its task only when {@code spec.stopOnDelete} is true
   * and the task has not finished; otherwise makes no AWS call. Gives back the slot. A reschedule
   * in the result means "try again before removing the finalizer" (AWS was briefly unavailable).
   */
  public Step cleanup(OpsTask task, TTESCluster cluster, AwsServicesFactory aws) {
    OpsTaskStatus status = copy(task.getStatus());
    String uid = uidOf(task);
    List<Event> events = new ArrayList<>();
    OpsTaskSpec spec = task.getSpec();
    boolean unfinished = status.getPhase() == null || !status.getPhase().isFinished();
    if (spec != null && spec.isStopOnDelete() && unfinished && cluster != null) {
      try {
        AwsServices services = aws.forTarget(targetOf(cluster));
        String stopped = stopOnDelete(task, status, cluster, services);
        if (stopped != null) {
          events.add(
              new Event(
                  EventType.Normal,
                  STOPPED_ON_DELETE,
                  "stopped " + stopped + " because the OpsTask was deleted (spec.stopOnDelete)"));
        }
      } catch (AwsException e) {
        if (e.isRetryable()) {
          return new Step(status, events, Optional.of(settings.fastPoll().multipliedBy(2)));
        }
        if (e.kind() != AwsException.Kind.NOT_FOUND) {
          events.add(
              new Event(
                  EventType.Warning,
                  e.kind() == AwsException.Kind.ACCESS_DENIED
                      ? Reasons.ACCESS_DENIED
                      : Reasons.AWS_REJECTED,
                  "could not stop the task on delete: " + e.operation() + " " + e.errorCode()));
        }
      }
    }
    slots.release(uid);
    if (status.getTaskArn() != null) {
      observer.forget(status.getTaskArn());
    }
    return new Step(status, events, Optional.empty());
  }

  private String stopOnDelete(
      OpsTask task, OpsTaskStatus status, TTESCluster cluster, AwsServices services) {
    String reason = "OpsTask " + task.getMetadata().getName() + " deleted";
    boolean ecs =
        status.getEcsCluster() != null || LaunchPlanner.platformOf(cluster) == Platform.ECS;
    String arn = status.getTaskArn();
    if (ecs) {
      String ecsCluster = status.getEcsCluster();
      if (arn == null && status.getLaunchToken() != null) {
        OpsTarget ops = cluster.getStatus() == null ? null : cluster.getStatus().getOps();
        if (ops == null || ops.getCluster() == null) {
          return null;
        }
        ecsCluster = ops.getCluster();
        Optional<TaskState> found =
            services.ecs().findStartedBy(ecsCluster, status.getLaunchToken());
        if (found.isEmpty() || found.get().stopped()) {
          return null;
        }
        arn = found.get().taskArn();
      }
      if (arn == null) {
        return null;
      }
      services.ecs().stop(ecsCluster, arn, reason);
      return "ECS task " + arn;
    }
    String instanceId = AmiInstances.sentTo(status, cluster);
    if (instanceId == null) {
      return null;
    }
    if (arn == null && status.getLaunchToken() != null) {
      arn =
          services
              .ssm()
              .findByComment(instanceId, status.getLaunchToken(), searchSince(task))
              .orElse(null);
    }
    if (arn == null) {
      return null;
    }
    services.ssm().cancel(arn, instanceId);
    return "SSM command " + arn;
  }

  // ---------------------------------------------------------------------------------------------

  /** The work of one step; holds the copy of the status being built. */
  private final class Attempt {
    final OpsTask task;
    final TTESCluster cluster;
    final SecretReader secrets;
    final AwsServicesFactory aws;
    final OpsTaskStatus previous;
    final OpsTaskStatus status;
    final long generation;
    final String uid;
    final List<Event> events = new ArrayList<>();
    Optional<SecretMasker> masker;

    Attempt(OpsTask task, TTESCluster cluster, SecretReader secrets, AwsServicesFactory aws) {
      this.task = Objects.requireNonNull(task, "task");
      this.cluster = cluster;
      this.secrets = secrets;
      this.aws = aws;
      this.previous = task.getStatus() == null ? new OpsTaskStatus() : task.getStatus();
      this.status = copy(previous);
      Long gen = task.getMetadata().getGeneration();
      this.generation = gen == null ? 1L : gen;
      this.uid = uidOf(task);
    }

    Step run() {
      if (status.getPhase() == null) {
        status.setPhase(OpsTaskPhase.Pending);
      }
      if (status.getPhase().isFinished()) {
        return finished();
      }
      if (status.getTaskArn() != null) {
        return running();
      }
      return pending();
    }

    // ---- finished: final, no AWS call

    Step finished() {
      slots.release(uid);
      if (status.getTaskArn() != null) {
        observer.forget(status.getTaskArn());
      }
      Outcome outcome =
          status.getPhase() == OpsTaskPhase.Succeeded
              ? Outcome.ready(Reasons.COMPLETED, status.getMessage())
              : Outcome.failed(status.getReason(), status.getMessage());
      return done(outcome, Optional.empty());
    }

    // ---- pending: validate, wait for a slot, write the launch token, launch

    Step pending() {
      LaunchPlan prepared;
      Map<String, String> values;
      try {
        prepared = LaunchPlanner.plan(task, cluster);
        values = resolveSecrets();
      } catch (SpecProblem problem) {
        return stalled(problem);
      }
      String waiting = LaunchPlanner.waitingFor(prepared, cluster);
      if (waiting != null) {
        return waitFor(Reasons.WAITING_FOR_CLUSTER, waiting, settings.waitPoll());
      }
      try {
        LaunchPlanner.checkEcsTarget(prepared, cluster);
      } catch (SpecProblem problem) {
        return stalled(problem);
      }
      String key = clusterKey(task);
      if (status.getLaunchToken() == null) {
        TaskSlots.Decision decision =
            slots.tryAcquire(
                key, uid, created(task), cluster.getSpec().getOps().getMaxConcurrentTasks());
        if (!decision.granted()) {
          return waitFor(
              Reasons.WAITING_FOR_SLOT,
              "waiting for a free slot on TTESCluster "
                  + cluster.getMetadata().getName()
                  + ": "
                  + decision.describe(),
              settings.waitPoll());
        }
        // Write-ahead: this status is persisted before anything reaches AWS.
        status.setLaunchToken(launchToken(uid));
        unlaunchedTokens.add(status.getLaunchToken());
        status.setCommandLine(prepared.command().display());
        status.setReason(Reasons.STARTING);
        status.setMessage("starting " + prepared.command().display());
        return done(
            Outcome.reconciling(Reasons.STARTING, status.getMessage()), Optional.of(Duration.ZERO));
      }
      slots.markRunning(key, uid);
      masker = Optional.of(SecretMasker.of(values.values()));
      AwsServices services = aws.forTarget(targetOf(cluster));
      try {
        if (prepared.platform() == Platform.AMI) {
          launchAmi(prepared, values, services);
        } else {
          Launch refused = launchEcs(prepared, values, services);
          if (refused != null) {
            return runTaskRefused(refused);
          }
        }
      } catch (AwsException e) {
        return awsTrouble(e, true);
      } catch (SpecProblem problem) {
        return stalled(problem);
      }
      status.setPhase(OpsTaskPhase.Running);
      status.setReason(Reasons.RUNNING);
      status.setMessage(runningMessage());
      return done(
          Outcome.reconciling(Reasons.RUNNING, status.getMessage()),
          Optional.of(settings.fastPoll()));
    }

    /** Finds or starts the task; returns RunTask's failure when ECS started nothing. */
    Launch launchEcs(LaunchPlan prepared, Map<String, String> values, AwsServices services) {
      OpsTarget ops = cluster.getStatus().getOps();
      String token = status.getLaunchToken();
      Optional<TaskState> found =
          unlaunchedTokens.remove(token)
              ? Optional.empty()
              : services.ecs().findStartedBy(ops.getCluster(), token);
      if (found.isPresent()) {
        TaskState state = found.get();
        status.setTaskArn(state.taskArn());
        status.setStartedAt(format(state.startedAt() == null ? now() : state.startedAt()));
        events.add(
            new Event(
                EventType.Normal,
                Reasons.RUNNING,
                "found ECS task " + state.taskArn() + " launched before a restart; following it"));
      } else {
        String taskDefinition =
            latestRevision(targetOf(cluster), services, ops.getTaskDefinition());
        Launch launch =
            services
                .ecs()
                .launch(
                    new RunRequest(
                        ops.getCluster(),
                        taskDefinition,
                        prepared.launchType(),
                        List.copyOf(ops.getSubnets()),
                        List.copyOf(ops.getSecurityGroups()),
                        prepared.container(),
                        prepared.command().argv(values),
                        token,
                        clientToken(uid, refusals())));
        if (!launch.isStarted()) {
          // The revision may be gone (MISSING): resolve it again on the next attempt.
          revisions.remove(targetOf(cluster) + "/" + ops.getTaskDefinition());
          return launch;
        }
        String arn = launch.taskArn();
        status.setTaskArn(arn);
        status.setTaskDefinition(taskDefinition);
        status.setStartedAt(format(now()));
        status.setCommandLine(prepared.command().display());
        events.add(
            new Event(
                EventType.Normal,
                Reasons.RUNNING,
                "started ECS task " + arn + ": " + prepared.command().display()));
      }
      status.setEcsCluster(ops.getCluster());
      observer.track(targetOf(cluster), ops.getCluster(), status.getTaskArn());
      return null;
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
      return r.retry()
          ? waitFor(r.reason(), r.message(), UnknownResults.capacityRetry(settings.fastPoll()))
          : finish(OpsTaskPhase.Failed, null, r.reason(), r.message(), null);
    }

    void launchAmi(LaunchPlan prepared, Map<String, String> values, AwsServices services) {
      // Read at each launch: an AMI upgrade replaces the instance.
      String instanceId =
          AmiInstances.find(cluster.getSpec(), cluster.getMetadata().getName(), services.stacks());
      status.setInstanceId(instanceId);
      String token = status.getLaunchToken();
      Optional<String> found =
          unlaunchedTokens.remove(token)
              ? Optional.empty()
              : services.ssm().findByComment(instanceId, token, searchSince(task));
      if (found.isPresent()) {
        status.setTaskArn(found.get());
        events.add(
            new Event(
                EventType.Normal,
                Reasons.RUNNING,
                "found SSM command " + found.get() + " sent before a restart; following it"));
      } else {
        String line = prepared.command().shellLine(LaunchPlanner.amiPrefix(cluster), values);
        long seconds = Math.max(30, Math.min(172_800, prepared.timeout().toSeconds()));
        String commandId = services.ssm().send(instanceId, List.of(line), token, (int) seconds);
        status.setTaskArn(commandId);
        status.setCommandLine(prepared.command().display());
        events.add(
            new Event(
                EventType.Normal,
                Reasons.RUNNING,
                "sent SSM command "
                    + commandId
                    + " to "
                    + instanceId
                    + ": "
                    + prepared.command().display()));
      }
      status.setStartedAt(format(now()));
    }

    // ---- running: observe, finish, time out

    Step running() {
      slots.markRunning(clusterKey(task), uid);
      if (cluster == null) {
        return stalled(
            new SpecProblem(
                Reasons.CLUSTER_NOT_FOUND,
                "spec.clusterRef.name",
                "TTESCluster "
                    + clusterName(task)
                    + " not found; the task "
                    + status.getTaskArn()
                    + " cannot be observed until it is back"));
      }
      Duration timeout;
      try {
        timeout = LaunchPlanner.parseTimeout(task.getSpec().getTimeout());
      } catch (SpecProblem problem) {
        // Changed after start to something invalid; the task keeps the default limit.
        timeout = LaunchPlanner.parseTimeout(null);
      }
      AwsServices services = aws.forTarget(targetOf(cluster));
      try {
        return status.getEcsCluster() != null
            ? observeEcs(services, timeout)
            : observeAmi(services, timeout);
      } catch (AwsException e) {
        return awsTrouble(e, false);
      }
    }

    Step observeEcs(AwsServices services, Duration timeout) {
      String arn = status.getTaskArn();
      String ecsCluster = status.getEcsCluster();
      Optional<TaskState> observed =
          observer.observe(targetOf(cluster), services.ecs(), ecsCluster, arn, settings.fastPoll());
      if (observed.isEmpty()) {
        if (now().isBefore(startedAt().plus(settings.notFoundGrace()))) {
          return stillRunning();
        }
        return finish(
            OpsTaskPhase.Failed, null, Reasons.TASK_MISSING, UnknownResults.taskMissing(arn), null);
      }
      TaskState state = observed.get();
      if (state.stopped()) {
        Tail tail = ecsTail(services, state);
        Integer exit = state.exitCode();
        if (exit != null && exit == 0) {
          return finish(
              OpsTaskPhase.Succeeded, 0, Reasons.COMPLETED, "exited with code 0" + ran(), tail);
        }
        if (exit != null) {
          return finish(
              OpsTaskPhase.Failed,
              exit,
              Reasons.NON_ZERO_EXIT,
              "exited with code " + exit + ran() + detail(state.stoppedReason()),
              tail);
        }
        String why = state.stopCode() == null ? "" : state.stopCode();
        return finish(
            OpsTaskPhase.Failed,
            null,
            Reasons.STOPPED_BY_AWS,
            "stopped by ECS without an exit code: "
                + why
                + detail(state.stoppedReason())
                + detail(state.containerReason()),
            tail);
      }
      if (timedOut(timeout)) {
        services
            .ecs()
            .stop(
                ecsCluster,
                arn,
                "OpsTask timeout of " + LaunchPlanner.format(timeout) + " reached");
        return finish(
            OpsTaskPhase.Failed,
            null,
            Reasons.TIMEOUT,
            "stopped after the timeout of " + LaunchPlanner.format(timeout),
            ecsTail(services, state));
      }
      return stillRunning();
    }

    Step observeAmi(AwsServices services, Duration timeout) {
      String commandId = status.getTaskArn();
      String instanceId = AmiInstances.sentTo(status, cluster);
      Invocation invocation;
      try {
        invocation = services.ssm().invocation(commandId, instanceId);
      } catch (AwsException e) {
        if (e.kind() != AwsException.Kind.NOT_FOUND) {
          throw e;
        }
        if (now().isBefore(startedAt().plus(settings.notFoundGrace()))) {
          return stillRunning();
        }
        return finish(
            OpsTaskPhase.Failed,
            null,
            Reasons.INVOCATION_NOT_FOUND,
            UnknownResults.invocationNotFound(
                commandId, instanceId, LaunchPlanner.format(settings.notFoundGrace())),
            null);
      }
      if (invocation.finished()) {
        Tail tail = ssmTail(invocation);
        Integer code = invocation.responseCode();
        switch (invocation.status()) {
          case "Success":
            return finish(
                OpsTaskPhase.Succeeded, 0, Reasons.COMPLETED, "exited with code 0" + ran(), tail);
          case "Failed":
            if (code != null && code > 0) {
              return finish(
                  OpsTaskPhase.Failed,
                  code,
                  Reasons.NON_ZERO_EXIT,
                  "exited with code " + code + ran(),
                  tail);
            }
            return finish(
                OpsTaskPhase.Failed,
                null,
                Reasons.STOPPED_BY_AWS,
                "SSM reports the command failed without an exit code",
                tail);
          case "TimedOut":
            return finish(
                OpsTaskPhase.Failed, null, Reasons.TIMEOUT, "SSM timed the command out", tail);
          default:
            return finish(
                OpsTaskPhase.Failed,
                null,
                Reasons.STOPPED_BY_AWS,
                "SSM reports the command " + invocation.status(),
                tail);
        }
      }
      if (timedOut(timeout)) {
        services.ssm().cancel(commandId, instanceId);
        return finish(
            OpsTaskPhase.Failed,
            null,
            Reasons.TIMEOUT,
            "cancelled after the timeout of " + LaunchPlanner.format(timeout),
            ssmTail(invocation));
      }
      return stillRunning();
    }

    int refusals() {
      return status.getLaunchRefusals() == null ? 0 : status.getLaunchRefusals();
    }

    Step stillRunning() {
      status.setReason(Reasons.RUNNING);
      status.setMessage(runningMessage());
      return done(
          Outcome.reconciling(Reasons.RUNNING, status.getMessage()),
          Optional.of(settings.fastPoll()));
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
      status.setFinishedAt(format(now()));
      slots.release(uid);
      observer.forget(status.getTaskArn());
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
          Optional.empty());
    }

    Tail ecsTail(AwsServices services, TaskState state) {
      if (state.logGroup() == null || state.logStream() == null) {
        return null;
      }
      try {
        List<String> lines =
            LogTailReader.read(
                services.logs(), state.logGroup(), state.logStream(), LOG_TAIL_LINES);
        return new Tail(lines.isEmpty() ? null : String.join("\n", lines), null);
      } catch (AwsException e) {
        // The result matters more than the log: finish without it.
        return new Tail(null, e.operation() + " " + e.kind());
      }
    }

    Tail ssmTail(Invocation invocation) {
      List<String> lines = new ArrayList<>();
      for (String text : new String[] {invocation.stdout(), invocation.stderr()}) {
        if (text != null && !text.isEmpty()) {
          lines.addAll(Arrays.asList(text.split("\\R")));
        }
      }
      if (lines.isEmpty()) {
        return null;
      }
      List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      return new Tail(String.join("\n", last), null);
    }

    // ---- validation

    /** Reads every secretArg; the values live only in the caller's local variable. */
    Map<String, String> resolveSecrets() {
      return new SecretArgResolver(
              secrets,
              namespace(task),
              () -> {
                if (cluster == null) {
                  throw new SpecProblem(
                      Reasons.CLUSTER_NOT_FOUND,
                      "spec.clusterRef.name",
                      "the TTESCluster does not exist");
                }
                return aws.forTarget(targetOf(cluster)).secrets();
              })
          .resolve(task.getSpec().getSecretArgs(), SecretArgResolver.OPS_TASK_FIELDS);
    }

    // ---- outcomes

    Step stalled(SpecProblem problem) {
      if (status.getTaskArn() == null) {
        slots.release(uid);
      }
      status.setReason(problem.reason());
      status.setMessage(problem.getMessage());
      if (!problem.reason().equals(previous.getReason())
          || !problem.getMessage().equals(previous.getMessage())) {
        events.add(new Event(EventType.Warning, problem.reason(), problem.getMessage()));
      }
      Optional<Duration> again =
          REFERENCE_PROBLEMS.contains(problem.reason())
              ? Optional.of(settings.slowPoll())
              : Optional.empty();
      return done(Outcome.stalled(problem.reason(), problem.getMessage()), again);
    }

    Step waitFor(String reason, String message, Duration again) {
      if (!reason.equals(previous.getReason())) {
        events.add(new Event(EventType.Normal, reason, message));
      }
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
            Optional.of(settings.fastPoll().multipliedBy(2)));
      }
      String reason =
          e.kind() == AwsException.Kind.ACCESS_DENIED
              ? Reasons.ACCESS_DENIED
              : Reasons.AWS_REJECTED;
      if (launching) {
        slots.release(uid);
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
      conditions.apply(status, generation, outcome);
      return new Step(status, List.copyOf(events), again);
    }

    boolean specChangedAfterStart() {
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

    // ---- helpers

    Optional<SecretMasker> masker() {
      if (masker == null) {
        try {
          masker = Optional.of(SecretMasker.of(resolveSecrets().values()));
        } catch (RuntimeException e) { // SpecProblem included: the Secret is gone
          masker = Optional.empty();
        }
      }
      return masker;
    }

    String safeMessage(AwsException e) {
      Optional<SecretMasker> mask = masker();
      if (mask.isPresent()) {
        return mask.get().mask(e.getMessage());
      }
      return e.operation() + ": " + (e.errorCode() == null ? e.kind() : e.errorCode());
    }

    String detail(String awsText) {
      if (awsText == null || awsText.isBlank()) {
        return "";
      }
      return masker().map(m -> " (" + m.mask(awsText) + ")").orElse("");
    }

    String runningMessage() {
      String what =
          status.getEcsCluster() != null
              ? "ECS task " + status.getTaskArn()
              : "SSM command " + status.getTaskArn();
      return "running " + what + ": " + status.getCommandLine();
    }

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
  }

  // ---------------------------------------------------------------------------------------------

  /** A log tail (unmasked until {@code finish}), or why there is none. */
  private record Tail(String text, String problem) {
    @Override
    public String toString() {
      return "Tail[" + (text == null ? 0 : text.length()) + " chars]";
    }
  }

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** Where AWS calls for this cluster go. */
  public static AwsTarget targetOf(TTESCluster cluster) {
    return ClusterTarget.of(cluster);
  }

  /** The key under which tasks of one cluster share {@code maxConcurrentTasks}. */
  public static String clusterKey(OpsTask task) {
    return namespace(task) + "/" + clusterName(task);
  }

  /**
   * ECS startedBy and SSM comment for a launch. ECS allows 36 characters in startedBy, so the uid
   * is shortened to its first 28 hexadecimal digits (108 random bits of a UUIDv4: unique enough).
   */
  public static String launchToken(String uid) {
    // ECS allows 36 characters of startedBy: a digest of the whole uid, not a prefix of it, so
    // uids that share a prefix (sequential ones, as test API servers hand out) never collide.
    return TOKEN_PREFIX + Sha256.hex(uid, 28);
  }

  /** ECS RunTask clientToken: ECS answers a repeated RunTask with the same token idempotently. */
  public static String clientToken(String uid) {
    return clientToken(uid, 0);
  }

  /**
   * The clientToken of a launch after {@code refusals} RunTask answers without a task: ECS answers
   * a repeated token with its first answer for 24 hours, so a retry after failures[] needs a new
   * one (nothing was started under the old one; a task started under a new one is still found by
   * its startedBy after a crash).
   */
  static String clientToken(String uid, int refusals) {
    String suffix = refusals == 0 ? "" : "-r" + refusals;
    String token = TOKEN_PREFIX + uid;
    int room = 64 - suffix.length();
    return (token.length() <= room ? token : token.substring(0, room)) + suffix;
  }

  private static String format(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private Instant now() {
    return clock.instant();
  }

  /** Commands are looked up from a little before the OpsTask existed (clock skew). */
  private Instant searchSince(OpsTask task) {
    Instant created = created(task);
    return (created == null ? now().minus(Duration.ofDays(30)) : created)
        .minus(Duration.ofMinutes(5));
  }

  private static Instant created(OpsTask task) {
    String ts = task.getMetadata().getCreationTimestamp();
    try {
      return ts == null ? null : Instant.parse(ts);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String uidOf(OpsTask task) {
    String uid = task.getMetadata().getUid();
    if (isBlank(uid)) {
      throw new IllegalArgumentException(
          "OpsTask " + task.getMetadata().getName() + " has no metadata.uid");
    }
    return uid;
  }

  private static String namespace(OpsTask task) {
    String ns = task.getMetadata().getNamespace();
    return ns == null ? "" : ns;
  }

  private static String clusterName(OpsTask task) {
    return task.getSpec() == null || task.getSpec().getClusterRef() == null
        ? ""
        : task.getSpec().getClusterRef().getName();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * A deep copy, so the caller's object (and the informer cache behind it) is never changed. Made
   * by the Kubernetes serialization, so a field added to the status is copied without a line here.
   */
  static OpsTaskStatus copy(OpsTaskStatus in) {
    OpsTaskStatus out = in == null ? new OpsTaskStatus() : SERIALIZATION.clone(in);
    if (out.getConditions() == null) {
      out.setConditions(new ArrayList<>());
    }
    return out;
  }
}
