package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.cluster.ClusterTarget;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.digest.Sha256;
import io.ttes.operator.opstask.TaskPlatform.Started;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Reasons;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpsTask state machine. It takes the OpsTask as stored (its status is the write-ahead log), a
 * copy of that status to build the next one on, the TTESCluster it names (or null), a way to read
 * Secret keys and the AWS services, and returns the next status, the events to record and when to
 * come back. The caller (the reconciler) persists the status before acting on anything else, which
 * is what makes a launch safe across crashes: the launch token is written first, and only the step
 * after that reaches AWS, looking the task up by that token before starting one.
 *
 * <pre>
 * Pending ──slot──▶ Pending+launchToken ──find or launch──▶ Running ──▶ Succeeded | Failed
 * </pre>
 *
 * One reconcile's decisions are in {@link OpsTaskAttempt}; AWS is reached only through a {@link
 * TaskPlatform} (ECS or SSM) that a {@link PlatformConnector} connects. Secret values are read in
 * each step that needs them (launch, and masking at the end), kept in local variables only, and
 * never reach the returned status, events or exception messages.
 */
public final class OpsTaskFlow {
  /** Prefix of launch tokens: ECS startedBy, SSM comment. */
  public static final String TOKEN_PREFIX = "ttes-op-";

  /** Event reason when a running task is stopped because its OpsTask was deleted. */
  public static final String STOPPED_ON_DELETE = "StoppedOnDelete";

  /**
   * Stalled reason when RunTask says the task definition revision the TTESCluster resolved is
   * inactive or gone; retried after a slow poll with whatever revision the cluster then reports.
   */
  public static final String TASK_DEFINITION_INACTIVE = "TaskDefinitionInactive";

  /**
   * Reconciling reason while a failed attempt's backoff runs; {@code status.nextAttemptAt} says
   * when the next attempt starts.
   */
  public static final String WAITING_TO_RETRY = "WaitingToRetry";

  /** Reconciling reason of an OpsTask that spec.suspend holds before it starts. */
  public static final String SUSPENDED = "Suspended";

  /** Event reason when the ops.ttes.io/retry annotation starts a finished OpsTask again. */
  public static final String RETRY_REQUESTED = "RetryRequested";

  /**
   * When to come back.
   *
   * @param fastPoll while a task runs or a launch is under way
   * @param waitPoll while waiting for a slot or for the cluster to be Ready (a safety poll: both
   *     wake the task by events)
   * @param slowPoll after a problem a person must fix in something the OpsTask only references
   *     (cluster, Secret, IAM)
   * @param notFoundGrace how long ECS/SSM may not know a task just started before it counts as lost
   * @param defaultTtl how long a finished OpsTask without owner and without {@code
   *     spec.ttlSecondsAfterFinished} is kept (null: forever)
   */
  public record Settings(
      Duration fastPoll,
      Duration waitPoll,
      Duration slowPoll,
      Duration notFoundGrace,
      Duration defaultTtl) {
    /** Settings that keep finished OpsTasks unless their spec says otherwise. */
    public Settings(
        Duration fastPoll, Duration waitPoll, Duration slowPoll, Duration notFoundGrace) {
      this(fastPoll, waitPoll, slowPoll, notFoundGrace, null);
    }

    public static Settings from(OperatorConfig config) {
      return new Settings(
          config.fastPoll(),
          OpsTaskFlow.waitPoll(config.fastPoll(), config.slowPoll()),
          config.slowPoll(),
          Duration.ofMinutes(2),
          config.opsTaskTtlSeconds() == null
              ? null
              : Duration.ofSeconds(config.opsTaskTtlSeconds()));
    }
  }

  /**
   * The safety poll of waiting tasks: a freed slot wakes the next waiters at once ({@link
   * TaskSlots#onFreed}) and a cluster that becomes Ready wakes its tasks, so this only catches a
   * wake-up that was lost (a restart, a waiter that had dropped out of line). A minute, between the
   * fast and the slow poll.
   */
  static Duration waitPoll(Duration fastPoll, Duration slowPoll) {
    Duration minute = Duration.ofMinutes(1);
    Duration atLeast = fastPoll.compareTo(minute) > 0 ? fastPoll : minute;
    return atLeast.compareTo(slowPoll) < 0 ? atLeast : slowPoll;
  }

  /** Kubernetes event type. */
  public enum EventType {
    Normal,
    Warning
  }

