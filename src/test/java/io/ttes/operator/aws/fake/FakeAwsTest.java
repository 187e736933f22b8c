package io.ttes.operator.aws.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.EcsTasks.TaskState;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.Snapshots.SnapshotRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FakeAwsTest {
  private final FakeAws aws = new FakeAws();
  private final String td = FakeEcsTasks.taskDefinitionArn("ttes-ops", 3);

  private RunRequest run(List<String> command, String startedBy, String token) {
    return new RunRequest(
        "ops",
        td,
        "FARGATE",
        List.of("subnet-1"),
        List.of("sg-1"),
        "ttes",
        command,
        startedBy,
        token);
  }

  @Test
  void countsCallsAndInjectsFailures() {
    aws.ecs().taskDefinition("ttes-ops", 1, 3);
    aws.failTimes(FakeEcsTasks.RUN_TASK, 2, CallLog.throttling(FakeEcsTasks.RUN_TASK));

    List<String> command = List.of("tti-lw-stack", "is-db", "migrate");
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> aws.ecs().run(run(command, "a", "t")))
          .isInstanceOfSatisfying(AwsException.class, e -> assertThat(e.isRetryable()).isTrue());
    }
    String arn = aws.ecs().run(run(command, "a", "t"));

    assertThat(arn).startsWith("arn:aws:ecs:eu-west-1:123456789012:task/ops/");
    assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(3);
    assertThat(aws.calls().mutatingCalls()).hasSize(3);
    assertThat(aws.ecs().startedTasks()).containsExactly(arn);
    assertThat(aws.ecs().latestActiveRevision("ttes-ops")).isEqualTo(td);
  }

  @Test
  void ecsHonoursClientTokenAndStartedByLimits() {
    aws.ecs().taskDefinition("ttes-ops", 3);
    List<String> command = List.of("x");
    String first = aws.ecs().run(run(command, "s", "token-1"));
    String again = aws.ecs().run(run(command, "s", "token-1"));

    assertThat(again).isEqualTo(first);
    assertThat(aws.ecs().startedTasks()).hasSize(1);
    assertThatThrownBy(() -> aws.ecs().run(run(command, "x".repeat(37), "token-2")))
        .isInstanceOfSatisfying(
            AwsException.class,
            e -> assertThat(e.kind()).isEqualTo(AwsException.Kind.INVALID_INPUT));
    assertThat(aws.ecs().findStartedBy("ops", "s")).map(TaskState::taskArn).contains(first);
    assertThat(aws.ecs().findStartedBy("ops", "other")).isEmpty();
  }

  @Test
  void scriptedTaskStopsAfterDescribesWithExitCodeAndLogs() {
    aws.ecs().taskDefinition("ttes-ops", 3).stopAfterDescribes(2);
    aws.ecs().whenCommand(List.of("tti-lw-stack", "ns-db")).exitCode(3).logs("one", "two", "three");
    String arn = aws.ecs().run(run(List.of("tti-lw-stack", "ns-db", "prune"), "s", null));

    assertThat(aws.ecs().describe("ops", List.of(arn)).get(arn).lastStatus()).isEqualTo("RUNNING");
    assertThat(aws.ecs().describe("ops", List.of(arn)).get(arn).lastStatus()).isEqualTo("RUNNING");
    TaskState done = aws.ecs().describe("ops", List.of(arn)).get(arn);

    assertThat(done.stopped()).isTrue();
    assertThat(done.exitCode()).isEqualTo(3);
    assertThat(aws.logs().tail(done.logGroup(), done.logStream(), 2))
        .containsExactly("two", "three");
  }

  @Test
  void timeBasedTasksAndStopAndBatching() {
    aws.ecs().taskDefinition("ttes-ops", 3).stopAfter(Duration.ofMinutes(5));
    List<String> arns = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      arns.add(aws.ecs().run(run(List.of("x"), "s" + i, null)));
    }
    aws.calls().clear();

    assertThat(aws.ecs().describe("ops", arns)).hasSize(250);
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(3);
    assertThat(aws.ecs().runningCount()).isEqualTo(250);

    aws.ecs().stop("ops", arns.get(0), "user asked");
    assertThat(aws.ecs().peek(arns.get(0)).stopCode()).isEqualTo("UserInitiated");
    aws.mutableClock().advance(Duration.ofMinutes(5));
    assertThat(aws.ecs().peek(arns.get(1)).exitCode()).isZero();
    assertThat(aws.ecs().runningCount()).isZero();
    assertThat(aws.ecs().maxRunningAtOnce()).isEqualTo(250);
  }

  @Test
  void changeSetLifecycleMovesTheStack() {
    aws.stacks().stack("s1").parameter("Image", "3.33.1").parameter("Keep", "k");
    aws.changeSets()
        .changesFor(
            "s1",
            List.of(new ResourceChange("Modify", "Service", "svc", "AWS::ECS::Service", "False")));
    var request =
        new ChangeSetRequest(
            "s1",
            "cs-1",
            "https://t",
            Map.of("Image", "3.33.2"),
            List.of("Keep"),
            List.of(),
            Map.of(),
            "d");

    String id = aws.changeSets().create(request).changeSetId();
    assertThat(aws.changeSets().create(request).changeSetId()).isEqualTo(id);
    var info = aws.changeSets().describe("s1", "cs-1").orElseThrow();
    assertThat(info.createComplete()).isTrue();
    assertThat(info.parameters()).containsEntry("Image", "3.33.2").containsEntry("Keep", "k");

    aws.changeSets().execute("s1", "cs-1");
    assertThat(aws.stacks().describe(List.of("s1")).get("s1").status())
        .isEqualTo("UPDATE_IN_PROGRESS");
    var done = aws.stacks().describe(List.of("s1")).get("s1");
    assertThat(done.status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(done.parameters()).containsEntry("Image", "3.33.2");
    assertThat(aws.changeSets().describe("s1", "cs-1").orElseThrow().executionStatus())
        .isEqualTo("EXECUTE_COMPLETE");
    assertThat(aws.calls().mutatingCalls())
        .containsExactly(
            "CloudFormation.CreateChangeSet",
            "CloudFormation.CreateChangeSet",
            "CloudFormation.ExecuteChangeSet");
  }

  @Test
  void noChangesAndRollback() {
    aws.stacks().stack("s1").parameter("Image", "1");
    var request =
        new ChangeSetRequest(
            "s1", "cs-1", "u", Map.of("Image", "2"), List.of(), List.of(), null, "");
    aws.changeSets().create(request);
    assertThat(aws.changeSets().describe("s1", "cs-1").orElseThrow().noChanges()).isTrue();

    aws.changeSets()
        .changesFor(
            "s1", List.of(new ResourceChange("Modify", "Db", "db", "AWS::RDS::DBCluster", "True")));
    aws.stacks().nextUpdateEnds("s1", "UPDATE_ROLLBACK_COMPLETE", "Db", "quota exceeded");
    var second =
        new ChangeSetRequest(
            "s1", "cs-2", "u", Map.of("Image", "2"), List.of(), List.of(), null, "");
    aws.changeSets().create(second);
    aws.changeSets().execute("s1", "cs-2");
    aws.stacks().describe(List.of("s1"));
    var after = aws.stacks().describe(List.of("s1")).get("s1");

    assertThat(after.status()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
    assertThat(after.parameters()).containsEntry("Image", "1");
    assertThat(aws.stacks().events("s1", 10))
        .anySatisfy(e -> assertThat(e.reason()).isEqualTo("quota exceeded"));
    assertThat(aws.changeSets().existing("s1")).containsExactly("cs-2");
  }

  @Test
  void cloudFormationAsDocumented() {
    var s1 =
        aws.stacks()
            .stack("s1")
            .parameter("Image", "1")
            .tag("owner", "me")
            .resource("Bucket", "AWS::S3::Bucket");
    for (int i = 0; i < 120; i++) {
      s1.resource("R" + i, "AWS::SSM::Parameter");
    }
    s1.policyDeniesUpdatesOf("Bucket");
    // Tags that differ from the stack's modify every resource (they propagate).
    var tagged =
        new ChangeSetRequest(
            "s1", "tags", "u", Map.of("Image", "1"), List.of(), List.of(), Map.of("x", "y"), "");
    aws.changeSets().create(tagged);
    var info = aws.changeSets().describe("s1", "tags").orElseThrow();
    assertThat(info.changes()).hasSize(121);
    var same =
        new ChangeSetRequest(
            "s1",
            "same",
            "u",
            Map.of("Image", "1"),
            List.of(),
            List.of(),
            Map.of("owner", "me"),
            "");
    aws.changeSets().create(same);
    assertThat(aws.changeSets().describe("s1", "same").orElseThrow().noChanges()).isTrue();

    // Executing one deletes its siblings; the policy denies the bucket's update: rollback.
    aws.changeSets().execute("s1", "tags");
    assertThat(aws.changeSets().existing("s1")).containsExactly("tags");
    assertThat(aws.stacks().stack("s1").info().tags()).containsExactly(Map.entry("x", "y"));
    aws.stacks().describe(List.of("s1"));
    var after = aws.stacks().describe(List.of("s1")).get("s1");
    assertThat(after.status()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
    assertThat(after.tags()).containsExactly(Map.entry("owner", "me"));

    // The denial lies beyond the first page of events; the latest update's events reach it.
    assertThat(aws.stacks().events("s1", 100))
        .filteredOn(e -> !"AWS::CloudFormation::Stack".equals(e.resourceType()))
        .noneMatch(e -> e.reason() != null && e.reason().contains("denied by stack policy"));
    // 121 resources: their updates, the denial, 120 cancellations and 242 rollback events.
    int before = aws.calls().count(FakeStacks.DESCRIBE_STACK_EVENTS);
    var update = aws.stacks().eventsOfLatestUpdate("s1");
    assertThat(aws.calls().count(FakeStacks.DESCRIBE_STACK_EVENTS) - before).isEqualTo(5);
    assertThat(update.get(update.size() - 1).startsUpdate("s1")).isTrue();
    assertThat(update)
        .anyMatch(e -> e.reason() != null && e.reason().contains("Action denied by stack policy"));
  }

  @Test
  void aBusyStackRefusesExecutionAndItsChangeSetsReadUnavailable() {
    aws.stacks().stack("s1").parameter("Image", "1");
    aws.changeSets()
        .changesFor(
            "s1",
            List.of(new ResourceChange("Modify", "Svc", "svc", "AWS::ECS::Service", "False")));
    aws.changeSets()
        .create(
            new ChangeSetRequest(
                "s1", "cs", "u", Map.of("Image", "2"), List.of(), List.of(), null, ""));
    aws.stacks().stack("s1").statusFor("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", 1, "UPDATE_COMPLETE");
    assertThat(aws.changeSets().describe("s1", "cs").orElseThrow().executionStatus())
        .isEqualTo("UNAVAILABLE");
    assertThatThrownBy(() -> aws.changeSets().execute("s1", "cs"))
        .hasMessageContaining("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS state and can not be updated");
    aws.stacks().describe(List.of("s1"));
    aws.stacks().describe(List.of("s1"));
    assertThat(aws.changeSets().describe("s1", "cs").orElseThrow().executionStatus())
        .isEqualTo("AVAILABLE");
    aws.changeSets().obsolete("s1");
    assertThatThrownBy(() -> aws.changeSets().execute("s1", "cs"))
        .hasMessageContaining("execution status of [OBSOLETE]");
  }

  @Test
  void snapshotsAreCreatedOnceAndBecomeAvailable() {
    var request = new SnapshotRequest(Snapshots.Kind.RDS_CLUSTER, "db", "su-abc-db");
    assertThat(aws.snapshots().ensure(request).status()).isEqualTo(Snapshots.Status.CREATING);
    var available = aws.snapshots().ensure(request);

    assertThat(available.status()).isEqualTo(Snapshots.Status.AVAILABLE);
    assertThat(available.parameterValue()).endsWith(":cluster-snapshot:su-abc-db");
    assertThat(aws.calls().count("RDS.CreateDBClusterSnapshot")).isEqualTo(1);
  }

  @Test
  void secretsAndSsm() {
    aws.secrets().put("p-e-c-console-oauth-client", Map.of("client_id", "console"));
    assertThat(aws.secrets().jsonSecret("p-e-c-console-oauth-client")).containsKey("client_id");
    assertThatThrownBy(() -> aws.secrets().jsonSecret("nope"))
        .isInstanceOfSatisfying(
            AwsException.class, e -> assertThat(e.kind()).isEqualTo(AwsException.Kind.NOT_FOUND));

    aws.ssm().whenCommandContains("'is-db'").exitCode(2).stderr("bad\n");
    String id = aws.ssm().send("i-0123456789", List.of("'ttn-lw-stack' 'is-db'"), "tok", 60);
    assertThatThrownBy(() -> aws.ssm().invocation(id, "i-0123456789")) // not visible yet
        .isInstanceOf(AwsException.class);
    assertThat(aws.ssm().invocation(id, "i-0123456789").status()).isEqualTo("InProgress");
    var done = aws.ssm().invocation(id, "i-0123456789");
    assertThat(done.finished()).isTrue();
    assertThat(done.responseCode()).isEqualTo(2);
    assertThat(aws.ssm().findByComment("i-0123456789", "tok", aws.clock().instant())).contains(id);
  }
}
