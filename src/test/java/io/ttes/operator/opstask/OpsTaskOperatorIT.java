package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.LogCapture;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OpsTask through the real operator and in-process Kubernetes API, with in-memory AWS. */
class OpsTaskOperatorIT {
  private static final String SECRET = "hunter2-marker-5d1e9";
  private FakeAws aws;
  private OperatorTestBed bed;
  private LogCapture logs;

  @BeforeEach
  void start() {
    logs = LogCapture.attach();
    aws = new FakeAws();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    bed = new OperatorTestBed("ops", aws);
    FakeDeployment.create(
        bed.client(), "ops", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
    bed.awaitClusterReady("prod-eu1");
  }

  @AfterEach
  void stop() {
    bed.close();
    logs.close();
  }

  @Test
  void migrateRunsTheRunbookCommandAndSucceeds() {
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: migrate}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    OpsTask done = bed.await(OpsTask.class, "migrate", Duration.ofSeconds(30), t -> finished(t));
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(done.getStatus().getExitCode()).isZero();
    assertThat(done.getStatus().getCommandLine()).isEqualTo("tti-lw-stack is-db migrate");
    assertThat(OperatorTestBed.condition(done.getStatus(), "Ready", false)).isEqualTo("True");
    List<RunRequest> runs = aws.ecs().runRequests();
    assertThat(runs).hasSize(1);
    RunRequest run = runs.get(0);
    assertThat(run.command()).containsExactly("tti-lw-stack", "is-db", "migrate");
    assertThat(run.container()).isEqualTo("ttes");
    assertThat(run.launchType()).isEqualTo("FARGATE");
    assertThat(run.taskDefinition())
        .isEqualTo(FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 3));
    assertThat(run.cluster()).isEqualTo(FakeDeployment.ECS_CLUSTER);
    assertThat(run.subnets()).containsExactly(FakeDeployment.SUBNET_A, FakeDeployment.SUBNET_B);
    assertThat(run.securityGroups()).containsExactly(FakeDeployment.SECURITY_GROUP);
    assertThat(bed.events("migrate")).extracting(e -> e.getReason()).isNotEmpty();
  }

  @Test
  void failureShowsExitCodeAndMaskedLogTailAndNeverLeaksTheSecret() {
    bed.secret("acme-admin", Map.of("password", SECRET));
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user"))
        .exitCode(3)
        .logs("creating admin", "password " + SECRET + " rejected", "error: weak password");
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: admin}
        spec:
          clusterRef: {name: prod-eu1}
          command: [is-db, create-admin-user, --tenant-id, acme, --password, $(ADMIN_PASSWORD)]
          secretArgs: [{name: ADMIN_PASSWORD, secretKeyRef: {name: acme-admin, key: password}}]
        """,
        OpsTask.class);
    OpsTask done = bed.await(OpsTask.class, "admin", Duration.ofSeconds(30), t -> finished(t));
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(done.getStatus().getExitCode()).isEqualTo(3);
    assertThat(done.getStatus().getLogTail()).contains("password **** rejected", "weak password");
    assertThat(aws.ecs().runRequests().get(0).command()).contains(SECRET);
    assertThat(done.getStatus().getCommandLine()).contains("$(ADMIN_PASSWORD)");
    assertThat(bed.everythingAsText()).doesNotContain(SECRET);
    assertThat(logs.all()).doesNotContain(SECRET);
  }

  @Test
  void badInputStallsWithAReasonNamingTheFieldAndMakesNoAwsMutation() {
    int before = aws.calls().mutatingCalls().size();
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: lost}
        spec: {clusterRef: {name: nowhere}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: nosecret}
        spec:
          clusterRef: {name: prod-eu1}
          command: [is-db, create-admin-user, --password, $(P)]
          secretArgs: [{name: P, secretKeyRef: {name: missing, key: password}}]
        """,
        OpsTask.class);
    OpsTask lost = bed.await(OpsTask.class, "lost", Duration.ofSeconds(20), t -> stalled(t));
    OpsTask nosecret =
        bed.await(OpsTask.class, "nosecret", Duration.ofSeconds(20), t -> stalled(t));
    assertThat(OperatorTestBed.condition(lost.getStatus(), "Stalled", true))
        .isEqualTo("ClusterNotFound");
    assertThat(OperatorTestBed.condition(nosecret.getStatus(), "Stalled", true))
        .isEqualTo("SecretNotFound");
    assertThat(msg(nosecret)).contains("spec.secretArgs[0].secretKeyRef");
    assertThat(msg(lost)).contains("spec.clusterRef.name");
    assertThat(bed.events("lost")).anyMatch(e -> "Warning".equals(e.getType()));
    assertThat(aws.calls().mutatingCalls()).hasSize(before);
  }

  @Test
  void aLaunchInterruptedBeforeItsStatusWriteIsAdoptedNotRepeated() {
    // The operator wrote the launch token, called RunTask, and died before writing the task ARN:
    // here the task runs in ECS and the OpsTask only has the token.
    aws.ecs().neverStop();
    OpsTask task =
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: OpsTask
            metadata: {name: crash}
            spec: {clusterRef: {name: prod-eu1}, command: [ns-db, migrate]}
            """,
            OpsTask.class);
    bed.await(
        OpsTask.class,
        "crash",
        Duration.ofSeconds(20),
        t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Running);
    bed.stopOperator();
    OpsTask running = bed.get(OpsTask.class, "crash");
    String arn = running.getStatus().getTaskArn();
    running.getStatus().setTaskArn(null);
    running.getStatus().setPhase(OpsTaskPhase.Pending);
    bed.client().resource(running).updateStatus();
    aws.ecs().finish(arn, 0);
    bed.startOperator();
    OpsTask done = bed.await(OpsTask.class, "crash", Duration.ofSeconds(30), t -> finished(t));
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(done.getStatus().getTaskArn()).isEqualTo(arn);
    assertThat(aws.ecs().runRequests()).hasSize(1);
    assertThat(task.getMetadata().getUid()).isNotNull();
  }

  /**
   * The ops task definition revision has one owner, the TTESCluster: an OpsTask launches the
   * revision in its status.ops and never looks one up itself. A revision deregistered by hand
   * stalls the launch with a clear reason, and the cluster is asked to resolve the latest ACTIVE
   * revision again (without waiting for its ops stack to change); the task then launches on it.
   */
  @Test
  void aRevisionGoneStallsTheLaunchAndTheClusterResolvesAnotherOne() {
    String resolved = FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 3);
    assertThat(clusterRevision()).isEqualTo(resolved);
    aws.ecs().deregister(FakeDeployment.FAMILY, 3);

    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: migrate}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    OpsTask done =
        bed.await(
            OpsTask.class,
            "migrate",
            Duration.ofSeconds(30),
            t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);

    String second = FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 2);
    assertThat(bed.events("migrate"))
        .anyMatch(
            e ->
                "TaskDefinitionInactive".equals(e.getReason())
                    && "Warning".equals(e.getType())
                    && e.getMessage().contains(resolved)
                    && e.getMessage().contains("status.ops.taskDefinition"));
    assertThat(aws.ecs().runRequests())
        .extracting(RunRequest::taskDefinition)
        .containsExactly(resolved, second);
    assertThat(clusterRevision()).isEqualTo(second);
    assertThat(done.getStatus().getTaskDefinition()).isEqualTo(second);
    assertThat(aws.ecs().startedTasks()).hasSize(1);
    assertThat(aws.calls().count("ECS.DescribeTaskDefinition"))
        .as("resolved again once, by the cluster")
        .isEqualTo(2);
  }

  private String clusterRevision() {
    return bed.get(TTESCluster.class, "prod-eu1").getStatus().getOps().getTaskDefinition();
  }

  private static boolean finished(OpsTask t) {
    return t.getStatus() != null
        && t.getStatus().getPhase() != null
        && t.getStatus().getPhase().isFinished();
  }

  private static boolean stalled(OpsTask t) {
    return t.getStatus() != null
        && "True".equals(OperatorTestBed.condition(t.getStatus(), "Stalled", false));
  }

  private static String msg(OpsTask t) {
    return io.ttes.operator.status.ConditionWriter.find(t.getStatus(), "Stalled").getMessage();
  }
}