  /** An event to record on the OpsTask. Messages never hold secret values. */
  public record Event(EventType type, String reason, String message) {}

  /**
   * The result of one step: the status to write, events to record, and when to run again (empty:
   * only on the next change). A reschedule of zero means "write the status, then run again at once"
   * (the launch token step).
   */
  public record Step(
      OpsTaskStatus status, List<Event> events, Optional<Duration> rescheduleAfter) {}

  private final Settings settings;
  private final Clock clock;
  private final TaskSlots slots;
  private final BatchedTaskObserver observer;
  private final ConditionWriter conditions;
  private final PlatformConnector connector;

  /**
   * Launch tokens this process wrote and has not launched yet. For these the lookup of a task
   * launched before a crash is skipped (two ListTasks saved per task): nothing can have been
   * launched with a token that only this process knows and has not used. After a restart the set is
   * empty, so every token found in a status is looked up.
   */
  private final Set<String> unlaunchedTokens = ConcurrentHashMap.newKeySet();

  public OpsTaskFlow(
      Settings settings, Clock clock, TaskSlots slots, BatchedTaskObserver observer) {
    this(
        settings,
        clock,
        slots,
        observer,
        PlatformConnector.aws(observer, settings.fastPoll(), settings.notFoundGrace(), clock));
  }

  /** A flow over other platforms (tests of the decisions). */
  OpsTaskFlow(
      Settings settings,
      Clock clock,
      TaskSlots slots,
      BatchedTaskObserver observer,
      PlatformConnector connector) {
    this.settings = settings;
    this.clock = clock;
    this.slots = slots;
    this.observer = observer;
    this.connector = connector;
    this.conditions = new ConditionWriter(clock);
  }

  /** The condition builder on this flow's clock (the reconciler's error path uses it too). */
  public ConditionWriter conditions() {
    return conditions;
  }

  /**
   * One reconcile step. {@code next} is a copy of the stored status (a new one when there is none)
   * that the step changes and returns; {@code cluster} is null when the referenced TTESCluster does
   * not exist.
   */
  public Step reconcile(
      OpsTask task,
      OpsTaskStatus next,
      TTESCluster cluster,
      SecretReader secrets,
      AwsServicesFactory aws) {
    return reconcile(task, next, cluster, secrets, aws, Optional.empty());
  }

  /**
   * One reconcile step of a task that {@code upgrade} may hold before it starts ({@link
   * UpgradeWindow}).
   */
  public Step reconcile(
      OpsTask task,
      OpsTaskStatus next,
      TTESCluster cluster,
      SecretReader secrets,
      AwsServicesFactory aws,
      Optional<UpgradeWindow.Hold> upgrade) {
    Objects.requireNonNull(task, "task");
    return new OpsTaskAttempt(this, task, next, cluster, secrets, aws, upgrade).run();
  }

