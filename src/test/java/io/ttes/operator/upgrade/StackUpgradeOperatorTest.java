package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.aws.fake.FakeStacks;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The StackUpgrade reconciler in the real operator against the in-process Kubernetes API and the
 * shared in-memory AWS ({@link FakeAws}: CloudFormation, snapshots, and ECS for the operator's
 * OpsTask reconciler, which runs the migration OpsTasks), on one clock with the operator.
 */
class StackUpgradeOperatorTest {
  static final String NS = "ns";
  static final String URL = "https://templates.example/{version}/{template}.yml";
  static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  static final String VPC = "prod-1-1-vpc";
  static final String AURORA = "prod-2-1-db-aurora-master";
  static final String ECS = "prod-5-1-ecs-cluster";
  static final String OPS = "prod-5-2-ecs-ops";
  static final String SERVICES = "prod-5-4-ecs-services";
  static final List<String> ORDER = List.of(VPC, AURORA, ECS, OPS, SERVICES);

  OperatorTestBed bed;
  KubernetesClient client;
  FakeAws aws;

  @BeforeEach
  void setUp() {
    aws = newAws();
    // Every start has a client of its own, as a restarted pod has; 50 ms polls on the fake's clock.
    bed =
        OperatorTestBed.builder()
            .namespace(NS)
            .aws(aws)
            .config(c -> c.withPolling(Duration.ofMillis(50), Duration.ofSeconds(1)))
            .clock(aws.clock())
            .clientPerStart()
            .notStarted()
            .start();
    client = bed.client();
    stack(VPC, "1-1-vpc", Map.of("CidrBlock", "10.0.0.0/16"), List.of());
    stack(
        AURORA,
        "2-1-db-aurora-master",
        Map.of("DBInstanceClass", "db.r6g.large", "DBSnapshotIdentifier", ""),
        List.of());
    stack(ECS, "5-1-ecs-cluster", Map.of("ClusterName", "c1"), List.of());
    stack(OPS, "5-2-ecs-ops", Map.of("Image", IMAGE + "3.33.1-aws"), List.of());
    stack(
        SERVICES,
        "5-4-ecs-services",
        Map.of("Image", IMAGE + "3.33.1-aws", "Replicas", "2"),
        List.of());
    aws.stacks()
        .stack(OPS)
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    // Stacks without an image parameter change in this version too (scripted), so every stack
    // is updated and the order is visible.
    for (String s : List.of(VPC, AURORA, ECS)) {
      aws.changeSets()
          .changesFor(
              s,
              List.of(
                  new ResourceChange(
                      "Modify", "Thing", s + "-thing", "AWS::SSM::Parameter", "False")));
    }
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: prod, namespace: ns}
        spec:
          region: eu-west-1
          naming: {network: prod, environment: eu1, cluster: c1}
          stacks:
            - {name: prod-5-4-ecs-services, template: 5-4-ecs-services}
            - {name: prod-1-1-vpc, template: 1-1-vpc}
            - {name: prod-5-2-ecs-ops, template: 5-2-ecs-ops}
            - {name: prod-2-1-db-aurora-master, template: 2-1-db-aurora-master}
            - {name: prod-5-1-ecs-cluster, template: 5-1-ecs-cluster}
          ops: {ecs: {stack: prod-5-2-ecs-ops}}
          templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
        """,
        TTESCluster.class);
    bed.startOperator();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ConditionWriter.isReady(cluster().getStatus(), null));
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  // ------------------------------------------------------------------ the cases

  @Test
  void fiveStacksUpgradeInTemplateOrderWithMigrationsAfterTheOpsStack() {
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    StackUpgrade done = awaitPhase("to-3-33-2", UpgradePhase.Succeeded);

    List<String> executed = executedStacks();
    assertThat(executed).containsExactlyElementsOf(ORDER);
    List<String> timeline = aws.timeline();
    int opsDone = timeline.indexOf("finished:" + OPS + ":UPDATE_COMPLETE");
    int servicesStart = indexOfPrefix(timeline, "execute:" + SERVICES + ":");
    List<Integer> migrations = indexesOfPrefix(timeline, "migration:");
    assertThat(migrations).hasSize(5);
    assertThat(migrations).allSatisfy(i -> assertThat(i).isBetween(opsDone, servicesStart));
    assertThat(timeline.stream().filter(e -> e.startsWith("migration:")).toList())
        .containsExactly(
            "migration:is-db migrate",
            "migration:ns-db migrate",
            "migration:as-db migrate",
            "migration:noc-db migrate",
            "migration:dcs-db migrate");
    assertThat(parameters(OPS)).containsEntry("Image", IMAGE + "3.33.2-aws");
    assertThat(parameters(SERVICES))
        .containsEntry("Image", IMAGE + "3.33.2-aws")
        .containsEntry("Replicas", "2");
    // The stacks' own tags are passed on unchanged: no version tag (see README "Upgrading").
    assertThat(aws.stacks().stack(VPC).info().tags())
        .containsEntry("cost-center", "lora-1")
        .doesNotContainKey("ops.ttes.io/version");

    StackUpgradeStatus status = done.getStatus();
    assertThat(status.getFromVersion()).isEqualTo("3.33.1");
    assertThat(status.getPlan().getHash()).hasSize(12);
    assertThat(status.getSteps())
        .extracting(StackUpgradeStatus.Step::getPhase)
        .containsOnly("Succeeded");
    assertThat(status.getSteps())
        .extracting(StackUpgradeStatus.Step::getName)
        .containsExactly(
            VPC,
            AURORA,
            ECS,
            OPS,
            "migrate-1-is-db-migrate",
            "migrate-2-ns-db-migrate",
            "migrate-3-as-db-migrate",
            "migrate-4-noc-db-migrate",
            "migrate-5-dcs-db-migrate",
            SERVICES);
    assertThat(condition(done, "Ready").getStatus()).isEqualTo("True");
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
    assertThat(bed.events("to-3-33-2")).anyMatch(e -> e.getReason().equals("Succeeded"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "3.33.2".equals(cluster().getStatus().getVersion()));
  }

  /**
   * What an upgrade reads of CloudFormation: each change set is described once to plan it, once to
   * check it before executing it and once when its update is over (not twice before executing, nor
   * at every poll while the stack is in motion: 5 a stack before), and the drift baseline after the
   * upgrade takes the NoEcho keys of the templates the plan read (no GetTemplateSummary by stack
   * name for a stack its change set updated).
   */
  @Test
  void anUpgradeDescribesEachChangeSetThriceAndReadsNoTemplateByStackName() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster().getStatus().getApplied().size() == 5);
    int describes = aws.calls().count(FakeChangeSets.DESCRIBE_CHANGE_SET);
    int summaries = aws.calls().count(FakeChangeSets.GET_TEMPLATE_SUMMARY);
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                "3.33.2".equals(cluster().getStatus().getVersion())
                    && cluster().getStatus().getActiveUpgrade() == null);
    // A few more observations of the released cluster (50 ms polls), drift compared in each.
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

    assertThat(executedStacks()).hasSize(5);
    assertThat(aws.calls().count(FakeChangeSets.DESCRIBE_CHANGE_SET) - describes).isEqualTo(3 * 5);
    // The plan's five summaries by URL; nothing by stack name after the updates.
    assertThat(aws.calls().count(FakeChangeSets.GET_TEMPLATE_SUMMARY) - summaries).isEqualTo(5);
  }

  /**
   * The log tail is what a person reads first when a migration fails, so every migration of an
   * upgrade, including those after the ops stack update, finishes with its own.
   */
  @Test
  void everyMigrationOfAnUpgradeFinishesWithItsLogTail() {
    aws.ecs().whenCommand(List.of("tti-lw-stack")).logs("migrating", "migrated");
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);

    List<OpsTask> migrations =
        bed.client().resources(OpsTask.class).inNamespace(NS).list().getItems();
    assertThat(migrations)
        .hasSize(5)
        .allSatisfy(t -> assertThat(t.getStatus().getLogTail()).isEqualTo("migrating\nmigrated"));
  }

  @Test
  void auroraReplacementIsSnapshottedBeforeTheChangeSetThatCarriesTheSnapshotRuns() {
    aws.changeSets()
        .changesFor(AURORA, ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes());
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    StackUpgrade done = awaitPhase("to-3-33-2", UpgradePhase.Succeeded);

    assertThat(aws.snapshots().created()).hasSize(1);
    String snapshot = aws.snapshots().created().get(0).name();
    assertThat(aws.snapshots().created().get(0).sourceId()).isEqualTo("prod-eu1-db-cluster");
    List<String> timeline = aws.timeline();
    int available = timeline.indexOf("snapshot-AVAILABLE:" + snapshot);
    int executed = indexOfPrefix(timeline, "execute:" + AURORA + ":");
    assertThat(available).isNotNegative().isLessThan(executed);
    String executedName = timeline.get(executed).substring(("execute:" + AURORA + ":").length());
    assertThat(executedName).endsWith("-a1-s");
    var executedSet =
        aws.changeSets().createRequests().stream()
            .filter(c -> c.changeSetName().equals(executedName))
            .findFirst()
            .orElseThrow();
    assertThat(executedSet.parameters())
        .containsEntry(
            "DBSnapshotIdentifier",
            "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:" + snapshot);
    var step = step(done, AURORA);
    assertThat(step.getSnapshot()).isEqualTo(snapshot);
    var risks =
        done.getStatus().getPlan().getStacks().stream()
            .filter(s -> s.getName().equals(AURORA))
            .findFirst()
            .orElseThrow()
            .getDataRisks();
    assertThat(risks)
        .extracting(StackUpgradeStatus.DataRisk::getLogicalId)
        .containsExactly("DBCluster", "DBInstance1");
    assertThat(risks).extracting(StackUpgradeStatus.DataRisk::getSnapshot).containsOnly(snapshot);
  }

  @Test
  void withProtectionOffADataRiskWaitsForApprovalEvenInAutomaticMode() {
    aws.changeSets()
        .changesFor(AURORA, ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes());
    bed.create(
        upgrade("to-3-33-2", "  dataProtection: {snapshotBeforeReplace: false}\n"),
        StackUpgrade.class);

    StackUpgrade waiting = awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval);
    String message = condition(waiting, "Reconciling").getMessage();
    assertThat(message).contains("DBCluster").contains(waiting.getStatus().getPlan().getHash());
    assertThat(calls(EXECUTE)).isZero();

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(waiting.getStatus().getPlan().getHash()));
    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    assertThat(aws.snapshots().created()).isEmpty();
  }

  @Test
  void manualApprovalExecutesNothingUntilTheCurrentHashIsApproved() {
    bed.create(upgrade("to-3-33-2", "  approval: Manual\n"), StackUpgrade.class);
    StackUpgrade waiting = awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval);
    String hash = waiting.getStatus().getPlan().getHash();

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan("0123456789ab"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(condition(get("to-3-33-2"), "Reconciling").getMessage())
                    .contains("0123456789ab is not the current plan")
                    .contains("set spec.approvedPlan to " + hash));
    assertThat(get("to-3-33-2").getStatus().getPhase()).isEqualTo(UpgradePhase.AwaitingApproval);
    assertThat(calls(EXECUTE)).isZero();
    assertThat(get("to-3-33-2").getStatus().getPlan().getHash()).isEqualTo(hash);

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(hash));
    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    assertThat(executedStacks()).containsExactlyElementsOf(ORDER);
  }

  @Test
  void aFailingStackUpdateStopsWithTheEventReasonAndLeavesLaterStacksAlone() {
    failUpdate(ECS, "UPDATE_ROLLBACK_COMPLETE", "Resource handler returned message: 'boom'");
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    StackUpgrade failed = awaitPhase("to-3-33-2", UpgradePhase.Failed);

    assertThat(executedStacks()).containsExactly(VPC, AURORA, ECS);
    assertThat(aws.timeline()).noneMatch(e -> e.startsWith("migration:"));
    assertThat(condition(failed, "Ready").getMessage())
        .contains(
            "Service (AWS::ECS::Service) UPDATE_FAILED: Resource handler returned message: 'boom'")
        .contains(ApiGroup.RETRY_ANNOTATION);
    assertThat(step(failed, ECS).getPhase()).isEqualTo("Failed");
    assertThat(step(failed, OPS).getPhase()).isEqualTo("Pending");
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
    assertThat(bed.events("to-3-33-2"))
        .anyMatch(e -> e.getType().equals("Warning") && e.getMessage().contains("'boom'"));

    // A new retry value resumes at the failed stack with a new attempt's change set.
    edit(
        "to-3-33-2", su -> su.getMetadata().setAnnotations(Map.of(ApiGroup.RETRY_ANNOTATION, "1")));
    StackUpgrade done = awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    assertThat(done.getStatus().getAttempt()).isEqualTo(2);
    assertThat(executedStacks()).containsExactly(VPC, AURORA, ECS, ECS, OPS, SERVICES);
    assertThat(aws.timeline())
        .anyMatch(e -> e.startsWith("execute:" + ECS + ":") && e.endsWith("-a2"));
  }

  @Test
  void aFailedMigrationFailsTheUpgradeWithItsExitCodeAndLastLogLine() {
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "ns-db", "migrate"))
        .exitCode(3)
        .logs("starting", "error: relation missing");
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    StackUpgrade failed = awaitPhase("to-3-33-2", UpgradePhase.Failed);

    assertThat(condition(failed, "Ready").getMessage())
        .contains("ns-db migrate")
        .contains("exit code 3")
        .contains("error: relation missing");
    assertThat(executedStacks()).containsExactly(VPC, AURORA, ECS, OPS);
    assertThat(step(failed, "migrate-3-as-db-migrate").getPhase()).isEqualTo("Pending");
    OpsTask task =
        client
            .resources(OpsTask.class)
            .inNamespace(NS)
            .withName("to-3-33-2-migrate-1-is-db-migrate")
            .get();
    assertThat(task.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("StackUpgrade"));
  }

  @Test
  void aRollbackThatFailsStallsAndTellsAPersonWhatToDo() {
    failUpdate(ECS, "UPDATE_ROLLBACK_FAILED", "Resource handler returned message: 'stuck'");
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);

    assertStalled("to-3-33-2", "RollbackFailed", "continue-update-rollback --stack-name " + ECS);
    assertThat(get("to-3-33-2").getStatus().getPhase()).isEqualTo(UpgradePhase.Updating);
    assertThat(executedStacks()).containsExactly(VPC, AURORA, ECS);
    assertThat(cluster().getStatus().getActiveUpgrade()).isEqualTo("to-3-33-2");
  }

  @Test
  void suspendStopsBetweenStepsAndResumes() {
    bed.create(upgrade("to-3-33-2", "  suspend: true\n"), StackUpgrade.class);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              StackUpgrade su = get("to-3-33-2");
              assertThat(condition(su, "Ready").getStatus()).isEqualTo("False");
              // Not done and not failed: kstatus InProgress (Reconciling=True), never Current.
              assertThat(condition(su, "Reconciling").getStatus()).isEqualTo("True");
              assertThat(condition(su, "Reconciling").getReason()).isEqualTo("Suspended");
              assertThat(condition(su, "Stalled").getStatus()).isEqualTo("False");
              assertThat(condition(su, "Ready").getMessage()).contains("suspended");
            });
    assertThat(calls(EXECUTE)).isZero();

    edit("to-3-33-2", su -> su.getSpec().setSuspend(false));
    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    assertThat(executedStacks()).containsExactlyElementsOf(ORDER);
  }

  @Test
  void aSpecChangeVoidsThePlanAndItsApproval() {
    bed.create(upgrade("to-3-33-2", "  approval: Manual\n"), StackUpgrade.class);
    String first =
        awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval).getStatus().getPlan().getHash();

    edit("to-3-33-2", su -> su.getSpec().setParameters(Map.of("Replicas", "3")));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              StackUpgrade su = get("to-3-33-2");
              assertThat(su.getStatus().getPhase()).isEqualTo(UpgradePhase.AwaitingApproval);
              assertThat(su.getStatus().getPlan().getHash()).isNotEqualTo(first);
            });
    StackUpgrade replanned = get("to-3-33-2");
    assertThat(replanned.getStatus().getAttempt()).isEqualTo(2);
    assertThat(calls(DELETE)).isEqualTo(5);

    // The old approval no longer executes anything.
    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(first));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(condition(get("to-3-33-2"), "Reconciling").getMessage())
                    .contains(first + " is not the current plan"));
    assertThat(calls(EXECUTE)).isZero();

    String second = replanned.getStatus().getPlan().getHash();
    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(second));
    awaitPhase("to-3-33-2", UpgradePhase.Succeeded);
    assertThat(parameters(SERVICES)).containsEntry("Replicas", "3");
  }

  @Test
  void aChangeSetAwsNoLongerAcceptsIsRePlannedJustInTime() {
    bed.create(upgrade("to-3-33-2", "  approval: Manual\n"), StackUpgrade.class);
    String hash =
        awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval).getStatus().getPlan().getHash();
    aws.changeSets().obsolete(SERVICES);

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(hash));
    StackUpgrade done = awaitPhase("to-3-33-2", UpgradePhase.Succeeded);

    assertThat(step(done, SERVICES).getMessage()).contains("re-planned just in time");
    assertThat(aws.timeline())
        .contains("execute:" + SERVICES + ":" + changeSet(done, "5-4-ecs-services-jit-a1"));
    assertThat(executedStacks()).containsExactlyElementsOf(ORDER);
  }

  @Test
  void anUpgradeToTheObservedVersionSucceedsAtOnce() {
    bed.create(upgrade("noop", "").replace("3.33.2", "3.33.1"), StackUpgrade.class);
    StackUpgrade done = awaitPhase("noop", UpgradePhase.Succeeded);
    assertThat(condition(done, "Ready").getMessage()).isEqualTo("cluster is already at 3.33.1");
    assertThat(aws.calls().mutatingCalls()).isEmpty();
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
  }

  @Test
  void editingTheTargetOfARunningUpgradeFinishesTheRunningStackFirst() {
    templatesFor("3.33.3", null);
    aws.stacks().describesWhileUpdating(40);
    bed.create(upgrade("moving", ""), StackUpgrade.class);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> aws.timeline().stream().anyMatch(e -> e.startsWith("execute:" + VPC)));

    edit("moving", su -> su.getSpec().setTargetVersion("3.33.3"));
    aws.stacks().describesWhileUpdating(1);
    StackUpgrade done = awaitPhase("moving", UpgradePhase.Succeeded);

    List<String> timeline = aws.timeline();
    int vpcDone = timeline.indexOf("finished:" + VPC + ":UPDATE_COMPLETE");
    int firstReplanned =
        indexOfPrefix(timeline, "create:" + VPC + ":" + changeSet(done, "1-1-vpc-a2"));
    assertThat(vpcDone).isNotNegative().isLessThan(firstReplanned);
    // Only the stack that was running when the target moved ran a 3.33.2 change set.
    assertThat(timeline.stream().filter(e -> e.startsWith("execute:") && e.endsWith("-a1")))
        .containsExactly("execute:" + VPC + ":" + changeSet(done, "1-1-vpc-a1"));
    assertThat(executedStacks()).containsExactly(VPC, VPC, AURORA, ECS, OPS, SERVICES);
    assertThat(parameters(OPS)).containsEntry("Image", IMAGE + "3.33.3-aws");
    assertThat(done.getStatus().getTargetVersion()).isEqualTo("3.33.3");
  }

  @Test
  void badSpecsStallWithoutAnyMutatingAwsCall() {
    bed.create(upgrade("bad-version", "").replace("3.33.2", "3.x"), StackUpgrade.class);
    bed.create(
        upgrade("unknown-stack", "  stacks: [{name: prod-9-9-nothing, skip: true}]\n"),
        StackUpgrade.class);
    assertStalled("bad-version", "InvalidVersion", "spec.targetVersion");
    assertStalled("unknown-stack", "UnknownStack", "prod-9-9-nothing");
    delete("bad-version");
    delete("unknown-stack");

    bed.create(
        upgrade("unknown-param", "  stacks: [{name: prod-5-2-ecs-ops, parameters: {Nope: x}}]\n"),
        StackUpgrade.class);
    assertStalled(
        "unknown-param", "UnknownParameter", "spec.stacks[prod-5-2-ecs-ops].parameters.Nope");
    delete("unknown-param");

    // 3.33.3's services template declares a parameter the stack has no value for.
    templatesFor("3.33.3", "NewRequired");
    bed.create(upgrade("missing-param", "").replace("3.33.2", "3.33.3"), StackUpgrade.class);
    assertStalled("missing-param", "MissingParameter", "NewRequired");
    assertThat(aws.calls().mutatingCalls()).isEmpty();
    assertThat(bed.events("missing-param")).anyMatch(e -> e.getType().equals("Warning"));
  }

  @Test
  void aSecondUpgradeOfTheSameClusterWaitsAndNamesTheFirst() {
    bed.create(upgrade("first", "  approval: Manual\n"), StackUpgrade.class);
    awaitPhase("first", UpgradePhase.AwaitingApproval);
    int before = aws.calls().mutatingCalls().size();

    bed.create(upgrade("second", ""), StackUpgrade.class);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              StackUpgrade second = get("second");
              assertThat(phase("second")).isEqualTo(UpgradePhase.Pending);
              assertThat(condition(second, "Reconciling").getMessage()).contains("first");
              assertThat(condition(second, "Stalled").getStatus()).isEqualTo("False");
            });
    assertThat(aws.calls().mutatingCalls()).hasSize(before);
    assertThat(cluster().getStatus().getActiveUpgrade()).isEqualTo("first");

    // Deleting the first gives the lock back and deletes nothing on AWS; the second goes on.
    delete("first");
    awaitPhase("second", UpgradePhase.Succeeded);
    assertThat(calls(DELETE)).isZero();
  }

  @Test
  void aDryRunPlansRemovesItsChangeSetsAndReleasesTheCluster() {
    bed.create(upgrade("dry", "  dryRun: true\n"), StackUpgrade.class);
    StackUpgrade planned = awaitPhase("dry", UpgradePhase.Planned);
    assertThat(condition(planned, "Ready").getStatus()).isEqualTo("True");
    assertThat(planned.getStatus().getPlan().getStacks())
        .extracting(StackUpgradeStatus.PlannedStack::getDisposition)
        .containsOnly("Changes");
    assertThat(calls(EXECUTE)).isZero();
    assertThat(ORDER).allSatisfy(s -> assertThat(aws.changeSets().existing(s)).isEmpty());
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
  }

  // ------------------------------------------------------------------ paths without a test before

  @Test
  void aSnapshotThatFailsFailsItsStepAndExecutesNothingOfThatStack() {
    aws.changeSets()
        .changesFor(AURORA, ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes());
    bed.create(upgrade("to-3-33-2", "  approval: Manual\n"), StackUpgrade.class);
    StackUpgrade waiting = awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval);
    String snapshot =
        Names.snapshotName(
            Snapshots.Kind.RDS_CLUSTER,
            waiting.getMetadata().getUid(),
            "2-1-db-aurora-master",
            "DBCluster",
            1);
    aws.snapshots().failSnapshot(snapshot, "Insufficient storage");

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(waiting.getStatus().getPlan().getHash()));
    StackUpgrade failed = awaitPhase("to-3-33-2", UpgradePhase.Failed);

    assertThat(condition(failed, "Ready").getReason()).isEqualTo("SnapshotFailed");
    assertThat(condition(failed, "Ready").getMessage())
        .contains("snapshot " + snapshot + " of prod-eu1-db-cluster failed: Insufficient storage")
        .contains(ApiGroup.RETRY_ANNOTATION);
    assertThat(step(failed, AURORA).getPhase()).isEqualTo("Failed");
    assertThat(step(failed, ECS).getPhase()).isEqualTo("Pending");
    assertThat(executedStacks()).containsExactly(VPC);
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
    assertThat(bed.events("to-3-33-2"))
        .anyMatch(e -> e.getType().equals("Warning") && e.getReason().equals("SnapshotFailed"));
  }

  @Test
  void aChangeSetRePlannedJustInTimeThatWouldReplaceUnplannedDataFailsTheStep() {
    bed.create(upgrade("to-3-33-2", "  approval: Manual\n"), StackUpgrade.class);
    String hash =
        awaitPhase("to-3-33-2", UpgradePhase.AwaitingApproval).getStatus().getPlan().getHash();
    // An earlier stack's update changed what the services stack reads: its planned change set is
    // obsolete, and the one re-planned now would replace a database the reviewed plan left alone.
    aws.changeSets().obsolete(SERVICES);
    aws.changeSets()
        .changesFor(
            SERVICES,
            List.of(
                new ResourceChange(
                    "Modify", "DBCluster", "prod-eu1-db-cluster", "AWS::RDS::DBCluster", "True")));

    edit("to-3-33-2", su -> su.getSpec().setApprovedPlan(hash));
    StackUpgrade failed = awaitPhase("to-3-33-2", UpgradePhase.Failed);

    assertThat(condition(failed, "Ready").getReason()).isEqualTo("ChangeSetFailed");
    assertThat(step(failed, SERVICES).getPhase()).isEqualTo("Failed");
    assertThat(step(failed, SERVICES).getMessage())
        .contains("re-planned just in time for stack " + SERVICES)
        .contains("would replace or remove [DBCluster]");
    assertThat(executedStacks()).containsExactly(VPC, AURORA, ECS, OPS);
    assertThat(cluster().getStatus().getActiveUpgrade()).isNull();
  }

  @Test
  void deletingADryRunWhilePlanningDeletesTheChangeSetsItCreated() {
    // Change sets stay CREATE_IN_PROGRESS, so the dry run never reaches Planned on its own.
    aws.changeSets().describesUntilCreated(1_000_000);
    bed.create(upgrade("dry", "  dryRun: true\n"), StackUpgrade.class);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ORDER.stream().allMatch(s -> !aws.changeSets().existing(s).isEmpty()));
    assertThat(phase("dry")).isEqualTo(UpgradePhase.Planning);

    delete("dry");

    assertThat(ORDER).allSatisfy(s -> assertThat(aws.changeSets().existing(s)).isEmpty());
    assertThat(aws.changeSets().deleted()).hasSize(ORDER.size());
    assertThat(calls(EXECUTE)).isZero();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cluster().getStatus().getActiveUpgrade() == null);
  }

  @Test
  void anOperatorRestartedAtStepBoundariesFinishesWithoutDuplicates() {
    aws.changeSets()
        .changesFor(AURORA, ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes());
    bed.create(upgrade("to-3-33-2", ""), StackUpgrade.class);
    int restarts = 0;
    while (phase("to-3-33-2") != UpgradePhase.Succeeded) {
      int seen = progress();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> progress() > seen || phase("to-3-33-2") == UpgradePhase.Succeeded);
      restarts++;
      bed.restartOperator();
    }
    assertThat(restarts).as("operator restarts").isGreaterThanOrEqualTo(5);
    System.out.println("restarts: " + restarts + ", AWS calls: " + aws.calls().all().size());
    // 5 planned change sets and the one carrying the snapshot; one snapshot; 5 migrations.
    assertThat(
            aws.changeSets().createRequests().stream()
                .map(r -> r.changeSetName())
                .distinct()
                .count())
        .isEqualTo(6);
    assertThat(aws.timeline().stream().filter(e -> e.startsWith("create:"))).hasSize(6);
    assertThat(calls("RDS.CreateDBClusterSnapshot")).isEqualTo(1);
    assertThat(calls(EXECUTE)).isEqualTo(5);
    assertThat(executedStacks()).containsExactlyElementsOf(ORDER);
    assertThat(client.resources(OpsTask.class).inNamespace(NS).list().getItems()).hasSize(5);
  }

  // ------------------------------------------------------------------ helpers

  /** Everything that moves: AWS mutations, OpsTasks played, status steps finished. */
  private int progress() {
    StackUpgradeStatus status = get("to-3-33-2").getStatus();
    int steps =
        status == null
            ? 0
            : (int)
                status.getSteps().stream()
                    .filter(s -> s.getPhase() != null)
                    .map(s -> s.getPhase())
                    .filter(p -> !p.equals("Pending"))
                    .count();
    return aws.timeline().size() + steps;
  }

  static final String EXECUTE = FakeChangeSets.EXECUTE_CHANGE_SET;
  static final String DELETE = FakeChangeSets.DELETE_CHANGE_SET;

  /**
   * The shared fake as these tests use it: the operator's clock, change sets that show one Modify
   * per changed parameter, the ops task definition, and updates that take two reads and then clean
   * up, as CloudFormation's do.
   */
  static FakeAws newAws() {
    FakeAws aws = new FakeAws(Clock.systemUTC());
    aws.changeSets().defaultChanges(FakeChangeSets::parameterDiff);
    aws.stacks().describesWhileUpdating(2).describesInCleanup(1);
    aws.ecs().taskDefinition("ops", 1);
    return aws;
  }

  private int calls(String operation) {
    return aws.calls().count(operation.contains(".") ? operation : "CloudFormation." + operation);
  }

  private Map<String, String> parameters(String stack) {
    return aws.stacks().stack(stack).info().parameters();
  }

  /** The next update of the stack fails on its ECS service and rolls back to {@code endsIn}. */
  private void failUpdate(String stack, String endsIn, String reason) {
    aws.stacks().stack(stack).resource("Other", "AWS::ECS::TaskDefinition");
    aws.stacks().nextUpdateEnds(stack, endsIn, "Service", "AWS::ECS::Service", reason);
    aws.changeSets()
        .changesFor(
            stack,
            List.of(
                new ResourceChange(
                    "Modify", "Service", stack + "-svc", "AWS::ECS::Service", "False"),
                new ResourceChange(
                    "Modify", "Other", stack + "-td", "AWS::ECS::TaskDefinition", "False")));
  }

  private void stack(
      String name, String template, Map<String, String> params, List<String> noEcho) {
    FakeStacks.FakeStack s = aws.stacks().stack(name).status("UPDATE_COMPLETE");
    params.forEach(s::parameter);
    s.tag("cost-center", "lora-1").resource("Thing", "AWS::SSM::Parameter");
    List<TemplateParameter> declared = new ArrayList<>();
    params
        .keySet()
        .forEach(k -> declared.add(new TemplateParameter(k, null, noEcho.contains(k), null)));
    aws.changeSets()
        .template(url(template), new TemplateSummary(declared, List.of("CAPABILITY_IAM")));
  }

  /** The target version's templates declare the stacks' parameters, plus one on the services. */
  private void templatesFor(String version, String newServicesParameter) {
    for (String name : ORDER) {
      FakeStacks.FakeStack s = aws.stacks().stack(name);
      List<TemplateParameter> declared = new ArrayList<>();
      s.info()
          .parameters()
          .keySet()
          .forEach(k -> declared.add(new TemplateParameter(k, null, false, null)));
      if (name.equals(SERVICES) && newServicesParameter != null) {
        declared.add(new TemplateParameter(newServicesParameter, null, false, null));
      }
      aws.changeSets()
          .template(
              URL.replace("{version}", version).replace("{template}", templateOf(name)),
              new TemplateSummary(declared, List.of()));
    }
  }

  private static String templateOf(String stack) {
    return stack.substring("prod-".length());
  }

  private static String url(String template) {
    return URL.replace("{version}", "3.33.2").replace("{template}", template);
  }

  private static String upgrade(String name, String extra) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s, namespace: ns}
        spec:
          clusterRef: {name: prod}
          targetVersion: 3.33.2
        %s"""
        .formatted(name, extra);
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void create(
      String yaml, Class<T> type) {
    T object = client.getKubernetesSerialization().unmarshal(yaml, type);
    client.resource(object).create();
  }

