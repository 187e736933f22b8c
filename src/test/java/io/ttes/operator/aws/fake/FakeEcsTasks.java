package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.EcsTasks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * ECS one-off tasks in memory. Every {@link #run} is recorded; a task is RUNNING until its rule
 * stops it: after a number of describes (default: RUNNING for the first describe, STOPPED from the
 * second), or once the clock passes its start plus a run time. What a command exits with and logs
 * is scripted with {@link #whenCommand}. RunTask honours {@code clientToken} like ECS (same token,
 * same task) and enforces ECS's input limits ({@code startedBy} ≤ 36 characters, {@code
 * clientToken} ≤ 64). Thread-safe.
 *
 * <p>As AWS documents it:
 *
 * <ul>
 *   <li>RunTask can answer HTTP 200 with {@code failures[]} and no task (RESOURCE:MEMORY, AGENT,
 *       MISSING, ...), scripted with {@link #answerRunTaskWithFailure}
 *       (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html,
 *       https://docs.aws.amazon.com/AmazonECS/latest/developerguide/api_failures_messages.html).
 *   <li>"Currently, stopped tasks appear in the returned results for at least one hour"
 *       (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html): a task
 *       stopped longer ago than {@link #STOPPED_RETENTION} is answered in {@code failures[]} with
 *       reason MISSING (absent from {@link #describe}) and no longer listed by ListTasks.
 *   <li>"If you retry a request that completed successfully using the same client token and the
 *       same parameters, the retry succeeds without performing any further actions", the original
 *       result being returned for 24 hours; other parameters with the same token are a
 *       ConflictException
 *       (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html). A
 *       failures[] answer is such a completed request: it is repeated for its token.
 *   <li>A stopped task carries a {@code stopCode}: {@code TaskFailedToStart}, {@code
 *       EssentialContainerExited}, {@code UserInitiated}, {@code ServiceSchedulerInitiated}, {@code
 *       SpotInterruption} or {@code TerminationNotice}
 *       (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html,
 *       https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html);
 *       how the next tasks end is scripted with {@link #endNextTasks}.
 * </ul>
 */
public final class FakeEcsTasks implements EcsTasks {
  public static final String RUN_TASK = "ECS.RunTask";
  public static final String DESCRIBE_TASKS = "ECS.DescribeTasks";
  public static final String LIST_TASKS = "ECS.ListTasks";
  public static final String STOP_TASK = "ECS.StopTask";
  public static final String DESCRIBE_TASK_DEFINITION = "ECS.DescribeTaskDefinition";

  public static final String ACCOUNT = "123456789012";
  public static final String REGION = "eu-west-1";
  public static final String LOG_GROUP = "/ecs/ttes-ops";

  /** How long ECS keeps showing a stopped task (documented as "at least one hour"). */
  public static final Duration STOPPED_RETENTION = Duration.ofHours(1);

  private static final Pattern STARTED_BY = Pattern.compile("^[A-Za-z0-9_/-]{1,36}$");

  private final CallLog calls;
  private final Clock clock;
  private final FakeTaskLogs logs;

  private final Map<String, TreeSet<Integer>> activeRevisions = new HashMap<>();
  private final Map<String, Task> tasks = new LinkedHashMap<>();
  private final Map<String, String> byClientToken = new HashMap<>();
  private final List<RunRequest> runRequests = new ArrayList<>();
  private final List<CommandScript> scripts = new ArrayList<>();
  private final List<String> stopReasons = new ArrayList<>();
  private Rule defaultRule = Rule.describes(1);
  private int sequence;
  private int maxRunning;
  private Duration stoppedRetention = STOPPED_RETENTION;
  private final Deque<Launch> runFailures = new ArrayDeque<>();
  private final Deque<Ending> nextEndings = new ArrayDeque<>();
  private int missingAnswers;
  private final Map<String, Answered> answeredTokens = new HashMap<>();

  /** The first answer to a client token, which ECS repeats for that token. */
  private record Answered(RunRequest request, Launch launch) {}

  public FakeEcsTasks(CallLog calls, Clock clock, FakeTaskLogs logs) {
    this.calls = calls;
    this.clock = clock;
    this.logs = logs;
  }

  // ---- set-up

  /** Registers ACTIVE revisions of a task definition family. */
  public synchronized FakeEcsTasks taskDefinition(String family, int... revisions) {
    TreeSet<Integer> set = activeRevisions.computeIfAbsent(family, k -> new TreeSet<>());
    Arrays.stream(revisions).forEach(set::add);
    return this;
  }

  /** Marks a revision INACTIVE. */
  public synchronized void deregister(String family, int revision) {
    TreeSet<Integer> set = activeRevisions.get(family);
    if (set != null) {
      set.remove(revision);
    }
  }

  /** ARN of a task definition revision, as ECS writes it. */
  public static String taskDefinitionArn(String family, int revision) {
    return "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":task-definition/" + family + ":" + revision;
  }

  /** Tasks report RUNNING to their first {@code describes} describes, STOPPED afterwards. */
  public synchronized FakeEcsTasks stopAfterDescribes(int describes) {
    defaultRule = Rule.describes(describes);
    return this;
  }

  /** Tasks stop once the clock is {@code runTime} past their start. */
  public synchronized FakeEcsTasks stopAfter(Duration runTime) {
    defaultRule = Rule.time(runTime);
    return this;
  }

  /** Tasks run until stopped by {@link #stop} or {@link #finish}. */
  public synchronized FakeEcsTasks neverStop() {
    defaultRule = Rule.NEVER;
    return this;
  }

  /**
   * Scripts tasks whose command starts with {@code prefix} (binary included, e.g. {@code
   * ["tti-lw-stack", "is-db"]}); the longest matching prefix wins, the latest on a tie.
   */
  public synchronized CommandScript whenCommand(List<String> prefix) {
    CommandScript script = new CommandScript(List.copyOf(prefix));
    scripts.add(script);
    return script;
  }

  /** What a scripted command does. */
  public final class CommandScript {
    private final List<String> prefix;
    private int exitCode;
    private List<String> lines = List.of();
    private String awsStopReason;
    private Rule rule;

    private CommandScript(List<String> prefix) {
      this.prefix = prefix;
    }

    public CommandScript exitCode(int code) {
      synchronized (FakeEcsTasks.this) {
        this.exitCode = code;
      }
      return this;
    }

    /** Lines the command writes to its log stream. */
    public CommandScript logs(String... lines) {
      synchronized (FakeEcsTasks.this) {
        this.lines = List.of(lines);
      }
      return this;
    }

    /** The task is stopped by ECS with no container exit code (e.g. an image pull failure). */
    public CommandScript stoppedByAws(String stoppedReason) {
      synchronized (FakeEcsTasks.this) {
        this.awsStopReason = stoppedReason;
      }
      return this;
    }

    public CommandScript stopAfterDescribes(int describes) {
      synchronized (FakeEcsTasks.this) {
        this.rule = Rule.describes(describes);
      }
      return this;
    }

    public CommandScript runFor(Duration runTime) {
      synchronized (FakeEcsTasks.this) {
        this.rule = Rule.time(runTime);
      }
      return this;
    }

    public CommandScript neverStop() {
      synchronized (FakeEcsTasks.this) {
        this.rule = Rule.NEVER;
      }
      return this;
    }
  }

  /** Stopped tasks are answered MISSING once they stopped longer ago than {@code retention}. */
  public synchronized FakeEcsTasks forgetStoppedAfter(Duration retention) {
    this.stoppedRetention = retention;
    return this;
  }

  /**
   * The next {@code times} RunTask calls answer HTTP 200 with {@code failures[]} holding this
   * reason and detail, and start nothing (for example {@code RESOURCE:MEMORY}, or {@code MISSING}
   * with the task definition's ARN as detail).
   */
  public synchronized FakeEcsTasks answerRunTaskWithFailure(
      String reason, String detail, int times) {
    for (int i = 0; i < times; i++) {
      runFailures.add(Launch.failed(reason, detail));
    }
    return this;
  }

  /**
   * How a task stopped by itself ends: its stop code, the container's exit code (null: none) and
   * ECS's stoppedReason.
   */
  public record Ending(String stopCode, Integer exitCode, String stoppedReason) {
    /** ECS could not start it (image pull, ENI, secrets): no exit code. */
    public static Ending failedToStart(String stoppedReason) {
      return new Ending("TaskFailedToStart", null, stoppedReason);
    }

    /** Fargate Spot took the capacity back: the container got SIGTERM. */
    public static Ending spotInterruption() {
      return new Ending("SpotInterruption", 143, "Your Spot Task was interrupted.");
    }

    /** The command exited with {@code code}. */
    public static Ending exit(int code) {
      return new Ending("EssentialContainerExited", code, "Essential container in task exited");
    }
  }

  /**
   * The next tasks started end as given, one each in start order, when their rule stops them
   * (instead of their command script's exit); later tasks follow the scripts again.
   */
  public synchronized FakeEcsTasks endNextTasks(Ending... endings) {
    nextEndings.addAll(List.of(endings));
    return this;
  }

  // ---- inspection

  /** How many task ARNs DescribeTasks answered in failures[] with reason MISSING. */
  public synchronized int missingAnswers() {
    return missingAnswers;
  }

  /** Every RunTask request received, including repeats with a known client token. */
  public synchronized List<RunRequest> runRequests() {
    return List.copyOf(runRequests);
  }

  /** ARNs of the tasks actually started, in order. */
  public synchronized List<String> startedTasks() {
    return List.copyOf(tasks.keySet());
  }

  /** The request that started a task. */
  public synchronized RunRequest requestOf(String taskArn) {
    return task(taskArn).request;
  }

  /** A task's state as of now, without counting as a describe or recording a call. */
  public synchronized TaskState peek(String taskArn) {
    return task(taskArn).state(clock.instant(), false);
  }

  /** Tasks not yet stopped, as of now. */
  public synchronized int runningCount() {
    Instant now = clock.instant();
    return (int) tasks.values().stream().filter(t -> !t.state(now, false).stopped()).count();
  }

  /** The most tasks that were running at once, measured at each start. */
  public synchronized int maxRunningAtOnce() {
    return maxRunning;
  }

  /** Reasons given to StopTask, in order. */
  public synchronized List<String> stopReasons() {
    return List.copyOf(stopReasons);
  }

  /** Stops a task now with {@code exitCode}, as if its command ended. */
  public synchronized void finish(String taskArn, int exitCode) {
    task(taskArn).stop(clock.instant(), exitCode, "EssentialContainerExited", null);
  }

  // ---- EcsTasks

  @Override
  public String latestActiveRevision(String familyOrArn) {
    calls.call(DESCRIBE_TASK_DEFINITION);
    synchronized (this) {
      String family = familyOrArn;
      int slash = family.lastIndexOf('/');
      if (slash >= 0) {
        family = family.substring(slash + 1);
      }
      int colon = family.indexOf(':');
      if (colon >= 0) {
        family = family.substring(0, colon);
      }
      TreeSet<Integer> revisions = activeRevisions.get(family);
      if (revisions == null || revisions.isEmpty()) {
        throw CallLog.notFound(DESCRIBE_TASK_DEFINITION, "Unable to describe task definition.");
      }
      return taskDefinitionArn(family, revisions.last());
    }
  }

  @Override
  public String run(RunRequest request) {
    Launch launch = launch(request);
    if (!launch.isStarted()) {
      throw new AwsException(
          launch.isTransient() ? AwsException.Kind.RETRYABLE : AwsException.Kind.INVALID_INPUT,
          RUN_TASK,
          "TaskFailure",
          launch.describeFailure());
    }
    return launch.taskArn();
  }

  @Override
  public Launch launch(RunRequest request) {
    calls.call(RUN_TASK);
    synchronized (this) {
      runRequests.add(request);
      validate(request);
      Answered first =
          request.clientToken() == null ? null : answeredTokens.get(request.clientToken());
      if (first != null) {
        if (!first.request().taskDefinition().equals(request.taskDefinition())
            || !first.request().command().equals(request.command())) {
          throw new AwsException(
              AwsException.Kind.INVALID_INPUT,
              RUN_TASK,
              "ConflictException",
              "The client token was used with different parameters.");
        }
        return first.launch();
      }
      Launch launch = runFailures.isEmpty() ? Launch.started(start(request)) : runFailures.poll();
      if (request.clientToken() != null) {
        answeredTokens.put(request.clientToken(), new Answered(request, launch));
      }
      return launch;
    }
  }

  /** Starts a task (the caller holds the lock); a known client token answers its task. */
  private String start(RunRequest request) {
    if (request.clientToken() != null && byClientToken.containsKey(request.clientToken())) {
      return byClientToken.get(request.clientToken());
    }
    TreeSet<Integer> revisions = activeRevisions.get(familyOf(request.taskDefinition()));
    int revision = revisionOf(request);
    if (revisions == null
        || revisions.isEmpty()
        || (revision >= 0 && !revisions.contains(revision))) {
      throw CallLog.invalid(RUN_TASK, "TaskDefinition is inactive or not found.");
    }
    String id = String.format("%032x", ++sequence);
    String arn = "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":task/" + request.cluster() + "/" + id;
    CommandScript script = scriptFor(request.command());
    Task task = new Task(arn, request, clock.instant(), script);
    tasks.put(arn, task);
    if (request.clientToken() != null) {
      byClientToken.put(request.clientToken(), arn);
    }
    if (script != null && !script.lines.isEmpty()) {
      logs.append(LOG_GROUP, task.logStream, script.lines);
    }
    maxRunning = Math.max(maxRunning, runningCount());
    return arn;
  }

  @Override
  public Optional<TaskState> findStartedBy(String cluster, String startedBy) {
    calls.call(LIST_TASKS);
    Task found;
    synchronized (this) {
      found =
          tasks.values().stream()
              .filter(t -> sameCluster(t.request.cluster(), cluster))
              .filter(t -> startedBy.equals(t.request.startedBy()))
              .filter(t -> !forgotten(t, clock.instant()))
              .reduce((first, second) -> second)
              .orElse(null);
    }
    if (found == null) {
      return Optional.empty();
    }
    calls.call(DESCRIBE_TASKS);
    synchronized (this) {
      return Optional.of(found.state(clock.instant(), false));
    }
  }

  @Override
  public Map<String, TaskState> describe(String cluster, Collection<String> taskArns) {
    List<String> arns = List.copyOf(taskArns);
    Map<String, TaskState> result = new LinkedHashMap<>();
    for (int from = 0; from < arns.size(); from += 100) {
      calls.call(DESCRIBE_TASKS);
      synchronized (this) {
        Instant now = clock.instant();
        for (String arn : arns.subList(from, Math.min(arns.size(), from + 100))) {
          Task task = tasks.get(arn);
          if (task != null && sameCluster(task.request.cluster(), cluster)) {
            TaskState state = task.state(now, true);
            if (forgotten(task, now)) {
              missingAnswers++;
            } else {
              result.put(arn, state);
            }
          } else {
            missingAnswers++;
          }
        }
      }
    }
    return result;
  }

  @Override
  public void stop(String cluster, String taskArn, String reason) {
    calls.call(STOP_TASK);
    synchronized (this) {
      Task task = tasks.get(taskArn);
      if (task == null || !sameCluster(task.request.cluster(), cluster)) {
        throw CallLog.notFound(STOP_TASK, "The referenced task was not found.");
      }
      stopReasons.add(reason);
      if (!task.state(clock.instant(), false).stopped()) {
        // SIGTERM to the container.
        task.stop(clock.instant(), 143, "UserInitiated", reason);
      }
    }
  }

  // ---- internals

  private boolean forgotten(Task task, Instant now) {
    TaskState state = task.state(now, false);
    return state.stopped()
        && state.stoppedAt() != null
        && now.isAfter(state.stoppedAt().plus(stoppedRetention));
  }

  private static void validate(RunRequest r) {
    if (r.startedBy() != null && !STARTED_BY.matcher(r.startedBy()).matches()) {
      throw CallLog.invalid(
          RUN_TASK,
          "startedBy: up to 36 letters, numbers, hyphens, forward slashes and underscores");
    }
    if (r.clientToken() != null && r.clientToken().length() > 64) {
      throw CallLog.invalid(RUN_TASK, "clientToken: up to 64 ASCII characters");
    }
    if (r.command() == null || r.command().isEmpty()) {
      throw CallLog.invalid(RUN_TASK, "command override is empty");
    }
    if ("FARGATE".equals(r.launchType()) && (r.subnets() == null || r.subnets().isEmpty())) {
      throw CallLog.invalid(
          RUN_TASK,
          "Network Configuration must be provided when networkMode" + " 'awsvpc' is specified.");
    }
  }

  private CommandScript scriptFor(List<String> command) {
    CommandScript best = null;
    for (CommandScript s : scripts) {
      boolean matches =
          command.size() >= s.prefix.size() && command.subList(0, s.prefix.size()).equals(s.prefix);
      if (matches && (best == null || s.prefix.size() >= best.prefix.size())) {
        best = s;
      }
    }
    return best;
  }

  private Task task(String taskArn) {
    Task task = tasks.get(taskArn);
    if (task == null) {
      throw new IllegalArgumentException("no task " + taskArn);
    }
    return task;
  }

  private static String familyOf(String taskDefinition) {
    String s = taskDefinition.substring(taskDefinition.lastIndexOf('/') + 1);
    int colon = s.indexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  private static int revisionOf(RunRequest r) {
    String td = r.taskDefinition();
    int colon = td.lastIndexOf(':');
    try {
      return Integer.parseInt(td.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean sameCluster(String a, String b) {
    return a.equals(b) || a.endsWith("/" + b) || b.endsWith("/" + a);
  }

  /** When a task stops by itself. */
  private record Rule(int describes, Duration runTime) {
    static final Rule NEVER = new Rule(-1, null);

    static Rule describes(int n) {
      return new Rule(n, null);
    }

    static Rule time(Duration d) {
      return new Rule(-1, d);
    }
  }

  private final class Task {
    final String arn;
    final RunRequest request;
    final Instant startedAt;
    final String logStream;
    final int exitCode;
    final String awsStopReason;
    final Rule rule;
    final Ending ending;
    int describes;
    TaskState stopped;

    Task(String arn, RunRequest request, Instant startedAt, CommandScript script) {
      this.arn = arn;
      this.request = request;
      this.startedAt = startedAt;
      this.logStream = "ecs/" + request.container() + "/" + arn.substring(arn.lastIndexOf('/') + 1);
      this.exitCode = script == null ? 0 : script.exitCode;
      this.awsStopReason = script == null ? null : script.awsStopReason;
      this.rule = script != null && script.rule != null ? script.rule : defaultRule;
      this.ending = nextEndings.poll();
    }

    TaskState state(Instant now, boolean countDescribe) {
      if (stopped != null) {
        return stopped;
      }
      if (countDescribe) {
        describes++;
      }
      if (rule.describes() >= 0 && describes > rule.describes()) {
        stopByItself(now);
      } else if (rule.runTime() != null && !now.isBefore(startedAt.plus(rule.runTime()))) {
        stopByItself(startedAt.plus(rule.runTime()));
      }
      if (stopped != null) {
        return stopped;
      }
      return new TaskState(
          arn, "RUNNING", null, null, null, null, startedAt, null, LOG_GROUP, logStream);
    }

    void stopByItself(Instant at) {
      if (ending != null) {
        stop(at, ending.exitCode(), ending.stopCode(), ending.stoppedReason());
      } else if (awsStopReason != null) {
        stopped =
            new TaskState(
                arn,
                "STOPPED",
                "TaskFailedToStart",
                awsStopReason,
                null,
                null,
                startedAt,
                at,
                LOG_GROUP,
                logStream);
      } else {
        stop(at, exitCode, "EssentialContainerExited", "Essential container in task exited");
      }
    }

    void stop(Instant at, Integer code, String stopCode, String reason) {
      stopped =
          new TaskState(
              arn, "STOPPED", stopCode, reason, code, null, startedAt, at, LOG_GROUP, logStream);
    }
  }
}