  /**
   * Called when the OpsTask is deleted. Stops its task only when {@code spec.stopOnDelete} is true
   * and the task has not finished; otherwise makes no AWS call. Gives back the slot. The status in
   * the result is the stored one, unchanged. A reschedule in the result means "try again before
   * removing the finalizer" (AWS was briefly unavailable).
   */
  public Step cleanup(OpsTask task, TTESCluster cluster, AwsServicesFactory aws) {
    OpsTaskStatus status = task.getStatus() == null ? new OpsTaskStatus() : task.getStatus();
    String uid = uidOf(task);
    List<Event> events = new ArrayList<>();
    OpsTaskSpec spec = task.getSpec();
    boolean unfinished = status.getPhase() == null || !status.getPhase().isFinished();
    if (spec != null && spec.isStopOnDelete() && unfinished && cluster != null) {
      try {
        String stopped = stopOnDelete(task, status, cluster, aws);
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

  /** What was stopped ("ECS task arn"), or null when nothing was running. */
  private String stopOnDelete(
      OpsTask task, OpsTaskStatus status, TTESCluster cluster, AwsServicesFactory aws) {
    TaskPlatform platform = connector.forTask(status, task, cluster, aws);
    if (platform == null) {
      return null;
    }
    String id = status.getTaskArn();
    if (id == null && status.getLaunchToken() != null) {
      Optional<Started> found = platform.find(status.getLaunchToken());
      if (found.isEmpty() || found.get().finished()) {
        return null;
      }
      id = found.get().id();
    }
    if (id == null || !platform.stop(id, "OpsTask " + task.getMetadata().getName() + " deleted")) {
      return null;
    }
    return platform.describe(id);
  }

  Settings settings() {
    return settings;
  }

  Clock clock() {
    return clock;
  }

  TaskSlots slots() {
    return slots;
  }

  BatchedTaskObserver observer() {
    return observer;
  }

  PlatformConnector connector() {
    return connector;
  }

  Set<String> unlaunchedTokens() {
    return unlaunchedTokens;
  }

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

  /**
   * The launch token of attempt {@code attempt} (from 1): the first attempt's is {@link
   * #launchToken(String)}, each further one a digest of the uid and the attempt number, so a crash
   * between a retry's launch and its status write finds that attempt's task and no other.
   */
  public static String launchToken(String uid, int attempt) {
    return attempt <= 1 ? launchToken(uid) : TOKEN_PREFIX + Sha256.hex(uid + "/a" + attempt, 28);
  }

  /** ECS RunTask clientToken: ECS answers a repeated RunTask with the same token idempotently. */
  public static String clientToken(String uid) {
    return clientToken(uid, 0);
  }

  /**
   * The clientToken of the launch after {@code refusals} earlier launches (RunTask answers without
   * a task, and attempts before this one): ECS answers a repeated token with its first answer for
   * 24 hours, so each new launch needs a new one (a task started under a new one is still found by
   * its startedBy after a crash).
   */
  static String clientToken(String uid, int refusals) {
    String suffix = refusals == 0 ? "" : "-r" + refusals;
    String token = TOKEN_PREFIX + uid;
    int room = 64 - suffix.length();
    return (token.length() <= room ? token : token.substring(0, room)) + suffix;
  }

  /**
   * How long until a finished OpsTask is to be deleted ({@code spec.ttlSecondsAfterFinished}, else
   * the operator's default): empty while it runs, when it has an owner (it goes with its owner), or
   * when no TTL applies; zero when it is due.
   */
  public Optional<Duration> ttlLeft(OpsTask task) {
    return ttlLeft(task, task.getStatus());
  }

  Optional<Duration> ttlLeft(OpsTask task, OpsTaskStatus status) {
    if (status == null
        || status.getPhase() == null
        || !status.getPhase().isFinished()
        || status.getFinishedAt() == null
        || !task.getMetadata().getOwnerReferences().isEmpty()) {
      return Optional.empty();
    }
    Integer seconds = task.getSpec() == null ? null : task.getSpec().getTtlSecondsAfterFinished();
    Duration ttl = seconds == null ? settings.defaultTtl() : Duration.ofSeconds(seconds);
    if (ttl == null) {
      return Optional.empty();
    }
    Instant due;
    try {
      due = Instant.parse(status.getFinishedAt()).plus(ttl);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    Duration left = Duration.between(clock.instant(), due);
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  /** The value of the ops.ttes.io/retry annotation, or null. */
  static String retryRequest(OpsTask task) {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ApiGroup.RETRY_ANNOTATION);
  }

  /**
   * True when a reconcile has nothing to do: the OpsTask finished, its spec was seen, and no new
   * retry annotation value asks for another attempt.
   */
  public static boolean settled(OpsTask task) {
    OpsTaskStatus s = task.getStatus();
    if (s == null || s.getPhase() == null || !s.getPhase().isFinished()) {
      return false;
    }
    String retry = retryRequest(task);
    return s.getObservedGeneration() != null
        && s.getObservedGeneration().equals(task.getMetadata().getGeneration())
        && (retry == null || retry.equals(s.getRetryRequest()));
  }

  static String format(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static Instant created(OpsTask task) {
    String ts = task.getMetadata().getCreationTimestamp();
    try {
      return ts == null ? null : Instant.parse(ts);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String uidOf(OpsTask task) {
    String uid = task.getMetadata().getUid();
    if (isBlank(uid)) {
      throw new IllegalArgumentException(
          "OpsTask " + task.getMetadata().getName() + " has no metadata.uid");
    }
    return uid;
  }

  static String namespace(OpsTask task) {
    String ns = task.getMetadata().getNamespace();
    return ns == null ? "" : ns;
  }

  static String clusterName(OpsTask task) {
    return task.getSpec() == null || task.getSpec().getClusterRef() == null
        ? ""
        : task.getSpec().getClusterRef().getName();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