  /** Edits the spec; retried when the operator wrote the status in between (409 Conflict). */
  private void edit(String name, Consumer<StackUpgrade> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(StackUpgrade.class)
            .inNamespace(NS)
            .withName(name)
            .edit(
                su -> {
                  change.accept(su);
                  return su;
                });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private void delete(String name) {
    client.resources(StackUpgrade.class).inNamespace(NS).withName(name).delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client.resources(StackUpgrade.class).inNamespace(NS).withName(name).get() == null);
  }

  private UpgradePhase phase(String name) {
    StackUpgrade su = get(name);
    return su.getStatus() == null ? null : su.getStatus().getPhase();
  }

  private StackUpgrade get(String name) {
    return bed.get(StackUpgrade.class, name);
  }

  private TTESCluster cluster() {
    return bed.get(TTESCluster.class, "prod");
  }

  private StackUpgrade awaitPhase(String name, UpgradePhase phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              StackUpgrade su = get(name);
              assertThat(su.getStatus()).as("status of " + name).isNotNull();
              assertThat(su.getStatus().getPhase())
                  .as("phase of %s, conditions %s", name, su.getStatus().getConditions())
                  .isEqualTo(phase);
            });
    return get(name);
  }

  private void assertStalled(String name, String reason, String inMessage) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              StackUpgrade su = get(name);
              assertThat(su.getStatus()).isNotNull();
              Condition stalled = condition(su, "Stalled");
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getReason()).isEqualTo(reason);
              assertThat(stalled.getMessage()).contains(inMessage);
            });
  }

  private static Condition condition(StackUpgrade su, String type) {
    Condition c = ConditionWriter.find(su.getStatus(), type);
    assertThat(c).as(type + " condition").isNotNull();
    return c;
  }

  private static StackUpgradeStatus.Step step(StackUpgrade su, String name) {
    return su.getStatus().getSteps().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private List<String> executedStacks() {
    return aws.timeline().stream()
        .filter(e -> e.startsWith("execute:"))
        .map(e -> e.split(":")[1])
        .toList();
  }

  /** A change set name of this upgrade: ttes-<digest of its uid>-<suffix>. */
  private static String changeSet(StackUpgrade su, String suffix) {
    return "ttes-" + Names.shortId(su.getMetadata().getUid()) + "-" + suffix;
  }

  private static int indexOfPrefix(List<String> list, String prefix) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  private static List<Integer> indexesOfPrefix(List<String> list, String prefix) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).startsWith(prefix)) {
        out.add(i);
      }
    }
    return out;
  }
}
