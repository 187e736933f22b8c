package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;

/**
 * Platform AMI end to end on moto through the AWS SDK: a TTESCluster whose instance is not pinned
 * but read from its single stack's {@code InstanceId} output, an OpsTask sent over SSM Run Command,
 * and a StackUpgrade whose migrations run as OpsTasks on that platform, through SSM, on the
 * instance the stack names after its update.
 */
class AmiPlatformEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String NS = "ami";

  private static MotoServer moto;
  private static OperatorTestBed bed;
  private static SsmClient ssm;
  private static CloudFormationClient cfn;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed = OperatorTestBed.onMoto(moto, NS);
    ssm = TtesFixture.configure(SsmClient.builder(), moto.endpoint()).build();
    cfn = TtesFixture.configure(CloudFormationClient.builder(), moto.endpoint()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {ssm, cfn, bed, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void anOpsTaskAndAnUpgradesMigrationsRunThroughSsmOnTheStacksInstance() {
    TtesFixture.AmiDeployment d = TtesFixture.deployAmi(moto.endpoint(), "ami-eu1", "3.33.1");
    // No instanceId: the operator finds the instance from the stack.
    String yaml = d.clusterYaml("ami", NS).replace("instanceId: " + d.instanceId() + ", ", "");
    assertThat(yaml).doesNotContain("instanceId");
    bed.create(yaml, TTESCluster.class);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = cluster();
              assertThat(ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()))
                  .isTrue();
              assertThat(c.getStatus().getOps().getInstanceId()).isEqualTo(d.instanceId());
            });

    // A plain OpsTask.
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: noc-init, namespace: ami}
        spec: {clusterRef: {name: ami}, command: [noc-db, init]}
        """,
        OpsTask.class);
    OpsTask task = awaitTask("noc-init");
    assertThat(task.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(task.getStatus().getInstanceId()).isEqualTo(d.instanceId());
    assertThat(task.getStatus().getEcsCluster()).isNull();
    Command sent = command(task.getStatus().getTaskArn());
    assertThat(sent.instanceIds()).containsExactly(d.instanceId());
    assertThat(sent.comment()).isEqualTo(task.getStatus().getLaunchToken());
    assertThat(sent.parameters().get("commands"))
        .containsExactly("'docker' 'exec' 'lorawan-stack' 'ttn-lw-stack' 'noc-db' 'init'");

    // An upgrade of the single stack; its migrations are OpsTasks on platform AMI.
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: ami-to-3.33.2, namespace: ami}
        spec: {clusterRef: {name: ami}, targetVersion: 3.33.2, approval: Automatic}
        """,
        StackUpgrade.class);
    StackUpgrade done =
        bed.await(
            StackUpgrade.class,
            "ami-to-3.33.2",
            CONVERGE,
            u ->
                u.getStatus() != null
                    && u.getStatus().getPhase() != null
                    && u.getStatus().getPhase().isFinished());
    assertThat(done.getStatus().getPhase())
        .as("%s", done.getStatus())
        .isEqualTo(UpgradePhase.Succeeded);

    String instanceAfter =
        cfn.describeStacks(b -> b.stackName(d.stackName())).stacks().get(0).outputs().stream()
            .filter(o -> "InstanceId".equals(o.outputKey()))
            .findFirst()
            .orElseThrow()
            .outputValue();
    // moto 5.2.1 keeps the instance when ImageId changes (AWS replaces it); the replacement
    // itself is covered with the fakes in OpsTaskAwsAsDocumentedIT. Here: the instance the stack
    // names after its update is the one the migrations went to.
    List<OpsTask> migrations =
        bed.objects().list(OpsTask.class).stream()
            .filter(
                t ->
                    "StackUpgrade"
                        .equals(t.getMetadata().getLabels().get(ApiGroup.OWNER_KIND_LABEL)))
            .sorted(Comparator.comparing(t -> t.getMetadata().getCreationTimestamp()))
            .toList();
    assertThat(migrations)
        .extracting(t -> String.join(" ", t.getSpec().getCommand()))
        .containsExactlyInAnyOrder(
            "is-db migrate", "ns-db migrate", "as-db migrate", "noc-db migrate", "dcs-db migrate");
    for (OpsTask m : migrations) {
      assertThat(m.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
      assertThat(m.getStatus().getEcsCluster()).as("runs on platform AMI, not ECS").isNull();
      assertThat(m.getStatus().getInstanceId()).isEqualTo(instanceAfter);
      Command c = command(m.getStatus().getTaskArn());
      assertThat(c.documentName()).isEqualTo("AWS-RunShellScript");
      assertThat(c.instanceIds()).containsExactly(instanceAfter);
      assertThat(c.parameters().get("commands").get(0))
          .startsWith("'docker' 'exec' 'lorawan-stack' 'ttn-lw-stack' ")
          .endsWith("'migrate'");
    }
    // One SSM command per OpsTask: the plain one and the five migrations.
    assertThat(ssm.listCommandsPaginator(b -> b.maxResults(50)).commands().stream().count())
        .isEqualTo(6);
  }

  private static TTESCluster cluster() {
    return bed.get(TTESCluster.class, "ami");
  }

  private static OpsTask awaitTask(String name) {
    return bed.await(
        OpsTask.class,
        name,
        CONVERGE,
        t ->
            t.getStatus() != null
                && t.getStatus().getPhase() != null
                && t.getStatus().getPhase().isFinished());
  }

  private static Command command(String commandId) {
    return ssm.listCommands(b -> b.commandId(commandId)).commands().get(0);
  }
}
