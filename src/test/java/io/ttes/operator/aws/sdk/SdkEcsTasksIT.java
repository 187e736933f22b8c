package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.EcsTasks.TaskState;
import io.ttes.operator.testing.MotoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.Task;

class SdkEcsTasksIT {
  private static final String CLUSTER = "prod-eu1-ops";
  private static final String FAMILY = "prod-eu1-ops";

  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static EcsTasks tasks;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static List<String> subnets;
  private static String securityGroup;
  private static String revision1;
  private static String revision2;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    tasks = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).ecs();
    ec2 = MotoClients.client(Ec2Client.builder(), moto);
    ecs = MotoClients.client(EcsClient.builder(), moto);

    String vpc = ec2.createVpc(b -> b.cidrBlock("10.10.0.0/16")).vpc().vpcId();
    // Without DNS hostnames moto answers RunTask in awsvpc mode with HTTP 500.
    ec2.modifyVpcAttribute(b -> b.vpcId(vpc).enableDnsHostnames(v -> v.value(true)));
    subnets =
        List.of(
            ec2.createSubnet(
                    b -> b.vpcId(vpc).cidrBlock("10.10.1.0/24").availabilityZone("eu-west-1a"))
                .subnet()
                .subnetId(),
            ec2.createSubnet(
                    b -> b.vpcId(vpc).cidrBlock("10.10.2.0/24").availabilityZone("eu-west-1b"))
                .subnet()
                .subnetId());
    securityGroup =
        ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("ops").description("ops tasks"))
            .groupId();
    ecs.createCluster(b -> b.clusterName(CLUSTER));
    revision1 = registerOpsTaskDefinition("1");
    revision2 = registerOpsTaskDefinition("2");
  }

  private static String registerOpsTaskDefinition(String tag) {
    return ecs.registerTaskDefinition(
            b ->
                b.family(FAMILY)
                    .networkMode(NetworkMode.AWSVPC)
                    .requiresCompatibilities(Compatibility.FARGATE)
                    .cpu("256")
                    .memory("512")
                    .containerDefinitions(
                        ContainerDefinition.builder()
                            .name("ttes")
                            .image("thethingsindustries/lorawan-stack:3.33." + tag + "-aws")
                            // moto needs container-level memory (HTTP 500 otherwise).
                            .memory(512)
                            .logConfiguration(
                                l ->
                                    l.logDriver(LogDriver.AWSLOGS)
                                        .options(
                                            Map.of(
                                                "awslogs-group", "/prod-eu1/ops",
                                                "awslogs-region", MotoServer.REGION,
                                                "awslogs-stream-prefix", "ops")))
                            .build()))
        .taskDefinition()
        .taskDefinitionArn();
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
    }
    if (ecs != null) {
      ecs.close();
      ec2.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static RunRequest request(List<String> command, String startedBy) {
    return new RunRequest(
        CLUSTER,
        revision2,
        "FARGATE",
        subnets,
        List.of(securityGroup),
        "ttes",
        command,
        startedBy,
        "token-" + startedBy);
  }

  private static long calls(String operation) {
    return factory.metrics().callsByOperation().getOrDefault(operation, 0L);
  }

  @Test
  void latestActiveRevisionFromFamilyRevisionOrArn() {
    assertThat(revision2).endsWith(":2");
    assertThat(tasks.latestActiveRevision(FAMILY)).isEqualTo(revision2);
    assertThat(tasks.latestActiveRevision(FAMILY + ":1")).isEqualTo(revision2);
    assertThat(tasks.latestActiveRevision(revision1)).isEqualTo(revision2);
  }

  @Test
  void runStartsOneTaskWithExactlyTheCommandOverrideAndNetwork() {
    List<String> command = List.of("tti-lw-stack", "is-db", "migrate");
    String arn = tasks.run(request(command, "ops.ttes.io/migrate-1"));

    Task task = ecs.describeTasks(b -> b.cluster(CLUSTER).tasks(arn)).tasks().get(0);
    assertThat(task.taskDefinitionArn()).isEqualTo(revision2);
    assertThat(task.startedBy()).isEqualTo("ops.ttes.io/migrate-1");
    assertThat(task.launchTypeAsString()).isEqualTo("FARGATE");
    assertThat(task.overrides().containerOverrides()).hasSize(1);
    assertThat(task.overrides().containerOverrides().get(0).name()).isEqualTo("ttes");
    assertThat(task.overrides().containerOverrides().get(0).command()).isEqualTo(command);
    // The ENI moto attached tells where the task landed: first subnet, our security group only.
    List<KeyValuePair> eni = task.attachments().get(0).details();
    String subnet = value(eni, "subnetId");
    String eniId = value(eni, "networkInterfaceId");
    assertThat(subnet).isEqualTo(subnets.get(0));
    NetworkInterface ni =
        ec2.describeNetworkInterfaces(b -> b.networkInterfaceIds(eniId)).networkInterfaces().get(0);
    assertThat(ni.groups()).extracting(g -> g.groupId()).containsExactly(securityGroup);
    assertThat(ni.association()).as("no public IP").isNull();
  }

  private static String value(List<KeyValuePair> details, String name) {
    return details.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow().value();
  }

  @Test
  void findStartedByFindsATaskAfterTheFactAndDescribeFollowsItToTheEnd() {
    long mutatingBefore = factory.metrics().mutatingCalls();
    String arn = tasks.run(request(List.of("tti-lw-stack", "noc-db", "init"), "ops/find-me"));
    assertThat(factory.metrics().mutatingCalls() - mutatingBefore).isEqualTo(1);

    long listTasks = calls("Ecs.ListTasks");
    long describeTasks = calls("Ecs.DescribeTasks");
    TaskState found = tasks.findStartedBy(CLUSTER, "ops/find-me").orElseThrow();
    // A running task is found with one ListTasks (RUNNING) and one DescribeTasks.
    assertThat(calls("Ecs.ListTasks") - listTasks).isEqualTo(1);
    assertThat(calls("Ecs.DescribeTasks") - describeTasks).isEqualTo(1);
    assertThat(found.taskArn()).isEqualTo(arn);
    assertThat(found.logGroup()).isEqualTo("/prod-eu1/ops");
    assertThat(found.logStream()).isEqualTo("ops/ttes/" + SdkEcsTasks.taskId(arn));
    assertThat(tasks.findStartedBy(CLUSTER, "ops/nobody")).isEmpty();

    // moto moves a task one state per DescribeTasks read: RUNNING ... STOPPED.
    TaskState state = found;
    for (int i = 0; i < 10 && !state.stopped(); i++) {
      state = tasks.describe(CLUSTER, List.of(arn)).get(arn);
    }
    assertThat(state.stopped()).isTrue();
    assertThat(state.exitCode()).isZero();
    assertThat(tasks.findStartedBy(CLUSTER, "ops/find-me")).map(TaskState::taskArn).hasValue(arn);
  }

  /**
   * moto's CloudFormation update registers the new revision with the template's container keys as
   * written (its create converts them to camelCase, its update does not), so a container named by
   * {@code Name} has no name in DescribeTasks. The log target was then not looked up at all: no
   * DescribeTaskDefinition of the new revision, no GetLogEvents, no log tail, for every migration
   * after an ops stack update. Here the updated template keeps the other keys camelCase, so the log
   * configuration stays readable: the log target comes from the overridden container's name and the
   * revision's only container definition.
   */
  @Test
  void aContainerAnsweredWithoutANameAfterAStackUpdateStillHasItsLogTarget() {
    String family = FAMILY + "-cfn";
    try (CloudFormationClient cfn = MotoClients.client(CloudFormationClient.builder(), moto)) {
      cfn.createStack(
          b -> b.stackName("ops-td").templateBody(taskDefinitionTemplate(family, "name", "1")));
      cfn.updateStack(
          b -> b.stackName("ops-td").templateBody(taskDefinitionTemplate(family, "Name", "2")));
    }
    String updated =
        ecs.describeTaskDefinition(b -> b.taskDefinition(family))
            .taskDefinition()
            .taskDefinitionArn();
    assertThat(updated).endsWith(":2");
    RunRequest run = request(List.of("tti-lw-stack", "is-db", "migrate"), "ops/updated");
    String arn =
        tasks.run(
            new RunRequest(
                run.cluster(),
                updated,
                run.launchType(),
                run.subnets(),
                run.securityGroups(),
                run.container(),
                run.command(),
                run.startedBy(),
                run.clientToken()));
    long lookUps = calls("Ecs.DescribeTaskDefinition");

    TaskState state = tasks.describe(CLUSTER, List.of(arn)).get(arn);

    assertThat(calls("Ecs.DescribeTaskDefinition") - lookUps).isEqualTo(1);
    assertThat(state.logGroup()).isEqualTo("/prod-eu1/ops");
    assertThat(state.logStream()).isEqualTo("ops/ttes/" + SdkEcsTasks.taskId(arn));
  }

  /** A task definition stack; {@code nameKey} is how the container's name is keyed. */
  private static String taskDefinitionTemplate(String family, String nameKey, String tag) {
    return """
        {"Resources": {"Ops": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
          "Family": "%s", "NetworkMode": "awsvpc", "RequiresCompatibilities": ["FARGATE"],
          "Cpu": "256", "Memory": "512",
          "ContainerDefinitions": [{"%s": "ttes",
            "image": "thethingsindustries/lorawan-stack:3.33.%s-aws", "memory": 512,
            "logConfiguration": {"logDriver": "awslogs", "options": {
              "awslogs-group": "/prod-eu1/ops", "awslogs-region": "%s",
              "awslogs-stream-prefix": "ops"}}}]}}}}
        """
        .formatted(family, nameKey, tag, MotoServer.REGION);
  }

  @Test
  void describeOf150TasksTakesTwoDescribeTasksCallsAndOneTaskDefinitionLookUp() {
    List<String> arns = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      arns.add(tasks.run(request(List.of("tti-lw-stack", "version"), "ops/batch-" + i)));
    }
    tasks.describe(CLUSTER, List.of(arns.get(0))); // warms the task definition cache
    long describeTasks = calls("Ecs.DescribeTasks");
    long describeTaskDefinition = calls("Ecs.DescribeTaskDefinition");

    Map<String, TaskState> states = tasks.describe(CLUSTER, arns);

    assertThat(states).hasSize(150).containsOnlyKeys(arns);
    assertThat(calls("Ecs.DescribeTasks") - describeTasks).isEqualTo(2);
    assertThat(calls("Ecs.DescribeTaskDefinition") - describeTaskDefinition).isZero();
    assertThat(states.values())
        .allSatisfy(s -> assertThat(s.logGroup()).isEqualTo("/prod-eu1/ops"));
  }

  @Test
  void stopEndsTheTask() {
    String arn = tasks.run(request(List.of("tti-lw-stack", "ns-db", "prune"), "ops/stop-me"));
    tasks.stop(CLUSTER, arn, "OpsTask deleted by user");
    Task task = ecs.describeTasks(b -> b.cluster(CLUSTER).tasks(arn)).tasks().get(0);
    assertThat(task.stoppedReason()).isEqualTo("OpsTask deleted by user");
    assertThat(task.desiredStatus()).isEqualTo("STOPPED");
  }

  @Test
  void tooLongStartedByIsRejectedBeforeAnyCall() {
    long runTask = calls("Ecs.RunTask");
    assertThatThrownBy(() -> tasks.run(request(List.of("x"), "s".repeat(129))))
        .isInstanceOfSatisfying(
            AwsException.class,
            e -> assertThat(e.kind()).isEqualTo(AwsException.Kind.INVALID_INPUT));
    assertThat(calls("Ecs.RunTask")).isEqualTo(runTask);
  }

  @Test
  void unknownTaskDefinitionIsNotFound() {
    assertThatThrownBy(() -> tasks.latestActiveRevision("no-such-family"))
        .isInstanceOfSatisfying(
            AwsException.class, e -> assertThat(e.kind()).isEqualTo(AwsException.Kind.NOT_FOUND));
  }
}
