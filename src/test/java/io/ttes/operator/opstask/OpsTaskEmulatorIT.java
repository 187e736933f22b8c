package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * OpsTask through the real operator, an in-process Kubernetes API and the AWS emulator (moto)
 * holding a TTES-shaped deployment. What ran is read back from moto through the AWS SDK, and the
 * RunTask request itself from moto's request recorder (moto keeps only the first subnet and nothing
 * of assignPublicIp in its state).
 */
class OpsTaskEmulatorIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static MotoServer moto;
  private static TtesFixture.Deployment deployment;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static CloudFormationClient cfn;

  /**
   * A factory per operator start: closing the operator closes its AWS clients, as a crash would.
   */
  private OperatorTestBed bed;

  private KubeApi api;

  @BeforeAll
  static void deploy() {
    moto = MotoServer.start();
    deployment =
        TtesFixture.deploy(moto.endpoint(), "emu-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build();
    ec2 = TtesFixture.configure(Ec2Client.builder(), moto.endpoint()).build();
    cfn = TtesFixture.configure(CloudFormationClient.builder(), moto.endpoint()).build();
  }

  @AfterAll
  static void stopMoto() {
    ecs.close();
    ec2.close();
    cfn.close();
    moto.close();
  }

  @BeforeEach
  void start() {
    // A task moves one state per second of time, not per DescribeTasks read, so reading moto
    // from this test does not move the operator's tasks along.
    moto.ecsTasksAdvanceEvery(1);
    bed = OperatorTestBed.builder().sdkAws(moto.endpoint()).start();
    api = bed.api;
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void migrateRunsTheRunbookTaskOnTheRevisionTheClusterResolvedInTheOpsNetwork() {
    api.createNamespace("migrate");
    String latest = registerAwsvpcRevision();
    createCluster("migrate", "emu", deployment.clusterSpec());
    TTESCluster ready = awaitCluster("migrate", "emu", OpsTaskEmulatorIT::ready);
    // The cluster resolved the latest ACTIVE revision when it became Ready; it is the one owner
    // of that answer. A revision registered afterwards outside the ops stack is not looked up
    // again by the launch: the task runs on the cluster's.
    assertThat(ready.getStatus().getOps().getTaskDefinition()).isEqualTo(latest);
    String outOfBand = registerAwsvpcRevision();
    assertThat(outOfBand).isNotEqualTo(latest);

    MotoRecorder recorder = new MotoRecorder(moto.endpoint());
    recorder.start();
    create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: migrate, namespace: migrate}
        spec: {clusterRef: {name: emu}, command: [is-db, migrate]}
        """);
    OpsTask done = awaitTask("migrate", "migrate", OpsTaskEmulatorIT::finished);
    recorder.stop();

    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(done.getStatus().getExitCode()).isZero();
    assertThat(done.getStatus().getTaskDefinition()).isEqualTo(latest);
    assertThat(ConditionWriter.find(done.getStatus(), "Ready").getStatus()).isEqualTo("True");

    Task task = describe(done.getStatus().getTaskArn());
    assertThat(task.lastStatus()).isEqualTo("STOPPED");
    assertThat(task.taskDefinitionArn()).isEqualTo(latest);
    assertThat(task.launchTypeAsString()).isEqualTo("FARGATE");
    assertThat(task.startedBy()).isEqualTo(done.getStatus().getLaunchToken());
    assertThat(task.overrides().containerOverrides())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.name()).isEqualTo("ttes");
              assertThat(o.command()).containsExactly("tti-lw-stack", "is-db", "migrate");
            });
    // moto gives the task one ENI, in the first subnet, with the requested security groups.
    Attachment eni = task.attachments().get(0);
    assertThat(eni.type()).isEqualTo("ElasticNetworkInterface");
    assertThat(detail(eni, "subnetId")).isEqualTo(deployment.subnets().get(0));
    NetworkInterface nic =
        ec2.describeNetworkInterfaces(b -> b.networkInterfaceIds(detail(eni, "networkInterfaceId")))
            .networkInterfaces()
            .get(0);
    assertThat(nic.groups())
        .extracting(GroupIdentifier::groupId)
        .containsExactly(deployment.securityGroup());
    assertThat(nic.association()).as("no public IP").isNull();

    List<JsonNode> runs = recorder.ecsRequests("RunTask");
    assertThat(runs).hasSize(1);
    JsonNode run = runs.get(0);
    JsonNode vpc = run.path("networkConfiguration").path("awsvpcConfiguration");
    assertThat(texts(vpc.path("subnets"))).containsExactlyElementsOf(deployment.subnets());
    assertThat(texts(vpc.path("securityGroups"))).containsExactly(deployment.securityGroup());
    assertThat(vpc.path("assignPublicIp").asText()).isEqualTo("DISABLED");
    assertThat(run.path("launchType").asText()).isEqualTo("FARGATE");
    assertThat(run.path("cluster").asText()).isEqualTo(deployment.ecsCluster());
    assertThat(run.path("taskDefinition").asText()).isEqualTo(latest);
    assertThat(run.path("clientToken").asText()).isNotBlank();
    assertThat(texts(run.path("overrides").path("containerOverrides").path(0).path("command")))
        .containsExactly("tti-lw-stack", "is-db", "migrate");
    assertThat(tasksStartedBy(done.getStatus().getLaunchToken())).hasSize(1);
    // Also pins the key the other tests look for when they check that no RunTask was made.
    assertThat(bed.awsCalls().callsByOperation()).containsEntry("Ecs.RunTask", 1L);
  }

  @Test
  void aCrashBetweenRunTaskAndTheStatusWriteAdoptsTheTaskInsteadOfStartingAnother() {
    api.createNamespace("crash");
    createCluster("crash", "emu", deployment.clusterSpec());
    awaitCluster("crash", "emu", OpsTaskEmulatorIT::ready);
    // Tasks hold still while the operator is down, so the new one finds this task running.
    freezeEcsTasks();
    create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: ns-migrate, namespace: crash}
        spec: {clusterRef: {name: emu}, command: [ns-db, migrate]}
        """);
    OpsTask running =
        awaitTask(
            "crash",
            "ns-migrate",
            t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Running);
    bed.stopOperator();

    // What the status looks like when the operator died after RunTask returned and before the
    // ARN was written: the launch token is there, the ARN is not.
    String arn = running.getStatus().getTaskArn();
    String token = running.getStatus().getLaunchToken();
    assertThat(arn).isNotBlank();
    assertThat(token).isNotBlank();
    // A read-modify-write as kubectl edit does it: a status write of the stopping operator that
    // lands between the read and the write is a 409, and the edit is made again on the new object.
    OpsTask lost = null;
    for (int i = 0; i < 5 && lost == null; i++) {
      OpsTask stored = bed.client().resource(running).get();
      stored.getStatus().setTaskArn(null);
      stored.getStatus().setPhase(OpsTaskPhase.Pending);
      try {
        lost = bed.client().resource(stored).updateStatus();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    assertThat(lost).as("status edited within 5 tries").isNotNull();
    assertThat(bed.client().resource(lost).get().getStatus().getTaskArn()).isNull();

    moto.ecsTasksAdvanceEvery(1);
    bed.startOperator();
    OpsTask done = awaitTask("crash", "ns-migrate", OpsTaskEmulatorIT::finished);

    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(done.getStatus().getTaskArn()).isEqualTo(arn);
    assertThat(done.getStatus().getLaunchToken()).isEqualTo(token);
    assertThat(tasksStartedBy(token)).containsExactly(arn);
    assertThat(bed.awsCalls().callsByOperation()).doesNotContainKey("Ecs.RunTask");
  }

  @Test
  void aMalformedOpsOutputStallsTheClusterAndNoTaskIsStartedAgainstIt() {
    api.createNamespace("malformed");
    // The fixture's 5-2-ecs-ops stack has one output only, so two ways to a malformed value:
    // (1) a second ops stack whose OpsRunTaskArguments has four words (the security group lost),
    String badStack = createFourWordOpsStack();
    TTESClusterSpec fourWords = deployment.clusterSpec();
    fourWords.setStacks(
        List.of(
            new TTESClusterSpec.StackRef(
                deployment.stackName(TtesFixture.VPC_TEMPLATE), TtesFixture.VPC_TEMPLATE),
            new TTESClusterSpec.StackRef(badStack, TtesFixture.OPS_TEMPLATE)));
    fourWords.getOps().getEcs().setStack(badStack);
    createCluster("malformed", "four-words", fourWords);
    // (2) spec.ops.ecs pointed at an output that exists but is one word (a subnet id).
    TTESClusterSpec oneWord = deployment.clusterSpec();
    oneWord.getOps().getEcs().setStack(deployment.stackName(TtesFixture.VPC_TEMPLATE));
    oneWord.getOps().getEcs().setOutput("SubnetOne");
    createCluster("malformed", "one-word", oneWord);

    TTESCluster four = awaitCluster("malformed", "four-words", OpsTaskEmulatorIT::stalled);
    TTESCluster one = awaitCluster("malformed", "one-word", OpsTaskEmulatorIT::stalled);
    assertThat(ConditionWriter.find(four.getStatus(), "Stalled").getReason())
        .isEqualTo(Reasons.OPS_OUTPUT_MALFORMED);
    assertThat(ConditionWriter.find(four.getStatus(), "Stalled").getMessage())
        .contains("spec.ops.ecs.output", "OpsRunTaskArguments", badStack, "found 4");
    assertThat(ConditionWriter.find(one.getStatus(), "Stalled").getReason())
        .isEqualTo(Reasons.OPS_OUTPUT_MALFORMED);
    assertThat(ConditionWriter.find(one.getStatus(), "Stalled").getMessage())
        .contains("spec.ops.ecs.output", "SubnetOne", "found 1");
    assertThat(ready(four)).isFalse();

    long mutatingBefore = bed.awsCalls().mutatingCalls();
    for (String cluster : List.of("four-words", "one-word")) {
      create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: migrate-%s, namespace: malformed}
          spec: {clusterRef: {name: %s}, command: [is-db, migrate]}
          """
              .formatted(cluster, cluster));
    }
    for (String cluster : List.of("four-words", "one-word")) {
      OpsTask waiting =
          awaitTask(
              "malformed",
              "migrate-" + cluster,
              t ->
                  t.getStatus() != null
                      && Reasons.WAITING_FOR_CLUSTER.equals(t.getStatus().getReason()));
      assertThat(waiting.getStatus().getMessage()).contains(cluster);
    }
    // Several polls of both tasks (fast poll 200 ms, waiting 600 ms): still nothing mutated.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> bed.awsCalls().mutatingCalls(), n -> n == mutatingBefore);
    for (String cluster : List.of("four-words", "one-word")) {
      OpsTask t = get(OpsTask.class, "malformed", "migrate-" + cluster);
      assertThat(t.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Pending);
      assertThat(t.getStatus().getLaunchToken()).isNull();
      assertThat(t.getStatus().getTaskArn()).isNull();
      assertThat(tasksStartedBy(OpsTaskFlow.launchToken(t.getMetadata().getUid()))).isEmpty();
    }
    assertThat(bed.awsCalls().callsByOperation()).doesNotContainKey("Ecs.RunTask");
  }

  // ---- operator and Kubernetes

  private void createCluster(String namespace, String name, TTESClusterSpec spec) {
    TTESCluster cluster = new TTESCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    cluster.setSpec(spec);
    bed.client().resource(cluster).create();
  }

  /** Creates the OpsTask in the namespace its manifest names. */
  private void create(String yaml) {
    OpsTask task = bed.client().getKubernetesSerialization().unmarshal(yaml, OpsTask.class);
    bed.client().resource(task).create();
  }

  private <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
    return bed.objects(namespace).get(type, name);
  }

  private TTESCluster awaitCluster(String namespace, String name, Predicate<TTESCluster> until) {
    return bed.objects(namespace).await(TTESCluster.class, name, TIMEOUT, until);
  }

  private OpsTask awaitTask(String namespace, String name, Predicate<OpsTask> until) {
    return bed.objects(namespace).await(OpsTask.class, name, TIMEOUT, until);
  }

  private static boolean ready(TTESCluster c) {
    return ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration())
        && c.getStatus().getOps() != null;
  }

  private static boolean stalled(TTESCluster c) {
    var s = ConditionWriter.find(c.getStatus(), "Stalled");
    return s != null && "True".equals(s.getStatus());
  }

  private static boolean finished(OpsTask t) {
    return t.getStatus() != null
        && t.getStatus().getPhase() != null
        && t.getStatus().getPhase().isFinished();
  }

  // ---- moto, read through the SDK

  /**
   * A revision of the ops family registered outside CloudFormation, shaped like the real one
   * (awsvpc, FARGATE): moto gives tasks of such a revision an ENI, which records where it ran.
   */
  private static String registerAwsvpcRevision() {
    return ecs.registerTaskDefinition(
            b ->
                b.family(deployment.taskDefinitionFamily())
                    .networkMode(NetworkMode.AWSVPC)
                    .requiresCompatibilities(Compatibility.FARGATE)
                    .cpu("512")
                    .memory("2048")
                    .containerDefinitions(
                        ContainerDefinition.builder()
                            .name("ttes")
                            .image(TtesFixture.image(deployment.version()))
                            .memory(2048)
                            .essential(true)
                            .command("tti-lw-stack", "version")
                            .logConfiguration(
                                LogConfiguration.builder()
                                    .logDriver(LogDriver.AWSLOGS)
                                    .options(
                                        Map.of(
                                            "awslogs-group",
                                            "/ttes/" + deployment.secretPrefix() + "/ops",
                                            "awslogs-region",
                                            deployment.region(),
                                            "awslogs-stream-prefix",
                                            "ops"))
                                    .build())
                            .build()))
        .taskDefinition()
        .taskDefinitionArn();
  }

  private static String createFourWordOpsStack() {
    String name = deployment.prefix() + "-bad-5-2-ecs-ops";
    String value =
        String.join(
            " ",
            deployment.taskDefinitionFamily(),
            deployment.ecsCluster(),
            deployment.subnets().get(0),
            deployment.subnets().get(1));
    String body =
        """
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Marker:
            Type: AWS::SSM::Parameter
            Properties: {Name: /emu/bad-ops/marker, Type: String, Value: bad}
        Outputs:
          OpsRunTaskArguments:
            Value: "%s"
        """
            .formatted(value);
    cfn.createStack(b -> b.stackName(name).templateBody(body));
    TtesFixture.awaitStatus(cfn, name, StackStatus.CREATE_COMPLETE);
    return name;
  }

  private static Task describe(String arn) {
    List<Task> tasks =
        ecs.describeTasks(b -> b.cluster(deployment.ecsCluster()).tasks(arn)).tasks();
    assertThat(tasks).hasSize(1);
    return tasks.get(0);
  }

  /** Every task moto holds with this startedBy, whatever its desired status. */
  private static Set<String> tasksStartedBy(String startedBy) {
    Set<String> arns = new LinkedHashSet<>();
    for (DesiredStatus s : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
      arns.addAll(
          ecs.listTasks(
                  b -> b.cluster(deployment.ecsCluster()).startedBy(startedBy).desiredStatus(s))
              .taskArns());
    }
    return arns;
  }

  private static String detail(Attachment attachment, String name) {
    return attachment.details().stream()
        .filter(d -> name.equals(d.name()))
        .map(KeyValuePair::value)
        .findFirst()
        .orElse(null);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** ECS tasks advance only after a million DescribeTasks reads: they hold still. */
  private static void freezeEcsTasks() {
    MotoRecorder.post(
        moto.endpoint(),
        "/moto-api/state-manager/set-transition",
        "{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"manual\","
            + " \"times\": 1000000}}");
  }

  /** moto's request recorder: the requests moto received between start and stop. */
  private static final class MotoRecorder {
    private final URI endpoint;

    MotoRecorder(URI endpoint) {
      this.endpoint = endpoint;
    }

    void start() {
      post(endpoint, "/moto-api/recorder/reset-recording", "");
      post(endpoint, "/moto-api/recorder/start-recording", "");
    }

    void stop() {
      post(endpoint, "/moto-api/recorder/stop-recording", "");
    }

    /** Bodies of the recorded ECS requests of one operation (JSON protocol). */
    List<JsonNode> ecsRequests(String operation) {
      String target = "AmazonEC2ContainerServiceV20141113." + operation;
      List<JsonNode> bodies = new ArrayList<>();
      for (String line : get("/moto-api/recorder/download-recording").split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        try {
          JsonNode entry = JSON.readTree(line);
          boolean matches = false;
          var fields = entry.path("headers").fields();
          while (fields.hasNext()) {
            var h = fields.next();
            if (h.getKey().equalsIgnoreCase("X-Amz-Target")
                && h.getValue().asText().equals(target)) {
              matches = true;
            }
          }
          if (!matches) {
            continue;
          }
          String body = entry.path("body").asText();
          if (entry.path("body_encoded").asBoolean()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
          }
          bodies.add(JSON.readTree(body));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return bodies;
    }

    private String get(String path) {
      try {
        HttpURLConnection c = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
        assertThat(c.getResponseCode()).isEqualTo(200);
        try (var in = c.getInputStream()) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static void post(URI endpoint, String path, String body) {
      try {
        HttpURLConnection c = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        assertThat(c.getResponseCode()).as("moto " + path).isLessThan(300);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
