package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.aws.fake.FakeSsmCommands;
import io.ttes.operator.aws.fake.FakeTaskLogs;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpsTasks through the real operator against AWS fakes that answer as AWS documents (not as moto
 * does): DescribeTasks MISSING for tasks stopped over an hour ago, RunTask failures[] with HTTP
 * 200, empty GetLogEvents pages and repeated tokens, SSM invocations that appear late or never, and
 * the AMI instance read from its stack at each launch. The operator and the fakes share one clock
 * that the test can move forward, as time passes while an operator is down.
 */
class OpsTaskAwsAsDocumentedIT {
  private static final String NS = "ops";
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  private ShiftedClock clock;
  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    clock = new ShiftedClock();
    aws = new FakeAws(clock);
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    bed = OperatorTestBed.builder().namespace(NS).aws(aws).clock(clock).start();
    bed.create(FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4), TTESCluster.class);
    bed.awaitClusterReady("prod-eu1", CONVERGE);
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  // ---- ECS DescribeTasks MISSING

  @Test
  void aTaskEcsNoLongerKnowsEndsFailedWithTaskMissing() {
    aws.ecs().neverStop();
    createTask("late", "prod-eu1", "is-db migrate");
    OpsTask running = await("late", t -> phase(t) == OpsTaskPhase.Running);
    String arn = running.getStatus().getTaskArn();

    // The operator is down while the task ends and for more than ECS keeps stopped tasks.
    bed.stopOperator();
    aws.ecs().finish(arn, 0);
    clock.shift(FakeEcsTasks.STOPPED_RETENTION.plusMinutes(5));
    bed.startOperator();

    OpsTask done = await("late", t -> phase(t) != null && phase(t).isFinished());
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(done.getStatus().getReason()).isEqualTo("TaskMissing");
    assertThat(done.getStatus().getMessage())
        .contains(arn, "MISSING", "stopped long ago", "exit code is unknown");
    assertThat(done.getStatus().getExitCode()).isNull();
    assertThat(ConditionWriter.find(done.getStatus(), "Ready").getReason())
        .isEqualTo("TaskMissing");
    assertThat(aws.ecs().missingAnswers()).isPositive();
    assertThat(bed.events("late")).anyMatch(e -> "TaskMissing".equals(e.getReason()));
    assertThat(aws.ecs().runRequests()).hasSize(1);
  }

  // ---- RunTask failures[]

  @Test
  void runTaskCapacityFailuresWaitWithWhatEcsSaidThenStartOneTask() {
    aws.ecs()
        .answerRunTaskWithFailure("RESOURCE:MEMORY", null, 2)
        .whenCommand(List.of("tti-lw-stack", "ns-db", "migrate"))
        .stopAfterDescribes(1);
    createTask("full", "prod-eu1", "ns-db migrate");

    OpsTask waiting = await("full", t -> "WaitingForCapacity".equals(reason(t)));
    assertThat(waiting.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(waiting.getStatus().getMessage()).contains("RESOURCE:MEMORY", "retrying");
    assertThat(ConditionWriter.find(waiting.getStatus(), "Reconciling").getReason())
        .isEqualTo("WaitingForCapacity");

    OpsTask done = await("full", t -> phase(t) == OpsTaskPhase.Succeeded);
    assertThat(aws.calls().count(FakeEcsTasks.RUN_TASK)).isEqualTo(3);
    assertThat(aws.ecs().startedTasks()).hasSize(1).containsExactly(done.getStatus().getTaskArn());
    // ECS repeats a token's first answer: each retry after failures[] carries a new clientToken,
    // while startedBy (the crash-recovery lookup) stays the launch token.
    assertThat(aws.ecs().runRequests())
        .extracting(r -> r.clientToken())
        .doesNotHaveDuplicates()
        .hasSize(3);
    assertThat(aws.ecs().runRequests())
        .extracting(r -> r.startedBy())
        .containsOnly(done.getStatus().getLaunchToken());
    assertThat(done.getStatus().getLaunchRefusals()).isEqualTo(2);
  }

  @Test
  void runTaskMissingFailsWithTheReasonEcsGaveAndStartsNothing() {
    String revision = FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 3);
    aws.ecs().answerRunTaskWithFailure("MISSING", revision, 1);
    createTask("gone", "prod-eu1", "as-db migrate");

    OpsTask done = await("gone", t -> phase(t) != null && phase(t).isFinished());
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(done.getStatus().getReason()).isEqualTo("RunTaskFailed");
    assertThat(done.getStatus().getMessage()).contains("failures[] MISSING", revision);
    assertThat(bed.events("gone"))
        .anyMatch(e -> "RunTaskFailed".equals(e.getReason()) && "Warning".equals(e.getType()));
    assertThat(aws.ecs().startedTasks()).isEmpty();
    sleep(Duration.ofSeconds(2));
    assertThat(aws.calls().count(FakeEcsTasks.RUN_TASK)).isEqualTo(1);
  }

  // ---- CloudWatch Logs tokens

  @Test
  void theLogTailFollowsEmptyPagesAndStopsWhereTheTokenRepeats() {
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "migrate"))
        .exitCode(1)
        .logs("migrating", "error: relation missing");
    aws.logs().answerEmptyPages(2);
    createTask("tail", "prod-eu1", "is-db migrate");
    OpsTask failed = await("tail", t -> phase(t) != null && phase(t).isFinished());
    assertThat(failed.getStatus().getLogTail()).isEqualTo("migrating\nerror: relation missing");
    assertThat(aws.calls().count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(3);

    // A task that wrote nothing: CloudWatch answers its own token back; two reads, no loop.
    aws.calls().clear();
    createTask("quiet", "prod-eu1", "noc-db migrate");
    OpsTask quiet = await("quiet", t -> phase(t) == OpsTaskPhase.Succeeded);
    assertThat(quiet.getStatus().getLogTail()).isNull();
    assertThat(aws.calls().count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(2);

    // The common case: the newest page holds lines, one read per task.
    aws.calls().clear();
    aws.ecs().whenCommand(List.of("tti-lw-stack", "dcs-db")).logs("done");
    createTask("one", "prod-eu1", "dcs-db migrate");
    assertThat(await("one", t -> phase(t) == OpsTaskPhase.Succeeded).getStatus().getLogTail())
        .isEqualTo("done");
    assertThat(aws.calls().count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(1);
  }

  // ---- AMI: the instance from the stack, SSM invocations that never appear

  @Test
  void amiCommandsGoToTheInstanceTheStackNamesAtEachLaunch() {
    seedAmi("i-0aaaaaaaaaaaaaaa1");
    createTask("first", "ami", "is-db migrate");
    OpsTask first = await("first", t -> phase(t) == OpsTaskPhase.Succeeded);
    assertThat(first.getStatus().getInstanceId()).isEqualTo("i-0aaaaaaaaaaaaaaa1");

    // An AMI upgrade replaced the instance: the stack's output names the new one.
    aws.stacks().stack("prod-ami-0-1-ami").output("InstanceId", "i-0bbbbbbbbbbbbbbb2");
    createTask("second", "ami", "is-db migrate");
    OpsTask second = await("second", t -> phase(t) == OpsTaskPhase.Succeeded);
    assertThat(second.getStatus().getInstanceId()).isEqualTo("i-0bbbbbbbbbbbbbbb2");
    assertThat(aws.ssm().sent())
        .extracting(FakeSsmCommands.Sent::instanceId)
        .containsExactly("i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2");
  }

  @Test
  void anSsmInvocationThatNeverAppearsEndsAfterTheGracePeriod() {
    seedAmi("i-0aaaaaaaaaaaaaaa1");
    aws.ssm().invocationsNeverAppear();
    createTask("lost", "ami", "is-db migrate");
    OpsTask running = await("lost", t -> phase(t) == OpsTaskPhase.Running);
    sleep(Duration.ofSeconds(1));
    assertThat(phase(bed.get(OpsTask.class, "lost")))
        .as("within the grace period an invisible invocation is still starting")
        .isEqualTo(OpsTaskPhase.Running);

    clock.shift(Duration.ofMinutes(3));
    OpsTask done = await("lost", t -> phase(t) != null && phase(t).isFinished());
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(done.getStatus().getReason()).isEqualTo("InvocationNotFound");
    assertThat(done.getStatus().getMessage())
        .contains(
            running.getStatus().getTaskArn(), "i-0aaaaaaaaaaaaaaa1", "InvocationDoesNotExist");
    assertThat(aws.ssm().sent()).hasSize(1);
  }

  // ---- helpers

  private void seedAmi(String instanceId) {
    aws.stacks()
        .stack("prod-ami-0-1-ami")
        .status("CREATE_COMPLETE")
        .tag("ops.ttes.io/version", "3.33.1")
        .output("InstanceId", instanceId);
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: ami}
        spec:
          region: eu-west-1
          platform: AMI
          naming: {network: prod, environment: ami, cluster: c1}
          stacks: [{name: prod-ami-0-1-ami, template: 0-1-ami}]
          ops:
            binary: ttn-lw-stack
            ami: {commandPrefix: [docker, exec, lorawan-stack]}
        """,
        TTESCluster.class);
    bed.awaitClusterReady("ami", CONVERGE);
  }

  private void createTask(String name, String cluster, String command) {
    bed.create(Manifests.opsTask(name, cluster, List.of(command.split(" "))), OpsTask.class);
  }

  private OpsTask await(String name, Predicate<OpsTask> condition) {
    return bed.await(OpsTask.class, name, CONVERGE, condition);
  }

  private static OpsTaskPhase phase(OpsTask t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private static String reason(OpsTask t) {
    return t.getStatus() == null ? null : t.getStatus().getReason();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The system clock plus an offset the test moves forward, or stopped where a test puts it. */
  static final class ShiftedClock extends Clock {
    private volatile Duration offset = Duration.ZERO;
    private volatile Instant stoppedAt;

    /** From now on the clock stands at {@code instant}, until the next call. */
    void stopAt(Instant instant) {
      stoppedAt = instant;
    }

    void shift(Duration by) {
      offset = offset.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      Instant stopped = stoppedAt;
      return stopped != null ? stopped : Instant.now().plus(offset);
    }
  }
}
