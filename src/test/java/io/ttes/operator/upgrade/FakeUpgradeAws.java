package io.ttes.operator.upgrade;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.EcsTasks;
import io.ttes.operator.aws.SecretStore;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.SsmCommands;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackEvent;
import io.ttes.operator.aws.TaskLogs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * An in-memory CloudFormation + snapshots for StackUpgrade tests. Stacks, template summaries and
 * the changes a change set shows are scripted; change sets, stack updates and snapshots move one
 * state per read so that the reconciler has to come back for them. Counts calls by operation and
 * keeps a timeline of mutating calls. Thread-safe (the operator's threads and the test share it).
 */
final class FakeUpgradeAws implements AwsServicesFactory, AwsServices {
  static final String NO_CHANGES_REASON =
      "The submitted information didn't contain changes. Submit different information to create a"
          + " change set.";

  /** A scripted stack. */
  static final class FakeStack {
    final String name;
    String status = "UPDATE_COMPLETE";
    Map<String, String> parameters = new LinkedHashMap<>();
    Map<String, String> outputs = new LinkedHashMap<>();
    Map<String, String> tags = new LinkedHashMap<>();
    Instant lastUpdated = Instant.parse("2026-01-01T00:00:00Z");
    final List<StackEvent> events = new ArrayList<>();

    /** Reads left before a running update ends. */
    int updateReadsLeft;

    /** How the next update ends: UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ... */
    String updateEndsIn = "UPDATE_COMPLETE";

    String failureReason;
    FakeChangeSet executing;

    FakeStack(String name) {
      this.name = name;
    }
  }

  /** A change set as stored. */
  static final class FakeChangeSet {
    String id;
    String name;
    String stack;
    String status = "CREATE_PENDING";
    String executionStatus = "UNAVAILABLE";
    String statusReason;
    ChangeSetRequest request;
    List<ResourceChange> changes;
    int readsUntilComplete;
  }

  /** A snapshot as stored. */
  static final class FakeSnapshot {
    Snapshots.SnapshotRequest request;
    Snapshots.Status status = Snapshots.Status.CREATING;
    int readsUntilAvailable;
  }

  private final Map<String, FakeStack> stacks = new LinkedHashMap<>();
  private final Map<String, ChangeSets.TemplateSummary> templates = new HashMap<>();
  private final Map<String, FakeChangeSet> changeSets = new LinkedHashMap<>();
  private final Map<String, FakeSnapshot> snapshots = new LinkedHashMap<>();
  private final Map<String, Integer> calls = new TreeMap<>();
  private final List<String> timeline = new ArrayList<>();
  private final Map<String, List<ResourceChange>> scriptedChanges = new HashMap<>();
  private final Map<String, String> failingSnapshots = new HashMap<>();
  private BiFunction<FakeStack, ChangeSetRequest, List<ResourceChange>> defaultChanges =
      FakeUpgradeAws::parameterChanges;
  private int changeSetReads = 1;
  private int updateReads = 2;
  private int snapshotReads = 2;
  private int counter;

  private final Stacks stacksApi = new StacksApi();
  private final ChangeSets changeSetsApi = new ChangeSetsApi();
  private final Snapshots snapshotsApi = new SnapshotsApi();
  private final EcsTasks ecs = new EcsApi();
  private final TaskLogs logs = new LogsApi();
  private final Map<String, EcsTasks.TaskState> tasks = new LinkedHashMap<>();
  private final Map<String, String> tasksByStartedBy = new HashMap<>();
  private final Map<String, List<String>> logLines = new HashMap<>();
  private final java.util.Set<String> failingCommands = new java.util.HashSet<>();

  // ------------------------------------------------------------------ scripting

  synchronized FakeStack stack(String name) {
    return stacks.computeIfAbsent(name, FakeStack::new);
  }

  synchronized void template(String url, ChangeSets.TemplateSummary summary) {
    templates.put(url, summary);
  }

  /** The changes every change set of this stack shows (instead of the parameter diff). */
  synchronized void changesFor(String stack, List<ResourceChange> changes) {
    scriptedChanges.put(stack, changes);
  }

  /** The next update of this stack rolls back, with a failed event giving {@code reason}. */
  synchronized void failUpdate(String stack, String endsIn, String reason) {
    FakeStack s = stack(stack);
    s.updateEndsIn = endsIn;
    s.failureReason = reason;
  }

  /** Ops tasks running this command (words after the binary) exit with 3. */
  synchronized void failCommand(String command) {
    failingCommands.add(command);
  }

  synchronized void failSnapshot(String name, String message) {
    failingSnapshots.put(name, message);
  }

  /** Marks every AVAILABLE change set of the stack OBSOLETE, as after an outside update. */
  synchronized void obsolete(String stack) {
    changeSets.values().stream()
        .filter(c -> c.stack.equals(stack) && "AVAILABLE".equals(c.executionStatus))
        .forEach(c -> c.executionStatus = "OBSOLETE");
  }

  synchronized void speeds(int changeSetReads, int updateReads, int snapshotReads) {
    this.changeSetReads = changeSetReads;
    this.updateReads = updateReads;
    this.snapshotReads = snapshotReads;
  }

  // ------------------------------------------------------------------ observing

  synchronized int calls(String operation) {
    return calls.getOrDefault(operation, 0);
  }

  synchronized Map<String, Integer> calls() {
    return new TreeMap<>(calls);
  }

  /** Calls that change something on AWS (create, execute, delete, snapshot). */
  synchronized int mutatingCalls() {
    return calls("CreateChangeSetCalls")
        + calls("ExecuteChangeSet")
        + calls("DeleteChangeSet")
        + calls("EnsureSnapshot");
  }

  /** Mutating calls in order: "create:<stack>:<name>", "execute:<stack>:<name>", ... */
  synchronized List<String> timeline() {
    return List.copyOf(timeline);
  }

  synchronized void note(String entry) {
    timeline.add(entry);
  }

  synchronized List<FakeChangeSet> storedChangeSets() {
    return List.copyOf(changeSets.values());
  }

  synchronized List<FakeSnapshot> storedSnapshots() {
    return List.copyOf(snapshots.values());
  }

  private void count(String operation) {
    calls.merge(operation, 1, Integer::sum);
  }

  // ------------------------------------------------------------------ AwsServices

  @Override
  public AwsServices forTarget(AwsTarget target) {
    return this;
  }

  @Override
  public Stacks stacks() {
    return stacksApi;
  }

  @Override
  public ChangeSets changeSets() {
    return changeSetsApi;
  }

  @Override
  public EcsTasks ecs() {
    return ecs;
  }

  @Override
  public SsmCommands ssm() {
    throw new UnsupportedOperationException("ssm");
  }

  @Override
  public TaskLogs logs() {
    return logs;
  }

  @Override
  public Snapshots snapshots() {
    return snapshotsApi;
  }

  @Override
  public SecretStore secrets() {
    throw new UnsupportedOperationException("secrets");
  }

  /** Default changes: one Modify per parameter whose value the change set would change. */
  private static List<ResourceChange> parameterChanges(FakeStack stack, ChangeSetRequest r) {
    List<ResourceChange> out = new ArrayList<>();
    for (Map.Entry<String, String> e : r.parameters().entrySet()) {
      if (!e.getValue().equals(stack.parameters.get(e.getKey()))) {
        out.add(
            new ResourceChange(
                "Modify",
                "Uses" + e.getKey(),
                stack.name + "-" + e.getKey(),
                "AWS::ECS::Service",
                "False"));
      }
    }
    return out;
  }

  /** ECS ops tasks: each runs once, reads RUNNING, then STOPPED with its exit code. */
  private final class EcsApi implements EcsTasks {
    @Override
    public String latestActiveRevision(String familyOrArn) {
      return "arn:aws:ecs:eu-west-1:123456789012:task-definition/ops:1";
    }

    @Override
    public String run(RunRequest request) {
      synchronized (FakeUpgradeAws.this) {
        count("RunTask");
        String existing = tasksByStartedBy.get(request.startedBy());
        if (existing != null) {
          return existing;
        }
        List<String> words = request.command();
        List<String> args = words.isEmpty() ? words : words.subList(1, words.size());
        String command = String.join(" ", args);
        boolean fail = failingCommands.contains(command);
        String arn = "arn:aws:ecs:eu-west-1:123456789012:task/c1/" + (++counter);
        tasksByStartedBy.put(request.startedBy(), arn);
        tasks.put(
            arn,
            new TaskState(arn, "RUNNING", null, null, null, null, Instant.now(), null, "ops", arn));
        logLines.put(arn, fail ? List.of("starting", "error: relation missing") : List.of("done"));
        tasks.put(
            arn + "#end",
            new TaskState(
                arn,
                "STOPPED",
                "EssentialContainerExited",
                "Essential container in task exited",
                fail ? 3 : 0,
                null,
                Instant.now(),
                Instant.now(),
                "ops",
                arn));
        note("migration:" + command);
        return arn;
      }
    }

    @Override
    public Optional<TaskState> findStartedBy(String cluster, String startedBy) {
      synchronized (FakeUpgradeAws.this) {
        String arn = tasksByStartedBy.get(startedBy);
        return arn == null ? Optional.empty() : Optional.of(tasks.get(arn));
      }
    }

    @Override
    public Map<String, TaskState> describe(String cluster, Collection<String> taskArns) {
      synchronized (FakeUpgradeAws.this) {
        count("DescribeTasks");
        Map<String, TaskState> out = new LinkedHashMap<>();
        for (String arn : taskArns) {
          TaskState end = tasks.get(arn + "#end");
          if (end != null) {
            // One read RUNNING, then stopped.
            out.put(arn, tasks.get(arn));
            tasks.put(arn, end);
          }
        }
        return out;
      }
    }

    @Override
    public void stop(String cluster, String taskArn, String reason) {}
  }

  private final class LogsApi implements TaskLogs {
    @Override
    public List<String> tail(String logGroup, String logStream, int maxLines) {
      synchronized (FakeUpgradeAws.this) {
        return logLines.getOrDefault(logStream, List.of());
      }
    }
  }

  private final class StacksApi implements Stacks {
    @Override
    public Map<String, StackInfo> describe(Collection<String> names) {
      synchronized (FakeUpgradeAws.this) {
        count("DescribeStacks");
        Map<String, StackInfo> out = new LinkedHashMap<>();
        for (String n : names) {
          FakeStack s = stacks.get(n);
          if (s == null) {
            continue;
          }
          advance(s);
          out.put(
              n,
              new StackInfo(
                  n,
                  "arn:aws:cloudformation:eu-west-1:123456789012:stack/" + n + "/1",
                  s.status,
                  null,
                  s.lastUpdated,
                  Map.copyOf(s.parameters),
                  Map.copyOf(s.outputs),
                  Map.copyOf(s.tags)));
        }
        return out;
      }
    }

    private void advance(FakeStack s) {
      if (s.executing == null || !s.status.endsWith("_IN_PROGRESS")) {
        return;
      }
      if (s.updateReadsLeft-- > 0) {
        return;
      }
      FakeChangeSet cs = s.executing;
      s.executing = null;
      s.lastUpdated = Instant.now();
      if ("UPDATE_COMPLETE".equals(s.updateEndsIn)) {
        s.status = "UPDATE_COMPLETE";
        for (Map.Entry<String, String> e : cs.request.parameters().entrySet()) {
          s.parameters.put(e.getKey(), e.getValue());
        }
        s.tags.putAll(cs.request.tags());
        cs.executionStatus = "EXECUTE_COMPLETE";
      } else {
        s.events.add(
            0,
            new StackEvent(
                Instant.now(), "Service", "AWS::ECS::Service", "UPDATE_FAILED", s.failureReason));
        s.events.add(
            0,
            new StackEvent(
                Instant.now(),
                "Other",
                "AWS::ECS::TaskDefinition",
                "UPDATE_FAILED",
                "Resource update cancelled"));
        s.status = s.updateEndsIn;
        s.updateEndsIn = "UPDATE_COMPLETE";
        cs.executionStatus = "EXECUTE_FAILED";
      }
      note("finished:" + s.name + ":" + s.status);
    }

    @Override
    public List<StackEvent> events(String stackName, int max) {
      synchronized (FakeUpgradeAws.this) {
        count("DescribeStackEvents");
        FakeStack s = stacks.get(stackName);
        if (s == null) {
          return List.of();
        }
        return List.copyOf(s.events.subList(0, Math.min(max, s.events.size())));
      }
    }
  }

  private final class ChangeSetsApi implements ChangeSets {
    @Override
    public TemplateSummary templateSummary(String templateUrl) {
      synchronized (FakeUpgradeAws.this) {
        count("GetTemplateSummary");
        TemplateSummary t = templates.get(templateUrl);
        if (t == null) {
          throw new AwsException(
              AwsException.Kind.INVALID_INPUT,
              "GetTemplateSummary",
              "ValidationError",
              "no template at " + templateUrl);
        }
        return t;
      }
    }

    @Override
    public CreateResult create(ChangeSetRequest request) {
      synchronized (FakeUpgradeAws.this) {
        count("CreateChangeSetCalls");
        String key = request.stackName() + "/" + request.changeSetName();
        FakeChangeSet existing = changeSets.get(key);
        if (existing != null) {
          return CreateResult.created(existing.id);
        }
        FakeStack s = stacks.get(request.stackName());
        if (s == null) {
          throw new AwsException(
              AwsException.Kind.INVALID_INPUT, "CreateChangeSet", "ValidationError", "no stack");
        }
        count("CreateChangeSet");
        note("create:" + request.stackName() + ":" + request.changeSetName());
        FakeChangeSet cs = new FakeChangeSet();
        cs.id =
            "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/"
                + request.changeSetName()
                + "/"
                + (++counter);
        cs.name = request.changeSetName();
        cs.stack = request.stackName();
        cs.request = request;
        List<ResourceChange> scripted = scriptedChanges.get(request.stackName());
        cs.changes = scripted != null ? scripted : defaultChanges.apply(s, request);
        cs.readsUntilComplete = changeSetReads;
        changeSets.put(key, cs);
        return CreateResult.created(cs.id);
      }
    }

    @Override
    public Optional<ChangeSetInfo> describe(String stackName, String changeSetName) {
      synchronized (FakeUpgradeAws.this) {
        count("DescribeChangeSet");
        FakeChangeSet cs = changeSets.get(stackName + "/" + changeSetName);
        if (cs == null) {
          return Optional.empty();
        }
        if ("CREATE_PENDING".equals(cs.status) && cs.readsUntilComplete-- <= 0) {
          if (cs.changes.isEmpty()) {
            cs.status = "FAILED";
            cs.statusReason = NO_CHANGES_REASON;
          } else {
            cs.status = "CREATE_COMPLETE";
            cs.executionStatus = "AVAILABLE";
          }
        }
        Map<String, String> params = new LinkedHashMap<>();
        cs.request.usePreviousValue().forEach(k -> params.put(k, "****"));
        params.putAll(cs.request.parameters());
        return Optional.of(
            new ChangeSetInfo(
                cs.id,
                cs.name,
                cs.stack,
                cs.status,
                cs.executionStatus,
                cs.statusReason,
                params,
                "CREATE_COMPLETE".equals(cs.status) ? cs.changes : List.of()));
      }
    }

    @Override
    public void execute(String stackName, String changeSetName) {
      synchronized (FakeUpgradeAws.this) {
        count("ExecuteChangeSet");
        FakeChangeSet cs = changeSets.get(stackName + "/" + changeSetName);
        if (cs == null || !"AVAILABLE".equals(cs.executionStatus)) {
          throw new AwsException(
              AwsException.Kind.INVALID_INPUT,
              "ExecuteChangeSet",
              "InvalidChangeSetStatus",
              "change set " + changeSetName + " cannot be executed");
        }
        note("execute:" + stackName + ":" + changeSetName);
        FakeStack s = stacks.get(stackName);
        cs.executionStatus = "EXECUTE_IN_PROGRESS";
        s.status = "UPDATE_IN_PROGRESS";
        s.executing = cs;
        s.updateReadsLeft = updateReads;
      }
    }

    @Override
    public void delete(String stackName, String changeSetName) {
      synchronized (FakeUpgradeAws.this) {
        count("DeleteChangeSet");
        if (changeSets.remove(stackName + "/" + changeSetName) != null) {
          note("delete:" + stackName + ":" + changeSetName);
        }
      }
    }
  }

  private final class SnapshotsApi implements Snapshots {
    @Override
    public SnapshotState ensure(SnapshotRequest request) {
      synchronized (FakeUpgradeAws.this) {
        count("EnsureSnapshot");
        FakeSnapshot s = snapshots.get(request.name());
        if (s == null) {
          count("CreateSnapshot");
          note("snapshot:" + request.name());
          s = new FakeSnapshot();
          s.request = request;
          s.readsUntilAvailable = snapshotReads;
          snapshots.put(request.name(), s);
        } else if (s.status == Status.CREATING && s.readsUntilAvailable-- <= 0) {
          String failure = failingSnapshots.get(request.name());
          s.status = failure == null ? Status.AVAILABLE : Status.FAILED;
          note("snapshot-" + s.status + ":" + request.name());
        }
        String value =
            switch (request.kind()) {
              case RDS_CLUSTER ->
                  "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:" + request.name();
              case RDS_INSTANCE -> "arn:aws:rds:eu-west-1:123456789012:snapshot:" + request.name();
              case EBS_VOLUME -> "snap-0" + Integer.toHexString(request.name().hashCode());
              default -> request.name();
            };
        return new SnapshotState(
            request.name(), value, s.status, failingSnapshots.get(request.name()));
      }
    }
  }
}
