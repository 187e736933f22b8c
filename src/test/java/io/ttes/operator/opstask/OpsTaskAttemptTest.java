package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.opstask.OpsTaskFlow.Event;
import io.ttes.operator.opstask.OpsTaskFlow.Step;
import io.ttes.operator.opstask.TaskPlatform.LaunchOrder;
import io.ttes.operator.opstask.TaskPlatform.Launched;
import io.ttes.operator.opstask.TaskPlatform.Observation;
import io.ttes.operator.opstask.TaskPlatform.Started;
import io.ttes.operator.opstask.TaskPlatform.Tail;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The state machine's decisions over a scripted platform: what each answer of find, launch, observe
 * and stop leads to (the returned status, events and when to look again). No AWS fake is reached
 * except for nothing at all: the flow talks to AWS only through its platform.
 */
class OpsTaskAttemptTest {
  private static final Duration FAST = Duration.ofSeconds(5);
  private static final Duration SLOW = Duration.ofMinutes(5);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeAws aws = new FakeAws(clock);
  private final TaskSlots slots = new TaskSlots(clock, Duration.ofMinutes(10));
  private final ScriptedPlatform platform = new ScriptedPlatform();
  private OpsTaskFlow flow = newFlow();
  private final TTESCluster cluster = cluster();
  private final OpsTask task = task();
  private Optional<UpgradeWindow.Hold> upgrade = Optional.empty();

  private OpsTaskFlow newFlow() {
    PlatformConnector connector =
        new PlatformConnector() {
          @Override
          public TaskPlatform forLaunch(
              LaunchPlan plan, OpsTask t, TTESCluster c, AwsServicesFactory a) {
            return platform;
          }

          @Override
          public TaskPlatform forTask(
              OpsTaskStatus s, OpsTask t, TTESCluster c, AwsServicesFactory a) {
            return platform;
          }
        };
    return new OpsTaskFlow(
        new OpsTaskFlow.Settings(FAST, FAST, SLOW, Duration.ofMinutes(2)),
        clock,
        slots,
        new BatchedTaskObserver(clock),
        connector);
  }

