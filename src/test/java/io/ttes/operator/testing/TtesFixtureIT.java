package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.testing.TtesFixture.Deployment;
import io.ttes.operator.testing.TtesFixture.OAuthClient;
import io.ttes.operator.testing.TtesFixture.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.CreateChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ParameterDeclaration;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.VpcAttributeName;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;

/** The fixture deployment inside the real moto_server: what later tests rely on. */
class TtesFixtureIT {
  private static MotoServer moto;
  private static CloudFormationClient cfn;
  private static EcsClient ecs;
  private static Ec2Client ec2;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    cfn = TtesFixture.configure(CloudFormationClient.builder(), moto.endpoint()).build();
    ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build();
    ec2 = TtesFixture.configure(Ec2Client.builder(), moto.endpoint()).build();
  }

  @AfterAll
  static void stopMoto() {
    cfn.close();
    ecs.close();
    ec2.close();
    moto.close();
  }

  @Test
  void opsRunTaskArgumentsNameRealResources() {
    TtesFixture.uploadTemplates(moto.endpoint());
    long start = System.nanoTime();
    Deployment d =
        TtesFixture.deploy(moto.endpoint(), "demo-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    System.out.printf("seeded 5 stacks in %d ms%n", millisSince(start));

    assertThat(d.stacks().values())
        .containsExactly(
            "demo-eu1-1-1-vpc",
            "demo-eu1-2-1-db-aurora-master",
            "demo-eu1-4-1-secrets",
            "demo-eu1-5-2-ecs-ops",
            "demo-eu1-5-4-ecs-services");
    String[] words = d.opsRunTaskArguments().split(" ");
    assertThat(words).hasSize(5);
    assertThat(words[0]).isEqualTo("demo-eu1-ops").isEqualTo(d.taskDefinitionFamily());
    assertThat(words[1]).isEqualTo("demo-eu1-c1").isEqualTo(d.ecsCluster());
    assertThat(List.of(words[2], words[3])).isEqualTo(d.subnets());
    assertThat(words[4]).isEqualTo(d.securityGroup());

    TaskDefinition td =
        ecs.describeTaskDefinition(b -> b.taskDefinition(words[0])).taskDefinition();
    assertThat(td.family()).isEqualTo("demo-eu1-ops");
    ContainerDefinition ttes = td.containerDefinitions().get(0);
    assertThat(ttes.name()).isEqualTo("ttes");
    assertThat(ttes.image()).isEqualTo(TtesFixture.image("3.33.1"));
    assertThat(ttes.memory()).isEqualTo(1024);
    assertThat(ttes.logConfiguration().logDriverAsString()).isEqualTo("awslogs");
    assertThat(ecs.describeClusters(b -> b.clusters(words[1])).clusters())
        .singleElement()
        .satisfies(c -> assertThat(c.status()).isEqualTo("ACTIVE"));
    List<Subnet> subnets = ec2.describeSubnets(b -> b.subnetIds(words[2], words[3])).subnets();
    assertThat(subnets).extracting(Subnet::vpcId).containsOnly(d.vpcId());
    assertThat(subnets).extracting(Subnet::availabilityZone).doesNotHaveDuplicates();
    assertThat(ec2.describeSecurityGroups(b -> b.groupIds(words[4])).securityGroups())
        .singleElement()
        .satisfies(g -> assertThat(g.vpcId()).isEqualTo(d.vpcId()));
    assertThat(
            ec2.describeVpcAttribute(
                    b -> b.vpcId(d.vpcId()).attribute(VpcAttributeName.ENABLE_DNS_HOSTNAMES))
                .enableDnsHostnames()
                .value())
        .isTrue();
  }

  @Test
  void runTaskWithTheOpsArgumentsStartsTheOverriddenCommand() {
    Deployment d =
        TtesFixture.deploy(moto.endpoint(), "run-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    String[] words = d.opsRunTaskArguments().split(" ");

    RunTaskResponse run =
        ecs.runTask(
            b ->
                b.taskDefinition(words[0])
                    .cluster(words[1])
                    .launchType(LaunchType.FARGATE)
                    .startedBy("fixture-it")
                    .networkConfiguration(
                        n ->
                            n.awsvpcConfiguration(
                                a ->
                                    a.subnets(words[2], words[3])
                                        .securityGroups(words[4])
                                        .assignPublicIp(AssignPublicIp.DISABLED)))
                    .overrides(
                        o ->
                            o.containerOverrides(
                                c -> c.name("ttes").command("tti-lw-stack", "is-db", "migrate"))));

    assertThat(run.failures()).isEmpty();
    Task task = run.tasks().get(0);
    assertThat(task.taskDefinitionArn()).endsWith("task-definition/run-eu1-ops:1");
    assertThat(task.launchType()).isEqualTo(LaunchType.FARGATE);
    assertThat(task.overrides().containerOverrides().get(0).command())
        .containsExactly("tti-lw-stack", "is-db", "migrate");
    assertThat(task.containers()).extracting(c -> c.name()).containsExactly("ttes");
    Task described =
        ecs.describeTasks(b -> b.cluster(words[1]).tasks(task.taskArn())).tasks().get(0);
    assertThat(described.startedBy()).isEqualTo("fixture-it");
  }

  @Test
  void opsStackUpgradesThroughAChangeSetAndVpcHasNoChanges() {
    Deployment d =
        TtesFixture.deploy(moto.endpoint(), "up-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    String opsStack = d.opsStack();

    CreateChangeSetResponse created =
        createUpdateChangeSet(
            opsStack, "3.33.2", "5-2-ecs-ops", Map.of("Image", TtesFixture.image("3.33.2")));
    DescribeChangeSetResponse cs = awaitChangeSet(created.id());
    assertThat(cs.status()).isEqualTo(ChangeSetStatus.CREATE_COMPLETE);
    assertThat(cs.changes())
        .extracting(Change::resourceChange)
        .anySatisfy(
            rc -> {
              assertThat(rc.logicalResourceId()).isEqualTo("OpsTaskDefinition");
              assertThat(rc.actionAsString()).isEqualTo("Modify");
            });

    cfn.executeChangeSet(b -> b.changeSetName(created.id()));
    var stack = TtesFixture.awaitStatus(cfn, opsStack, StackStatus.UPDATE_COMPLETE);
    assertThat(stack.parameters())
        .anySatisfy(
            p -> {
              assertThat(p.parameterKey()).isEqualTo("Image");
              assertThat(p.parameterValue()).isEqualTo(TtesFixture.image("3.33.2"));
            });
    TaskDefinition latest =
        ecs.describeTaskDefinition(b -> b.taskDefinition(d.taskDefinitionFamily()))
            .taskDefinition();
    assertThat(latest.revision()).isEqualTo(2);
    assertThat(latest.containerDefinitions().get(0).name()).isEqualTo("ttes");
    assertThat(latest.containerDefinitions().get(0).image()).isEqualTo(TtesFixture.image("3.33.2"));
    assertThat(
            ecs.describeTaskDefinition(b -> b.taskDefinition(d.taskDefinitionFamily() + ":1"))
                .taskDefinition()
                .status())
        .isEqualTo(TaskDefinitionStatus.INACTIVE);

    // "No changes" in moto, as in AWS: the change set is created, then FAILED with this reason.
    CreateChangeSetResponse vpc =
        createUpdateChangeSet(d.stackName("1-1-vpc"), "3.33.2", "1-1-vpc", Map.of());
    DescribeChangeSetResponse none = awaitChangeSet(vpc.id());
    assertThat(none.status()).isEqualTo(ChangeSetStatus.FAILED);
    assertThat(none.executionStatusAsString()).isEqualTo("UNAVAILABLE");
    assertThat(none.statusReason())
        .isEqualTo(
            "The submitted information didn't contain changes. Submit different information to"
                + " create a change set.");
    assertThat(none.changes()).isEmpty();
  }

  @Test
  void motoCallsAChangeSetCompleteWhenOnlyTheParameterNamesDiffer() {
    // moto compares the parameters with those given when the stack was CREATED (an executed
    // change set does not replace them): a planner must also read CREATE_COMPLETE with no
    // changes as "no changes".
    Deployment d =
        TtesFixture.deploy(
            moto.endpoint(), "quirk-eu1", "3.33.1", Set.of("1-1-vpc", "5-2-ecs-ops"));
    CreateChangeSetResponse up =
        createUpdateChangeSet(
            d.opsStack(), "3.33.2", "5-2-ecs-ops", Map.of("Image", TtesFixture.image("3.33.2")));
    awaitChangeSet(up.id());
    cfn.executeChangeSet(b -> b.changeSetName(up.id()));
    TtesFixture.awaitStatus(cfn, d.opsStack(), StackStatus.UPDATE_COMPLETE);

    CreateChangeSetResponse again =
        createUpdateChangeSet(d.opsStack(), "3.33.2", "5-2-ecs-ops", Map.of());
    DescribeChangeSetResponse cs = awaitChangeSet(again.id());
    assertThat(cs.status()).isEqualTo(ChangeSetStatus.CREATE_COMPLETE);
    assertThat(cs.changes()).isEmpty();
    // and DescribeStacks still lists the parameter 3.33.2 dropped
    assertThat(cfn.describeStacks(b -> b.stackName(d.opsStack())).stacks().get(0).parameters())
        .extracting(Parameter::parameterKey)
        .contains("OpsTaskMemory");
  }

  @Test
  void templateSummariesShowParametersAddedAndDropped() {
    TtesFixture.uploadTemplates(moto.endpoint());

    assertThat(declared("3.34.0", "5-4-ecs-services"))
        .anySatisfy(
            p -> {
              assertThat(p.parameterKey()).isEqualTo("PacketBrokerNetID");
              assertThat(p.defaultValue()).isNull();
            });
    assertThat(declared("3.33.2", "5-4-ecs-services"))
        .anySatisfy(
            p -> {
              assertThat(p.parameterKey()).isEqualTo("EnableUDPGSRateLimiting");
              assertThat(p.defaultValue()).isEqualTo("false");
            })
        .noneSatisfy(p -> assertThat(p.parameterKey()).isEqualTo("PacketBrokerNetID"));
    assertThat(declared("3.33.1", "5-2-ecs-ops"))
        .extracting(ParameterDeclaration::parameterKey)
        .contains("OpsTaskMemory");
    assertThat(declared("3.33.2", "5-2-ecs-ops"))
        .extracting(ParameterDeclaration::parameterKey)
        .doesNotContain("OpsTaskMemory");
    assertThat(declared("3.33.2", "5-2-ecs-ops"))
        .filteredOn(p -> p.parameterKey().equals("Image"))
        .singleElement()
        .satisfies(p -> assertThat(p.defaultValue()).isEqualTo(TtesFixture.image("3.33.2")));
    assertThat(declared("3.33.1", "2-1-db-aurora-master"))
        .filteredOn(p -> p.parameterKey().equals("DBSnapshotIdentifier"))
        .singleElement()
        .satisfies(p -> assertThat(p.defaultValue()).isEmpty());

    assertThatThrownBy(
            () ->
                TtesFixture.deploy(
                    moto.endpoint(), "req-eu1", "3.34.0", Set.of("1-1-vpc", "5-4-ecs-services")))
        .hasMessageContaining("5-4-ecs-services 3.34.0 needs parameter PacketBrokerNetID");
    for (String version : TtesFixture.VERSIONS) {
      assertThat(declared(version, "5-4-ecs-services"))
          .filteredOn(p -> p.parameterKey().equals("CookieHashKey"))
          .singleElement()
          .satisfies(p -> assertThat(p.noEcho()).isTrue());
    }
  }

  @Test
  void motoAnswersANoEchoParameterUnmaskedWhereAwsAnswersAsterisks() {
    // AWS: "the parameter value is masked with asterisks (*****) whenever anyone makes a call that
    // describes the stack" (parameters-section-structure.html, "NoEcho"). moto 5.2.1 compares the
    // value, not the key, with the NoEcho keys, so it answers the value. An upgrade does not rely
    // on
    // the masking (it keeps the value with UsePreviousValue and masks by the template's NoEcho
    // flag); the cluster's drift baseline does, so on moto it holds the fixture's value.
    Deployment d =
        TtesFixture.deploy(
            moto.endpoint(),
            "echo-eu1",
            "3.33.1",
            Set.of("1-1-vpc", "5-4-ecs-services"),
            Options.defaults().withParameters(Map.of("CookieHashKey", "echo-cookie-key")));
    assertThat(
            cfn.describeStacks(b -> b.stackName(d.stackName("5-4-ecs-services")))
                .stacks()
                .get(0)
                .parameters())
        .filteredOn(p -> p.parameterKey().equals("CookieHashKey"))
        .singleElement()
        .satisfies(p -> assertThat(p.parameterValue()).isEqualTo("echo-cookie-key"));
  }

  @Test
  void secretsAndManifestPointAtTheDeployment() throws Exception {
    Options options =
        Options.defaults()
            .withCluster("c7")
            .withSecrets(
                new OAuthClient("console", "MARKER-console-s3cr3t"),
                new OAuthClient("noc", "MARKER-noc-s3cr3t"));
    Deployment d =
        TtesFixture.deploy(
            moto.endpoint(), "sec-eu1", "3.33.1", Set.of("1-1-vpc", "4-1-secrets"), options);

    assertThat(d.consoleSecretName()).isEqualTo("sec-eu1-c7-console-oauth-client");
    assertThat(d.nocSecretName()).isEqualTo("sec-eu1-c7-noc-oauth-client");
    try (SecretsManagerClient sm =
        TtesFixture.configure(SecretsManagerClient.builder(), moto.endpoint()).build()) {
      JsonNode console =
          new ObjectMapper()
              .readTree(sm.getSecretValue(b -> b.secretId(d.consoleSecretName())).secretString());
      assertThat(console.get("client_id").asText()).isEqualTo("console");
      assertThat(console.get("client_secret").asText()).isEqualTo("MARKER-console-s3cr3t");
    }
    assertThat(options.console().toString()).doesNotContain("MARKER");

    TTESCluster parsed = Serialization.unmarshal(d.clusterYaml("sec", "ttes"), TTESCluster.class);
    assertThat(parsed.getMetadata().getName()).isEqualTo("sec");
    assertThat(parsed.getMetadata().getNamespace()).isEqualTo("ttes");
    assertThat(parsed.getSpec()).isEqualTo(d.clusterSpec());
    assertThat(parsed.getSpec().getTemplates().getUrlPattern()).isEqualTo(TtesFixture.URL_PATTERN);
    assertThat(parsed.getSpec().getNaming().prefix()).isEqualTo("sec-eu1-c7");
  }

  @Test
  void amiInstanceAnswersSsmRunCommand() {
    var ami = TtesFixture.deployAmi(moto.endpoint(), "ami-eu1", "3.33.1");
    assertThat(ami.instanceId()).matches("i-[0-9a-f]{8,17}");
    assertThat(Serialization.unmarshal(ami.clusterYaml("ami", "ttes"), TTESCluster.class).getSpec())
        .isEqualTo(ami.clusterSpec());

    try (SsmClient ssm = TtesFixture.configure(SsmClient.builder(), moto.endpoint()).build()) {
      String commandId =
          ssm.sendCommand(
                  b ->
                      b.instanceIds(ami.instanceId())
                          .documentName("AWS-RunShellScript")
                          .parameters(
                              Map.of(
                                  "commands",
                                  List.of("docker exec lorawan-stack ttn-lw-stack is-db migrate"))))
              .command()
              .commandId();
      GetCommandInvocationResponse inv =
          ssm.getCommandInvocation(b -> b.commandId(commandId).instanceId(ami.instanceId()));
      // moto "runs" nothing: the invocation is Success at once, exit 0, empty output.
      assertThat(inv.statusAsString()).isEqualTo("Success");
      assertThat(inv.responseCode()).isZero();
      assertThat(inv.standardOutputContent()).isEmpty();
    }
  }

  @Test
  void deploysEveryTemplateOfTheEcsPlatform() {
    long start = System.nanoTime();
    TtesFixture.uploadTemplates(moto.endpoint());
    long uploaded = millisSince(start);
    start = System.nanoTime();
    Deployment d = TtesFixture.deploy20(moto.endpoint(), "bench-eu1", "3.33.1");
    System.out.printf(
        "uploaded templates in %d ms (or found them), seeded %d stacks in %d ms%n",
        uploaded, d.stacks().size(), millisSince(start));

    assertThat(d.stacks().keySet()).containsExactlyElementsOf(TtesFixture.ALL_TEMPLATES);
    List<String> statuses = new ArrayList<>();
    for (String name : d.stacks().values()) {
      statuses.add(
          cfn.describeStacks(b -> b.stackName(name)).stacks().get(0).stackStatusAsString());
    }
    assertThat(statuses).containsOnly("CREATE_COMPLETE");
  }

  private static List<ParameterDeclaration> declared(String version, String template) {
    return cfn.getTemplateSummary(b -> b.templateURL(TtesFixture.templateUrl(version, template)))
        .parameters();
  }

  /** As a planner does it: every parameter of the target template, previous values kept. */
  private static CreateChangeSetResponse createUpdateChangeSet(
      String stackName, String version, String template, Map<String, String> values) {
    List<Parameter> parameters =
        declared(version, template).stream()
            .map(
                p ->
                    values.containsKey(p.parameterKey())
                        ? Parameter.builder()
                            .parameterKey(p.parameterKey())
                            .parameterValue(values.get(p.parameterKey()))
                            .build()
                        : Parameter.builder()
                            .parameterKey(p.parameterKey())
                            .usePreviousValue(true)
                            .build())
            .collect(Collectors.toList());
    return cfn.createChangeSet(
        b ->
            b.stackName(stackName)
                .changeSetName("fixture-" + System.nanoTime())
                .changeSetType(ChangeSetType.UPDATE)
                .templateURL(TtesFixture.templateUrl(version, template))
                .parameters(parameters));
  }

  private static DescribeChangeSetResponse awaitChangeSet(String id) {
    return await()
        .pollInterval(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> cfn.describeChangeSet(b -> b.changeSetName(id)),
            cs ->
                cs.status() != ChangeSetStatus.CREATE_PENDING
                    && cs.status() != ChangeSetStatus.CREATE_IN_PROGRESS);
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
