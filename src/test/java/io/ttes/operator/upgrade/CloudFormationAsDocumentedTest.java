package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeStacks;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * StackUpgrade through the real operator against the shared fake, which behaves as AWS documents
 * CloudFormation (tags, empty change sets, execution status, cleanup, stack policies, sticky
 * snapshot parameters, paged stack events, request rate) rather than as the emulator does.
 */
class CloudFormationAsDocumentedTest {
  static final String NS = "ns";
  static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  static final String VPC = "prod-1-1-vpc";
  static final String AURORA = "prod-2-1-db-aurora-master";
  static final String ECS = "prod-5-1-ecs-cluster";
  static final String OPS = "prod-5-2-ecs-ops";
  static final String SERVICES = "prod-5-4-ecs-services";
  static final List<String> ORDER = List.of(VPC, AURORA, ECS, OPS, SERVICES);
  static final String RESTORED = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:restored-1";

  FakeAws aws;
  OperatorTestBed bed;

  @BeforeEach
  void setUp() {
    aws = StackUpgradeOperatorTest.newAws();
    stack(VPC, Map.of("CidrBlock", "10.0.0.0/16"));
    stack(AURORA, Map.of("DBInstanceClass", "db.r6g.large", "DBSnapshotIdentifier", ""));
    stack(ECS, Map.of("ClusterName", "c1"));
    stack(OPS, Map.of("Image", IMAGE + "3.33.1-aws"));
    stack(SERVICES, Map.of("Image", IMAGE + "3.33.1-aws", "Replicas", "2"));
    aws.stacks()
        .stack(OPS)
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    for (String s : List.of(AURORA, ECS)) {
      aws.changeSets()
          .changesFor(
              s,
              List.of(
                  new ResourceChange(
                      "Modify", "Thing", s + "-thing", "AWS::SSM::Parameter", "False")));
    }
    bed = new OperatorTestBed(NS, aws);
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: prod}
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
    bed.awaitClusterReady("prod");
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  // ------------------------------------------------------------------ tags

  @Test
  void theStacksTagsAreKeptAndAStackWithoutTemplateChangesIsNotUpdated() {
    aws.stacks().stack(VPC).tag("owner", "network-team");
    create(upgrade("up", ""));
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);