  private TTESCluster cluster() {
    TTESCluster c = new TTESCluster();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("prod-eu1")
            .withNamespace("ops")
            .withGeneration(1L)
            .build());
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    spec.getOps().setEcs(new TTESClusterSpec.Ecs("ops-stack", "OpsRunTaskArguments", null, null));
    c.setSpec(spec);
    TTESClusterStatus status = new TTESClusterStatus();
    TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
    ops.setTaskDefinition("arn:aws:ecs:eu-west-1:1:task-definition/ttes-ops:2");
    ops.setCluster("prod-eu1-ops");
    ops.setSubnets(List.of("subnet-one"));
    status.setOps(ops);
    new ConditionWriter(clock).apply(status, 1L, Outcome.ready("StacksStable", ""));
    c.setStatus(status);
    return c;
  }

  private OpsTask task() {
    OpsTask t = new OpsTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName("migrate")
            .withNamespace("ops")
            .withUid("0f8fad5b-d9cb-469f-a165-70867728950e")
            .withGeneration(1L)
            .withCreationTimestamp(clock.instant().toString())
            .build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef("prod-eu1"));
    spec.setCommand(new ArrayList<>(List.of("is-db", "migrate")));
    t.setSpec(spec);
    return t;
  }

  private Step step() {
    OpsTaskStatus next =
        task.getStatus() == null ? new OpsTaskStatus() : JSON.clone(task.getStatus());
    Step s = flow.reconcile(task, next, cluster, SecretReader.fromMap(Map.of()), aws, upgrade);
    task.setStatus(s.status());
    return s;
  }

  /** Token step, then the launch. */
  private Step launched() {
    step();
    return step();
  }

  private static String condition(OpsTaskStatus s, String type) {
    Condition c = ConditionWriter.find(s, type);
    return c == null ? null : c.getStatus() + "/" + c.getReason() + "/" + c.getMessage();
  }

  @Test
  void theTokenIsWrittenBeforeThePlatformIsAskedAnything() {
    Step first = step();

    assertThat(platform.calls).isEmpty();
    assertThat(first.status().getLaunchToken()).isEqualTo(OpsTaskFlow.launchToken(uid()));
    assertThat(first.rescheduleAfter()).contains(Duration.ZERO);

    Step second = step();
    // A token this process just wrote cannot have been used: no find, straight to launch.
    assertThat(platform.calls).containsExactly("launch");
    assertThat(platform.orders.get(0).token()).isEqualTo(first.status().getLaunchToken());
    assertThat(platform.orders.get(0).clientToken()).isEqualTo(OpsTaskFlow.clientToken(uid()));
    assertThat(second.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(second.status().getTaskArn()).isEqualTo("task-1");
    assertThat(second.status().getEcsCluster()).isEqualTo("where-1");
    assertThat(second.status().getTaskDefinition()).isEqualTo("revision-from-platform");
    assertThat(second.events()).extracting(Event::message).containsExactly("launched task-1");
    assertThat(second.status().getMessage())
        .isEqualTo("running thing task-1: tti-lw-stack is-db migrate");
    assertThat(second.rescheduleAfter()).contains(FAST);
  }

  @Test
  void anUpgradeInItsWindowHoldsTheTaskBeforeItsTokenWithOneEventAndNoPlatformCall() {
    upgrade = Optional.of(new UpgradeWindow.Hold("ops/to-3-35", "StackUpgrade ops/to-3-35 is X"));

    Step first = step();
    Step again = step();

    assertThat(platform.calls).isEmpty();
    assertThat(again.status().getLaunchToken()).isNull();
    assertThat(again.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(condition(again.status(), "Reconciling"))
        .isEqualTo("True/WaitingForUpgrade/StackUpgrade ops/to-3-35 is X");
    assertThat(first.events()).extracting(Event::reason).containsExactly("WaitingForUpgrade");
    assertThat(again.events()).isEmpty();
    assertThat(again.rescheduleAfter()).contains(SLOW);

    upgrade = Optional.empty(); // the upgrade's last migration finished
    assertThat(step().status().getLaunchToken()).isNotNull();
    assertThat(step().status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  @Test
  void aTaskThatHasItsLaunchTokenIsNeverHeld() {
    step(); // token written before the upgrade reached its window
    upgrade = Optional.of(new UpgradeWindow.Hold("ops/to-3-35", "StackUpgrade ops/to-3-35 is X"));

    Step s = step();

    assertThat(platform.calls).containsExactly("launch");
    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  @Test
  void afterARestartTheTaskFoundByItsTokenIsFollowedNotLaunchedAgain() {
    step();
    flow = newFlow(); // a new process: its set of unused tokens is empty
    platform.found = Optional.of(new Started("task-0", null, null, false, "found task-0"));

    Step s = step();

    assertThat(platform.calls).containsExactly("find");
    assertThat(s.status().getTaskArn()).isEqualTo("task-0");
    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(s.events()).extracting(Event::message).containsExactly("found task-0");
  }

  @Test
  void aTransientRefusalWaitsAndRetriesUnderANewClientToken() {
    platform.refusals.add(Launch.failed("RESOURCE:MEMORY", null));

    Step refused = launched();
    assertThat(refused.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(refused.status().getLaunchRefusals()).isEqualTo(1);
    assertThat(condition(refused.status(), "Reconciling")).startsWith("True/WaitingForCapacity/");
    assertThat(refused.rescheduleAfter()).contains(FAST.multipliedBy(6));

    Step retried = step();
    assertThat(retried.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(platform.orders)
        .extracting(LaunchOrder::clientToken)
        .containsExactly(OpsTaskFlow.clientToken(uid()), OpsTaskFlow.clientToken(uid()) + "-r1");
  }

  @Test
  void aRevisionTheClusterResolvedThatIsGoneStallsAndIsRetriedAfterASlowPoll() {
    platform.launchProblem =
        new SpecProblem(
            OpsTaskFlow.TASK_DEFINITION_INACTIVE, "spec.clusterRef.name", "revision 2 is gone");

    Step s = launched();

    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(s.status().getLaunchToken()).isNotNull();
    assertThat(condition(s.status(), "Stalled"))
        .isEqualTo("True/TaskDefinitionInactive/spec.clusterRef.name: revision 2 is gone");
    assertThat(s.rescheduleAfter()).contains(SLOW);
    assertThat(s.events()).extracting(Event::reason).containsExactly("TaskDefinitionInactive");
    assertThat(slots.running(OpsTaskFlow.clusterKey(task))).isZero();

    platform.launchProblem = null; // the cluster now reports a revision that exists
    assertThat(step().status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  @Test
  void anAbsentTaskIsWaitedForDuringTheGraceThenFailsWithThePlatformsReason() {
    launched();
    platform.observations.add(Observation.absent("TaskMissing", "gone"));
    platform.observations.add(Observation.absent("TaskMissing", "gone"));

    clock.advance(Duration.ofMinutes(1));
    Step waiting = step();
    assertThat(waiting.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(waiting.rescheduleAfter()).contains(FAST);

    clock.advance(Duration.ofMinutes(1));
    Step lost = step();
    assertThat(lost.status().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(lost.status().getReason()).isEqualTo("TaskMissing");
    assertThat(lost.status().getMessage()).isEqualTo("gone");
    assertThat(lost.rescheduleAfter()).isEmpty();
  }

  @Test
  void anEndedTaskFinishesWithItsExitCodeHowLongItRanAndWhatAwsSaid() {
    launched();
    clock.advance(Duration.ofSeconds(90));
    platform.observations.add(
        Observation.ended(
            3,
            "NonZeroExit",
            "exited with code 3",
            List.of("Essential container exited"),
            new Tail("last line", null)));

    Step s = step();

    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(s.status().getExitCode()).isEqualTo(3);
    assertThat(s.status().getMessage())
        .isEqualTo("exited with code 3 after 1m30s (Essential container exited)");
    assertThat(s.status().getLogTail()).isEqualTo("last line");
    assertThat(condition(s.status(), "Stalled")).startsWith("True/NonZeroExit/");
  }

  @Test
  void exitCodeZeroSucceeds() {
    launched();
    platform.observations.add(
        Observation.ended(0, "Completed", "exited with code 0", List.of(), null));

    Step s = step();

    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(condition(s.status(), "Ready")).startsWith("True/Completed/exited with code 0");
  }

  @Test
  void aRunningTaskPastItsTimeoutIsStoppedAndFails() {
    task.getSpec().setTimeout("1m");
    launched();
    clock.advance(Duration.ofMinutes(1));
    platform.observations.add(Observation.running(() -> new Tail("working", null)));

    Step s = step();

    assertThat(platform.stops).containsExactly("task-1: OpsTask timeout of 1m reached");
    assertThat(s.status().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(s.status().getReason()).isEqualTo("Timeout");
    assertThat(s.status().getMessage()).isEqualTo("halted after the timeout of 1m");
    assertThat(s.status().getLogTail()).isEqualTo("working");
  }

  @Test
  void deleteStopsOnlyWhatIsRunningAndSaysNothingWhenThereWasNothingLeft() {
    task.getSpec().setStopOnDelete(true);
    launched();

    Step stopped = flow.cleanup(task, cluster, aws);
    assertThat(platform.stops).containsExactly("task-1: OpsTask migrate deleted");
    assertThat(stopped.events())
        .extracting(Event::message)
        .containsExactly(
            "stopped thing task-1 because the OpsTask was deleted (spec.stopOnDelete)");

    platform.stopAnswer = false;
    assertThat(flow.cleanup(task, cluster, aws).events()).isEmpty();
    assertThat(aws.calls().all()).isEmpty();
  }

  private String uid() {
    return task.getMetadata().getUid();
  }

  /** A platform whose answers the test scripts; it records what it was asked. */
  private static final class ScriptedPlatform implements TaskPlatform {
    final List<String> calls = new ArrayList<>();
    final List<LaunchOrder> orders = new ArrayList<>();
    final List<String> stops = new ArrayList<>();
    final Deque<Launch> refusals = new ArrayDeque<>();
    final Deque<Observation> observations = new ArrayDeque<>();
    Optional<Started> found = Optional.empty();
    SpecProblem launchProblem;
    boolean stopAnswer = true;
    int launches;

    @Override
    public String where() {
      return "where-1";
    }

    @Override
    public String describe(String taskId) {
      return "thing " + taskId;
    }

    @Override
    public String stopWord() {
      return "halted";
    }

    @Override
    public Optional<Started> find(String token) {
      calls.add("find");
      return found;
    }

    @Override
    public Launched launch(LaunchOrder order) {
      calls.add("launch");
      orders.add(order);
      if (launchProblem != null) {
        throw launchProblem;
      }
      if (!refusals.isEmpty()) {
        return Launched.refusedBy(refusals.poll());
      }
      String id = "task-" + ++launches;
      return Launched.of(new Started(id, null, "revision-from-platform", false, "launched " + id));
    }

    @Override
    public Observation observe(String taskId) {
      calls.add("observe");
      return observations.isEmpty() ? Observation.running(() -> null) : observations.poll();
    }

    @Override
    public boolean stop(String taskId, String reason) {
      calls.add("stop");
      stops.add(taskId + ": " + reason);
      return stopAnswer;
    }
  }
}
