package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory AWS for unit tests: one set of fakes sharing a {@link CallLog} and a clock, returned
 * for every {@link AwsTarget} (the targets asked for are recorded). Thread-safe.
 *
 * <pre>{@code
 * FakeAws aws = new FakeAws();
 * aws.ecs().taskDefinition("ttes-ops", 1, 2).whenCommand(List.of("tti-lw-stack", "is-db"))
 *     .exitCode(3).logs("migrating", "boom");
 * aws.failNext("ECS.RunTask", CallLog.throttling("ECS.RunTask"));
 * ... run the code under test ...
 * assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(2);
 * assertThat(aws.calls().mutatingCalls()).containsExactly("ECS.RunTask", "ECS.RunTask");
 * }</pre>
 */
public final class FakeAws implements AwsServicesFactory, AwsServices {
  private final CallLog calls = new CallLog();
  private final Clock clock;
  private final FakeStacks stacks;
  private final FakeChangeSets changeSets;
  private final FakeTaskLogs logs;
  private final FakeEcsTasks ecs;
  private final FakeSsmCommands ssm;
  private final FakeSnapshots snapshots;
  private final FakeSecretStore secrets;
  private final List<AwsTarget> targets = new ArrayList<>();
  private final List<Noted> timeline = new ArrayList<>();

  /** Fakes on a {@link MutableClock} at 2025-01-01T00:00:00Z (see {@link #clock()}). */
  public FakeAws() {
    this(new MutableClock(Instant.parse("2025-01-01T00:00:00Z")));
  }

  public FakeAws(Clock clock) {
    this.clock = clock;
    this.stacks = new FakeStacks(calls, clock);
    this.changeSets = new FakeChangeSets(calls, stacks);
    this.logs = new FakeTaskLogs(calls);
    this.ecs = new FakeEcsTasks(calls, clock, logs);
    this.ssm = new FakeSsmCommands(calls, clock);
    this.snapshots = new FakeSnapshots(calls);
    this.secrets = new FakeSecretStore(calls);
    stacks.timeline(this::note);
    changeSets.timeline(this::note);
    snapshots.timeline(this::note);
  }

  private synchronized void note(String entry) {
    timeline.add(new Noted(calls.all().size(), entry));
  }

  /**
   * What happened on AWS, in order: "create:<stack>:<changeSet>", "execute:...", "delete:...",
   * "finished:<stack>:<status>", "snapshot:<name>", "snapshot-AVAILABLE:<name>", and
   * "migration:<command without its binary>" for each ECS task started (a RunTask with a client
   * token seen before starts nothing).
   */
  public synchronized List<String> timeline() {
    List<Noted> all = new ArrayList<>(timeline);
    List<String> log = calls.all();
    List<io.ttes.operator.aws.EcsTasks.RunRequest> runs = ecs.runRequests();
    java.util.Set<String> tokens = new java.util.HashSet<>();
    int run = 0;
    for (int i = 0; i < log.size() && run < runs.size(); i++) {
      if (!FakeEcsTasks.RUN_TASK.equals(log.get(i))) {
        continue;
      }
      var request = runs.get(run++);
      String token = request.clientToken() != null ? request.clientToken() : request.startedBy();
      if (token == null || tokens.add(token)) {
        List<String> command = request.command();
        all.add(
            new Noted(i + 1, "migration:" + String.join(" ", command.subList(1, command.size()))));
      }
    }
    all.sort(java.util.Comparator.comparingInt(Noted::position));
    return all.stream().map(Noted::entry).toList();
  }

  /** A timeline entry and how many calls AWS had received when it happened. */
  private record Noted(int position, String entry) {}

  @Override
  public synchronized AwsServices forTarget(AwsTarget target) {
    targets.add(target);
    return this;
  }

  /** Targets asked for, in order. */
  public synchronized List<AwsTarget> targets() {
    return List.copyOf(targets);
  }

  public CallLog calls() {
    return calls;
  }

  /** The clock the fakes use; a {@link MutableClock} unless another was given. */
  public Clock clock() {
    return clock;
  }

  /** The clock as a {@link MutableClock}; fails when another clock was given. */
  public MutableClock mutableClock() {
    return (MutableClock) clock;
  }

  public void failNext(String operation, AwsException failure) {
    calls.failNext(operation, failure);
  }

  public void failTimes(String operation, int times, AwsException failure) {
    calls.failTimes(operation, times, failure);
  }

  public void failAlways(String operation, AwsException failure) {
    calls.failAlways(operation, failure);
  }

  public void clearFailures() {
    calls.clearFailures();
  }

  @Override
  public FakeStacks stacks() {
    return stacks;
  }

  @Override
  public FakeChangeSets changeSets() {
    return changeSets;
  }

  @Override
  public FakeEcsTasks ecs() {
    return ecs;
  }

  @Override
  public FakeSsmCommands ssm() {
    return ssm;
  }

  @Override
  public FakeTaskLogs logs() {
    return logs;
  }

  @Override
  public FakeSnapshots snapshots() {
    return snapshots;
  }

  @Override
  public FakeSecretStore secrets() {
    return secrets;
  }
}