    // VPC's template does not change: with the operator's own tag its change set would have
    // modified every resource (tags propagate), and replaced the user's tags.
    assertThat(executedStacks()).containsExactly(AURORA, ECS, OPS, SERVICES);
    assertThat(plannedDisposition(done, VPC)).isEqualTo("NoChanges");
    assertThat(aws.stacks().stack(VPC).info().tags())
        .containsEntry("cost-center", "lora-1")
        .containsEntry("owner", "network-team");
    assertThat(aws.stacks().stack(OPS).info().tags())
        .containsEntry("cost-center", "lora-1")
        .doesNotContainKey("ops.ttes.io/version");
    assertThat(aws.changeSets().createRequests())
        .allSatisfy(r -> assertThat(r.tags()).containsEntry("cost-center", "lora-1"));
  }

  // ------------------------------------------------------------------ empty change sets

  @Test
  void anEmptyChangeSetIsSkippedAndDeleted() {
    create(upgrade("up", "  approval: Manual\n"));
    StackUpgrade waiting = awaitPhase("up", UpgradePhase.AwaitingApproval);

    assertThat(plannedDisposition(waiting, VPC)).isEqualTo("NoChanges");
    assertThat(aws.changeSets().existing(VPC)).isEmpty();
    assertThat(aws.changeSets().deleted()).anyMatch(d -> d.startsWith(VPC + "/"));
    assertThat(ORDER.subList(1, 5))
        .allSatisfy(s -> assertThat(aws.changeSets().existing(s)).hasSize(1));

    approve("up", waiting.getStatus().getPlan().getHash());
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);
    assertThat(step(done, VPC).getPhase()).isEqualTo("Skipped");
    assertThat(executedStacks()).doesNotContain(VPC);
  }

  // ------------------------------------------------------------------ execution status, cleanup

  @Test
  void aStackStillCleaningUpIsWaitedForAndItsPlannedChangeSetRuns() {
    create(upgrade("up", "  approval: Manual\n"));
    StackUpgrade waiting = awaitPhase("up", UpgradePhase.AwaitingApproval);
    // An update from outside finished but CloudFormation still removes old resources: the stack
    // cannot be updated yet and its change sets read UNAVAILABLE.
    aws.stacks()
        .stack(AURORA)
        .statusFor("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", 10, "UPDATE_COMPLETE");

    approve("up", waiting.getStatus().getPlan().getHash());
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);

    assertThat(aws.timeline())
        .contains("execute:" + AURORA + ":" + changeSet(done, "2-1-db-aurora-master-a1"))
        .noneMatch(e -> e.contains("-jit-"));
    assertThat(step(done, AURORA).getMessage()).doesNotContain("re-planned");
    // Executing a change set deletes the stack's other change sets; none is left but the one run.
    assertThat(aws.changeSets().existing(AURORA))
        .containsExactly(changeSet(done, "2-1-db-aurora-master-a1"));
  }

  @Test
  void aPlannedChangeSetExecutedByHandIsFollowedNotReplanned() {
    create(upgrade("up", "  approval: Manual\n"));
    StackUpgrade waiting = awaitPhase("up", UpgradePhase.AwaitingApproval);
    String planned = changeSet(waiting, "2-1-db-aurora-master-a1");
    // Someone runs the reviewed change set by hand; its ExecutionStatus moves to EXECUTE_*.
    aws.changeSets().execute(AURORA, planned);

    approve("up", waiting.getStatus().getPlan().getHash());
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);

    assertThat(aws.changeSets().executed())
        .filteredOn(e -> e.startsWith(AURORA + "/"))
        .containsExactly(AURORA + "/" + planned);
    assertThat(aws.timeline()).noneMatch(e -> e.contains("-jit-"));
    assertThat(step(done, AURORA).getPhase()).isEqualTo("Succeeded");
    assertThat(step(done, AURORA).getChangeSetId()).contains(planned);
  }

  // ------------------------------------------------------------------ stack policy

  @Test
  void aStackPolicyThatDeniesTheUpdateStallsNamingTheStackAndThePolicy() {
    aws.stacks().stack(AURORA).policyDeniesUpdatesOf("Thing");
    create(upgrade("up", ""));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Condition stalled = condition(get("up"), "Stalled");
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getReason()).isEqualTo("StackPolicyDenied");
              assertThat(stalled.getMessage())
                  .contains("stack policy of stack " + AURORA)
                  .contains("Action denied by stack policy")
                  .contains("LogicalResourceId/Thing")
                  .contains(ApiGroup.RETRY_ANNOTATION);
            });
    StackUpgrade failed = get("up");
    assertThat(failed.getStatus().getPhase()).isEqualTo(UpgradePhase.Failed);
    // Nothing half-done: the stack rolled back, no later stack was touched, the lock is free.
    assertThat(executedStacks()).containsExactly(AURORA);
    assertThat(aws.stacks().stack(AURORA).info().status()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
    assertThat(step(failed, ECS).getPhase()).isEqualTo("Pending");
    assertThat(aws.timeline()).noneMatch(e -> e.startsWith("migration:"));
    assertThat(bed.get(TTESCluster.class, "prod").getStatus().getActiveUpgrade()).isNull();
    assertThat(bed.events("up"))
        .anyMatch(e -> "Warning".equals(e.getType()) && "StackPolicyDenied".equals(e.getReason()));
  }

  // ------------------------------------------------------------------ property-level details

  @Test
  void thePlanShowsWhichPropertyEachResourceChangeTouchesAndWhy() {
    create(upgrade("details", "  dryRun: true\n"));
    StackUpgrade planned = awaitPhase("details", UpgradePhase.Planned);

    // The fake details a changed parameter as CloudFormation does (ResourceChangeDetail).
    assertThat(planned.getStatus().getPlan().getStacks())
        .filteredOn(s -> s.getName().equals(OPS))
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.getChanges())
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.getLogicalId()).isEqualTo("UsesImage");
                          assertThat(c.getDetails())
                              .singleElement()
                              .satisfies(
                                  d -> {
                                    assertThat(d.getName()).isEqualTo("Image");
                                    assertThat(d.getChangeSource()).isEqualTo("ParameterReference");
                                    assertThat(d.getCausingEntity()).isEqualTo("Image");
                                  });
                        }));
    String text =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  var cm = bed.client().configMaps().inNamespace(NS).withName("details-plan").get();
                  return cm == null ? null : cm.getData().get(PlanDocument.KEY);
                },
                t -> t != null);
    assertThat(text)
        .contains(
            "  Modify UsesImage (AWS::ECS::Service)\n"
                + "      Properties.Image (Static, from parameter Image)\n");
  }

  // ------------------------------------------------------------------ sticky snapshot parameters

  @Test
  void aDatabaseRestoredFromASnapshotKeepsItsSnapshotIdentifier() {
    aws.stacks()
        .stack(AURORA)
        .parameter("DBSnapshotIdentifier", RESTORED)
        .restoredFromSnapshot("DBCluster", "AWS::RDS::DBCluster", "DBSnapshotIdentifier");
    create(
        upgrade(
            "clears",
            "  stacks: [{name: prod-2-1-db-aurora-master, parameters: {DBSnapshotIdentifier: \"\"}}]\n"));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              Condition stalled = condition(get("clears"), "Stalled");
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getReason()).isEqualTo("SnapshotParameterChanged");
              assertThat(stalled.getMessage())
                  .contains("spec.stacks[" + AURORA + "].parameters.DBSnapshotIdentifier")
                  .contains("restored from a snapshot")
                  .doesNotContain(RESTORED);
            });
    assertThat(aws.calls().mutatingCalls()).isEmpty();
    assertThat(bed.events("clears")).anyMatch(e -> "Warning".equals(e.getType()));
    bed.client().resources(StackUpgrade.class).inNamespace(NS).withName("clears").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> get("clears") == null);

    // Without the override the identifier is passed as it is, and nothing replaces the database.
    create(upgrade("keeps", ""));
    awaitPhase("keeps", UpgradePhase.Succeeded);
    assertThat(aws.stacks().stack(AURORA).info().parameters())
        .containsEntry("DBSnapshotIdentifier", RESTORED);
    assertThat(aws.snapshots().created()).isEmpty();
  }

  // ------------------------------------------------------------------ paged stack events

  @Test
  void theEventThatExplainsARollbackIsFoundBeyondTheNewestHundredEvents() {
    FakeStacks.FakeStack ecs = aws.stacks().stack(ECS);
    for (int i = 1; i <= 80; i++) {
      ecs.resource("Res" + i, "AWS::SSM::Parameter");
    }
    aws.stacks()
        .nextUpdateEnds(
            ECS,
            "UPDATE_ROLLBACK_COMPLETE",
            "Thing",
            "AWS::SSM::Parameter",
            "Resource handler returned message: 'quota exceeded'");
    create(upgrade("up", ""));

    StackUpgrade failed = awaitPhase("up", UpgradePhase.Failed);
    assertThat(condition(failed, "Ready").getMessage())
        .contains(
            "Thing (AWS::SSM::Parameter) UPDATE_FAILED: Resource handler returned message:"
                + " 'quota exceeded'");
    assertThat(aws.stacks().eventsOfLatestUpdate(ECS).size())
        .isGreaterThan(FakeStacks.EVENTS_PER_PAGE);
  }

  // ------------------------------------------------------------------ request rate

  @Test
  void atTheFastPollOnlyStacksInMotionAreRead() throws Exception {
    create(upgrade("up", "  approval: Manual\n"));
    awaitPhase("up", UpgradePhase.AwaitingApproval);
    // An upgrade holds the cluster, so the cluster polls fast; SERVICES is moving (outside).
    aws.stacks().stack(SERVICES).statusFor("UPDATE_IN_PROGRESS", 1_000_000, "UPDATE_COMPLETE");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                bed.get(TTESCluster.class, "prod").getStatus().getStacks().stream()
                    .anyMatch(
                        s ->
                            SERVICES.equals(s.getName())
                                && "UPDATE_IN_PROGRESS".equals(s.getStatus())));

    Map<String, Integer> before = aws.stacks().readsByStack();
    Thread.sleep(3_000);
    Map<String, Integer> after = aws.stacks().readsByStack();
    int vpc = after.get(VPC) - before.get(VPC);
    int services = after.get(SERVICES) - before.get(SERVICES);
    System.out.println("reads in 3 s: " + VPC + " " + vpc + ", " + SERVICES + " " + services);
    // Fast poll 200 ms, full read every slow poll (2 s): a stable stack is read about twice, a
    // moving one at every fast poll.
    assertThat(vpc).isLessThanOrEqualTo(3);
    assertThat(services).isGreaterThanOrEqualTo(8);
  }

  // ------------------------------------------------------------------ item 5: nothing unapproved

  @Test
  void aManualUpgradeWhoseJustInTimeChangeSetDiffersWaitsForTheNewPlan() {
    create(upgrade("up", "  approval: Manual\n"));
    String first = awaitPhase("up", UpgradePhase.AwaitingApproval).getStatus().getPlan().getHash();
    // SERVICES's planned change set can no longer be executed, and the one re-created just in
    // time also changes a resource the approved plan did not.
    aws.changeSets().obsolete(SERVICES);
    aws.changeSets().changesFor(SERVICES, servicesWithNewQueue());

    approve("up", first);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              StackUpgrade su = get("up");
              assertThat(su.getStatus().getPhase()).isEqualTo(UpgradePhase.AwaitingApproval);
              assertThat(su.getStatus().getPlan().getHash()).isNotEqualTo(first);
              assertThat(condition(su, "Reconciling").getMessage())
                  .contains("now also Add NewQueue (AWS::SQS::Queue)")
                  .contains("set spec.approvedPlan to " + su.getStatus().getPlan().getHash());
            });
    assertThat(executedStacks()).containsExactly(AURORA, ECS, OPS);
    assertThat(bed.events("up")).anyMatch(e -> "PlanChanged".equals(e.getReason()));

    String second = get("up").getStatus().getPlan().getHash();
    approve("up", second);
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);
    assertThat(executedStacks()).containsExactly(AURORA, ECS, OPS, SERVICES);
    assertThat(aws.timeline())
        .contains("execute:" + SERVICES + ":" + changeSet(done, "5-4-ecs-services-jit-a1"));
    assertThat(done.getStatus().getPlan().getStacks())
        .filteredOn(s -> s.getName().equals(SERVICES))
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.getChanges())
                    .extracting(StackUpgradeStatus.ResourceChange::getLogicalId)
                    .contains("NewQueue"));
  }

  @Test
  void anAutomaticUpgradeRecordsTheNewPlanOfAJustInTimeChangeSetWithAnEvent() {
    create(upgrade("up", ""));
    // Once OPS is updated, the planned change set of SERVICES goes obsolete (as when an earlier
    // stack changes an export it reads), and the one re-created just in time adds a queue. The
    // migrations between OPS and SERVICES leave time to say so.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> aws.timeline().stream().anyMatch(e -> e.startsWith("execute:" + OPS)));
    aws.changeSets().obsolete(SERVICES);
    aws.changeSets().changesFor(SERVICES, servicesWithNewQueue());
    StackUpgrade done = awaitPhase("up", UpgradePhase.Succeeded);

    List<Event> changed =
        bed.events("up").stream().filter(e -> "PlanChanged".equals(e.getReason())).toList();
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).getMessage())
        .contains("now also Add NewQueue (AWS::SQS::Queue)")
        .contains("approved automatically as plan " + done.getStatus().getPlan().getHash());
    String planned =
        bed.events("up").stream()
            .filter(e -> "Planned".equals(e.getReason()))
            .map(Event::getMessage)
            .findFirst()
            .orElseThrow();
    assertThat(planned).doesNotContain(done.getStatus().getPlan().getHash());
    assertThat(executedStacks()).containsExactly(AURORA, ECS, OPS, SERVICES);
  }

  // ------------------------------------------------------------------ helpers

  private static List<ResourceChange> servicesWithNewQueue() {
    return List.of(
        new ResourceChange("Modify", "UsesImage", "svc-image", "AWS::ECS::Service", "False"),
        new ResourceChange("Add", "NewQueue", null, "AWS::SQS::Queue", null));
  }

  private void stack(String name, Map<String, String> params) {
    FakeStacks.FakeStack s = aws.stacks().stack(name).status("UPDATE_COMPLETE");
    params.forEach(s::parameter);
    s.tag("cost-center", "lora-1").resource("Thing", "AWS::SSM::Parameter");
    List<TemplateParameter> declared = new ArrayList<>();
    params.keySet().forEach(k -> declared.add(new TemplateParameter(k, null, false, null)));
    aws.changeSets()
        .template(
            "https://templates.example/3.33.2/" + name.substring("prod-".length()) + ".yml",
            new TemplateSummary(declared, List.of("CAPABILITY_IAM")));
  }

  private static String upgrade(String name, String extra) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s}
        spec:
          clusterRef: {name: prod}
          targetVersion: 3.33.2
        %s"""
        .formatted(name, extra);
  }

  private void create(String yaml) {
    bed.create(yaml, StackUpgrade.class);
  }

  private StackUpgrade get(String name) {
    return bed.get(StackUpgrade.class, name);
  }

  private void approve(String name, String hash) {
    edit(name, su -> su.getSpec().setApprovedPlan(hash));
  }

  /** Edits the spec; retried when the operator wrote the status in between (409 Conflict). */
  private void edit(String name, Consumer<StackUpgrade> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        bed.client()
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

  private StackUpgrade awaitPhase(String name, UpgradePhase phase) {
    await()
        .atMost(Duration.ofSeconds(40))
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

  private static String plannedDisposition(StackUpgrade su, String stack) {
    return su.getStatus().getPlan().getStacks().stream()
        .filter(s -> s.getName().equals(stack))
        .findFirst()
        .orElseThrow()
        .getDisposition();
  }

  private List<String> executedStacks() {
    return aws.timeline().stream()
        .filter(e -> e.startsWith("execute:"))
        .map(e -> e.split(":")[1])
        .toList();
  }

  private static String changeSet(StackUpgrade su, String suffix) {
    return "ttes-" + Names.shortId(su.getMetadata().getUid()) + "-" + suffix;
  }
}
