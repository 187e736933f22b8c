package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.RollbackRecord;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import io.ttes.operator.version.StackVersions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetSummary;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * StackUpgrade end to end: the real operator, through the AWS SDK, against moto seeded with the
 * five-stack fixture at 3.33.1. What is asserted is what an operator of TTES would check in the AWS
 * console and with kubectl afterwards. One operator serves every test; each test has its own
 * deployment (stack prefix) and namespace, and reads AWS call counts as differences.
 */
class StackUpgradeEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(45);
  private static final String OPS = "5-2-ecs-ops";
  private static final String SERVICES = "5-4-ecs-services";

  private static MotoServer moto;
  private static OperatorTestBed bed;
  private static CloudFormationClient cfn;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed = OperatorTestBed.onMoto(moto, null);
    cfn = TtesFixture.configure(CloudFormationClient.builder(), moto.endpoint()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {cfn, bed, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void automaticUpgradeMovesTheStacksInTemplateOrderWithMigrationsAfterTheOpsStack()
      throws Exception {
    TtesFixture.Deployment d = deployAndApplyCluster("auto-eu1", "auto");

    createUpgrade("auto", "auto-eu1", "3.33.2", "approval: Automatic");
    StackUpgrade done = awaitPhase("auto", "auto-eu1-to-3.33.2", UpgradePhase.Succeeded);

    // The two stacks whose templates changed run the new image and carry the version tag. moto
    List<Step> steps = done.getStatus().getSteps();
    for (String template : List.of(OPS, SERVICES)) {
      Stack stack = stack(d.stackName(template));
      assertThat(parameters(stack))
          .as(template)
          .containsEntry(TtesFixture.IMAGE_PARAMETER, TtesFixture.image("3.33.2"));
      assertThat(stack.stackStatusAsString()).as(template).isEqualTo("UPDATE_COMPLETE");
      String executed = step(steps, d.stackName(template)).getChangeSetId();
      assertThat(executed).as(template).isNotNull();
      assertThat(cfn.describeChangeSet(b -> b.changeSetName(executed)).executionStatusAsString())
          .as(template)
          .isEqualTo("EXECUTE_COMPLETE");
      // The operator adds no tag of its own: a change set's Tags replace the stack's.
      assertThat(tags(stack)).as(template).doesNotContainKey(StackVersions.VERSION_TAG);
    }
    // Unchanged templates leave their stacks untouched.
    for (String template : List.of("1-1-vpc", "2-1-db-aurora-master", "4-1-secrets")) {
      assertThat(stack(d.stackName(template)).stackStatusAsString())
          .as(template)
          .isEqualTo("CREATE_COMPLETE");
    }

    // Template order: the steps are listed and ran in that order (status times have whole
    // seconds, hence "or equal"), and moto, whose times are finer, updated 5-2 before 5-4.
    List<String> stackSteps =
        steps.stream().map(Step::getName).filter(d.stacks()::containsValue).toList();
    assertThat(stackSteps).containsExactlyElementsOf(d.stacks().values());
    // Stacks without changes are Skipped steps without times; the others ran one after another.
    assertThat(steps.stream().filter(s -> "Skipped".equals(s.getPhase())).map(Step::getName))
        .containsExactly(
            d.stackName("1-1-vpc"),
            d.stackName("2-1-db-aurora-master"),
            d.stackName("4-1-secrets"));
    List<Step> ran = steps.stream().filter(s -> !"Skipped".equals(s.getPhase())).toList();
    assertThat(ran).hasSize(7).allSatisfy(s -> assertThat(s.getPhase()).isEqualTo("Succeeded"));
    for (int i = 1; i < ran.size(); i++) {
      assertThat(instant(ran.get(i).getStartedAt()))
          .as("step %s starts after %s finished", ran.get(i).getName(), ran.get(i - 1))
          .isAfterOrEqualTo(instant(ran.get(i - 1).getFinishedAt()));
    }
    // moto keeps LastUpdatedTime at creation; its stack events have the update's time.
    assertThat(updateCompleted(d.stackName(OPS))).isBefore(updateCompleted(d.stackName(SERVICES)));

    // The five migrations ran as OpsTasks between the 5-2 and the 5-4 stack step.
    Step opsStep = step(steps, d.stackName(OPS));
    Step servicesStep = step(steps, d.stackName(SERVICES));
    List<Step> migrations = steps.stream().filter(s -> s.getOpsTask() != null).toList();
    assertThat(migrations).hasSize(5);
    for (Step m : migrations) {
      OpsTask task = bed.objects("auto").get(OpsTask.class, m.getOpsTask());
      assertThat(task).as(m.getOpsTask()).isNotNull();
      assertThat(task.getStatus().getPhase()).as(m.getOpsTask()).isEqualTo(OpsTaskPhase.Succeeded);
      assertThat(instant(task.getStatus().getStartedAt()))
          .as(m.getOpsTask())
          .isAfterOrEqualTo(instant(opsStep.getFinishedAt()))
          .isBeforeOrEqualTo(instant(servicesStep.getStartedAt()));
    }
    assertThat(
            migrations.stream()
                .map(m -> String.join(" ", taskCommand("auto", m.getOpsTask())))
                .toList())
        .containsExactly(
            "is-db migrate", "ns-db migrate", "as-db migrate", "noc-db migrate", "dcs-db migrate");

    // The cluster reports the new version.
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(cluster("auto", "auto-eu1").getStatus().getVersion())
                    .isEqualTo("3.33.2"));

    // One change set per stack for attempt 1, none duplicated by a retry or a second reconcile.
    for (String stackName : d.stacks().values()) {
      List<String> names =
          changeSets(stackName).stream()
              .map(ChangeSetSummary::changeSetName)
              .filter(n -> n.endsWith("-a1"))
              .toList();
      assertThat(names).as(stackName).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(1);
      if (stackName.equals(d.stackName(OPS)) || stackName.equals(d.stackName(SERVICES))) {
        assertThat(names).as(stackName).hasSize(1);
      }
    }
  }

  @Test
  void manualUpgradeExecutesNothingUntilTheApprovedPlanIsThePlanHash() {
    TtesFixture.Deployment d = deployAndApplyCluster("man-eu1", "manual");
    Map<String, Map<String, String>> before = allParameters(d);
    long executesBefore = calls("CloudFormation.ExecuteChangeSet");

    createUpgrade("manual", "man-eu1", "3.33.2", "approval: Manual");
    StackUpgrade waiting = awaitPhase("manual", "man-eu1-to-3.33.2", UpgradePhase.AwaitingApproval);
    String hash = waiting.getStatus().getPlan().getHash();
    assertThat(hash).isNotBlank();
    assertThat(ConditionWriter.find(waiting.getStatus(), "Ready").getMessage()).contains(hash);
    assertThat(calls("CloudFormation.ExecuteChangeSet")).isEqualTo(executesBefore);
    assertThat(allParameters(d)).isEqualTo(before);

    // A wrong hash is read (the message names it) and executes nothing.
    approve("manual", "man-eu1-to-3.33.2", "0000000000wrong");
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(
                        ConditionWriter.find(
                                upgrade("manual", "man-eu1-to-3.33.2").getStatus(), "Ready")
                            .getMessage())
                    .contains("0000000000wrong", "is not the current plan"));
    StackUpgrade stillWaiting = upgrade("manual", "man-eu1-to-3.33.2");
    assertThat(stillWaiting.getStatus().getPhase()).isEqualTo(UpgradePhase.AwaitingApproval);
    assertThat(stillWaiting.getStatus().getPlan().getHash()).isEqualTo(hash);
    assertThat(calls("CloudFormation.ExecuteChangeSet")).isEqualTo(executesBefore);
    assertThat(allParameters(d)).isEqualTo(before);

    approve("manual", "man-eu1-to-3.33.2", hash);
    awaitPhase("manual", "man-eu1-to-3.33.2", UpgradePhase.Succeeded);
    assertThat(calls("CloudFormation.ExecuteChangeSet")).isEqualTo(executesBefore + 2);
    assertThat(parameters(stack(d.stackName(SERVICES))))
        .containsEntry(TtesFixture.IMAGE_PARAMETER, TtesFixture.image("3.33.2"));
  }

  @Test
  void aRequiredParameterWithoutValueStallsBeforeAnyChangeSet() {
    TtesFixture.Deployment d = deployAndApplyCluster("mp-eu1", "missing");
    long createsBefore = calls("CloudFormation.CreateChangeSet");

    createUpgrade("missing", "mp-eu1", "3.34.0", "approval: Automatic");
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              var stalled =
                  ConditionWriter.find(
                      upgrade("missing", "mp-eu1-to-3.34.0").getStatus(), "Stalled");
              assertThat(stalled).isNotNull();
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getReason()).isEqualTo(PlanProblem.MISSING_PARAMETER);
              assertThat(stalled.getMessage()).contains(d.stackName(SERVICES), "PacketBrokerNetID");
            });
    assertThat(calls("CloudFormation.CreateChangeSet")).isEqualTo(createsBefore);
    for (String stackName : d.stacks().values()) {
      assertThat(changeSets(stackName)).as(stackName).isEmpty();
    }
  }

  /**
   * spec.rollback: the ops and services stacks the upgrade updated run the 3.33.1 image again,
   * through change sets of the recorded 3.33.1 template URLs, services first; no migration runs.
   */
  @Test
  void aSucceededUpgradeRolledBackRunsTheEarlierTemplatesAndImageAgain() {
    TtesFixture.Deployment d = deployAndApplyCluster("rb-eu1", "rollback");
    createUpgrade("rollback", "rb-eu1", "3.33.2", "approval: Automatic");
    awaitPhase("rollback", "rb-eu1-to-3.33.2", UpgradePhase.Succeeded);
    String ops = d.stackName(OPS);
    String services = d.stackName(SERVICES);
    assertThat(parameters(stack(ops)))
        .containsEntry(TtesFixture.IMAGE_PARAMETER, TtesFixture.image("3.33.2"));
    int tasks = bed.objects("rollback").list(OpsTask.class).size();

    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace("rollback")
        .withName("rb-eu1-to-3.33.2")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
    StackUpgrade done =
        bed.objects("rollback")
            .await(
                StackUpgrade.class,
                "rb-eu1-to-3.33.2",
                CONVERGE,
                su ->
                    su.getStatus().getPhase() == UpgradePhase.Succeeded
                        && RollbackPlanner.ROLLED_BACK.equals(
                            ConditionWriter.find(su.getStatus(), "Ready").getReason()));

    assertThat(done.getStatus().getRollback().getStacks())
        .filteredOn(RollbackRecord::getUpdated)
        .extracting(r -> r.getName() + " " + r.getTemplateUrl())
        .containsExactlyInAnyOrder(
            ops + " " + TtesFixture.templateUrl("3.33.1", OPS),
            services + " " + TtesFixture.templateUrl("3.33.1", SERVICES));
    assertThat(done.getStatus().getSteps())
        .extracting(Step::getName)
        .containsExactly(services, ops);
    for (String stackName : List.of(ops, services)) {
      Stack stack = stack(stackName);
      assertThat(parameters(stack))
          .as(stackName)
          .containsEntry(TtesFixture.IMAGE_PARAMETER, TtesFixture.image("3.33.1"));
      assertThat(stack.stackStatusAsString()).as(stackName).isEqualTo("UPDATE_COMPLETE");
    }
    assertThat(bed.objects("rollback").list(OpsTask.class))
        .as("no migration in a rollback")
        .hasSize(tasks);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(cluster("rollback", "rb-eu1").getStatus().getVersion())
                    .isEqualTo("3.33.1"));
  }

  // ---- helpers

  private static TtesFixture.Deployment deployAndApplyCluster(String prefix, String namespace) {
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), prefix, "3.33.1", TtesFixture.FIVE_TEMPLATES);
    bed.api.createNamespace(namespace);
    bed.objects(namespace).create(d.clusterYaml(prefix, namespace), TTESCluster.class);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = cluster(namespace, prefix);
              assertThat(ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()))
                  .isTrue();
              assertThat(c.getStatus().getVersion()).isEqualTo("3.33.1");
            });
    return d;
  }

  private static void createUpgrade(
      String namespace, String cluster, String target, String approval) {
    String yaml =
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s-to-%s, namespace: %s}
        spec:
          clusterRef: {name: %s}
          targetVersion: %s
          %s
        """
            .formatted(cluster, target, namespace, cluster, target, approval);
    bed.objects(namespace).create(yaml, StackUpgrade.class);
  }

  private static void approve(String namespace, String name, String hash) {
    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(
            u -> {
              u.getSpec().setApprovedPlan(hash);
              return u;
            });
  }

  private static StackUpgrade awaitPhase(String namespace, String name, UpgradePhase phase) {
    return bed.objects(namespace)
        .await(
            StackUpgrade.class,
            name,
            CONVERGE,
            u -> {
              UpgradePhase p = u.getStatus() == null ? null : u.getStatus().getPhase();
              if (p != phase && p != null && p.isFinished()) {
                throw new AssertionError(name + " ended " + p + ": " + u.getStatus());
              }
              return p == phase;
            });
  }

  private static StackUpgrade upgrade(String namespace, String name) {
    return bed.objects(namespace).get(StackUpgrade.class, name);
  }

  private static TTESCluster cluster(String namespace, String name) {
    return bed.objects(namespace).get(TTESCluster.class, name);
  }

  private static List<String> taskCommand(String namespace, String name) {
    return bed.objects(namespace).get(OpsTask.class, name).getSpec().getCommand();
  }

  private static long calls(String operation) {
    return bed.awsCalls().callsByOperation().getOrDefault(operation, 0L);
  }

  private static Stack stack(String name) {
    return cfn.describeStacks(b -> b.stackName(name)).stacks().get(0);
  }

  private static Map<String, String> parameters(Stack stack) {
    return stack.parameters().stream()
        .collect(
            Collectors.toMap(
                p -> p.parameterKey(), p -> p.parameterValue(), (a, b) -> b, LinkedHashMap::new));
  }

  private static Map<String, String> tags(Stack stack) {
    return stack.tags().stream()
        .collect(Collectors.toMap(t -> t.key(), t -> t.value(), (a, b) -> b));
  }

  private static Map<String, Map<String, String>> allParameters(TtesFixture.Deployment d) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    d.stacks().values().forEach(s -> out.put(s, parameters(stack(s))));
    return out;
  }

  private static Instant updateCompleted(String stackName) {
    return cfn.describeStackEvents(b -> b.stackName(stackName)).stackEvents().stream()
        .filter(e -> stackName.equals(e.logicalResourceId()))
        .filter(e -> "UPDATE_COMPLETE".equals(e.resourceStatusAsString()))
        .map(e -> e.timestamp())
        .reduce((x, y) -> x.isAfter(y) ? x : y)
        .orElseThrow(() -> new AssertionError(stackName + " has no UPDATE_COMPLETE event"));
  }

  /** moto 5.2.1's ListChangeSets ignores StackName and lists every stack's: filter here. */
  private static List<ChangeSetSummary> changeSets(String stackName) {
    return cfn.listChangeSets(b -> b.stackName(stackName)).summaries().stream()
        .filter(cs -> stackName.equals(cs.stackName()))
        .toList();
  }

  private static Step step(List<Step> steps, String name) {
    return steps.stream()
        .filter(s -> name.equals(s.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + steps));
  }

  private static Instant instant(String text) {
    assertThat(text).isNotNull();
    return Instant.parse(text);
  }
}
