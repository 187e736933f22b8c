package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.OpsTarget;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.opstask.TaskPlatform.LaunchOrder;
import io.ttes.operator.opstask.TaskPlatform.Launched;
import io.ttes.operator.opstask.TaskPlatform.Observation;
import io.ttes.operator.opstask.TaskPlatform.State;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link EcsPlatform} against the documented-behaviour fake of ECS and CloudWatch Logs. */
class EcsPlatformTest {
  private static final String REVISION_2 = FakeEcsTasks.taskDefinitionArn("ttes-ops", 2);

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeAws aws = new FakeAws(clock);
  private final BatchedTaskObserver observer = new BatchedTaskObserver(clock);
  private final OpsTarget ops = new OpsTarget();

  EcsPlatformTest() {
    aws.ecs().taskDefinition("ttes-ops", 1, 2, 3);
    ops.setTaskDefinition(REVISION_2);
    ops.setCluster("prod-eu1-ops");
    ops.setSubnets(List.of("subnet-one", "subnet-two"));
    ops.setSecurityGroups(List.of("sg-ops"));
  }

  private EcsPlatform platform() {
    return new EcsPlatform(
        aws,
        new AwsTarget("eu-west-1", null),
        observer,
        Duration.ofSeconds(5),
        "prod-eu1-ops",
        ops,
        "prod-eu1");
  }

  private static LaunchOrder order(String token, String clientToken) {
    CommandLine command =
        CommandLine.parse(
            "tti-lw-stack",
            List.of("is-db", "create-admin-user", "--password", "$(PASSWORD)"),
            List.of(new SecretArg("PASSWORD", new SecretKeySelector("admin", "password"))));
    return new LaunchOrder(
        new LaunchPlan(command, Duration.ofMinutes(30), Platform.ECS, "ttes", "FARGATE"),
        Map.of("PASSWORD", "s3cret"),
        token,
        clientToken);
  }

  @Test
  void launchRunsTheRevisionTheClusterResolvedWithoutLookingItUp() {
    Launched launched = platform().launch(order("ttes-op-abc", "ttes-op-uid"));

    assertThat(launched.refused()).isNull();
    RunRequest run = aws.ecs().runRequests().get(0);
    assertThat(run.taskDefinition()).isEqualTo(REVISION_2);
    assertThat(run.cluster()).isEqualTo("prod-eu1-ops");
    assertThat(run.subnets()).containsExactly("subnet-one", "subnet-two");
    assertThat(run.securityGroups()).containsExactly("sg-ops");
    assertThat(run.container()).isEqualTo("ttes");
    assertThat(run.command())
        .containsExactly("tti-lw-stack", "is-db", "create-admin-user", "--password", "s3cret");
    assertThat(run.startedBy()).isEqualTo("ttes-op-abc");
    assertThat(run.clientToken()).isEqualTo("ttes-op-uid");
    assertThat(launched.started().id()).isEqualTo(aws.ecs().startedTasks().get(0));
    assertThat(launched.started().taskDefinition()).isEqualTo(REVISION_2);
    assertThat(launched.started().note())
        .isEqualTo(
            "started ECS task "
                + launched.started().id()
                + ": tti-lw-stack is-db create-admin-user --password $(PASSWORD)");
    assertThat(aws.calls().all()).containsExactly(FakeEcsTasks.RUN_TASK);
  }

  @Test
  void aDeregisteredRevisionIsAProblemNamingTheClustersRevisionNotASecondLookup() {
    aws.ecs().deregister("ttes-ops", 2);

    assertThatThrownBy(() -> platform().launch(order("ttes-op-abc", "ttes-op-uid")))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("TaskDefinitionInactive");
              assertThat(p.getMessage())
                  .startsWith("spec.clusterRef.name: ")
                  .contains("TTESCluster prod-eu1", REVISION_2, "status.ops.taskDefinition")
                  .doesNotContain("s3cret");
            });
    assertThat(aws.calls().all()).containsExactly(FakeEcsTasks.RUN_TASK);
    assertThat(aws.ecs().startedTasks()).isEmpty();
  }

  @Test
  void runTaskFailuresAreARefusalNotAnError() {
    aws.ecs().answerRunTaskWithFailure("RESOURCE:MEMORY", null, 1);

    Launched launched = platform().launch(order("ttes-op-abc", "ttes-op-uid"));

    assertThat(launched.started()).isNull();
    assertThat(launched.refused().failureReason()).isEqualTo("RESOURCE:MEMORY");
    assertThat(launched.refused().isTransient()).isTrue();
  }

  @Test
  void findLooksTheTaskUpByItsLaunchToken() {
    assertThat(platform().find("ttes-op-abc")).isEmpty();
    String arn = platform().launch(order("ttes-op-abc", "ttes-op-uid")).started().id();

    var found = platform().find("ttes-op-abc").orElseThrow();

    assertThat(found.id()).isEqualTo(arn);
    assertThat(found.finished()).isFalse();
    assertThat(found.taskDefinition()).isNull();
    assertThat(found.note()).contains("found ECS task " + arn, "before a restart");
  }

  @Test
  void observeTellsRunningEndedAndAbsentApart() {
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db"))
        .exitCode(3)
        .logs("line 1", "error: s3cret rejected");
    String arn = platform().launch(order("ttes-op-abc", "ttes-op-uid")).started().id();

    assertThat(platform().observe(arn).state()).isEqualTo(State.RUNNING);
    clock.advance(Duration.ofSeconds(5));
    Observation ended = platform().observe(arn);

    assertThat(ended.state()).isEqualTo(State.ENDED);
    assertThat(ended.exitCode()).isEqualTo(3);
    assertThat(ended.reason()).isEqualTo("NonZeroExit");
    assertThat(ended.message()).isEqualTo("exited with code 3");
    // Unmasked here: the state machine masks it with the secret values it resolved.
    assertThat(ended.tail().get().text()).isEqualTo("line 1\nerror: s3cret rejected");

    clock.advance(Duration.ofSeconds(5));
    Observation absent = platform().observe(arn + "-unknown");
    assertThat(absent.state()).isEqualTo(State.ABSENT);
    assertThat(absent.reason()).isEqualTo("TaskMissing");
  }

  @Test
  void stopIsIdempotent() {
    aws.ecs().neverStop();
    String arn = platform().launch(order("ttes-op-abc", "ttes-op-uid")).started().id();

    assertThat(platform().stop(arn, "OpsTask x deleted")).isTrue();
    assertThat(aws.ecs().peek(arn).stopped()).isTrue();
    assertThat(aws.ecs().stopReasons()).containsExactly("OpsTask x deleted");
    assertThat(platform().stop(arn, "again")).isTrue();
    assertThat(platform().stop(arn.replace("/prod-eu1-ops/", "/other/"), "gone")).isFalse();
  }
}
