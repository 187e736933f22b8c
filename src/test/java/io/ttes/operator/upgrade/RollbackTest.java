package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.PhaseHarness.AURORA;
import static io.ttes.operator.upgrade.PhaseHarness.IMAGE;
import static io.ttes.operator.upgrade.PhaseHarness.OPS;
import static io.ttes.operator.upgrade.PhaseHarness.SERVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.RollbackRecord;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeChangeSets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * spec.rollback on the three stacks of {@link PhaseHarness} (Aurora, ops with a NoEcho parameter,
 * services), whose upgrade to 3.33.2 fails at the third stack: CloudFormation rolls the services
 * stack back itself, so a rollback returns the ops stack, then the Aurora stack, to the template
 * URL, parameters and tags recorded just before their change sets executed, and nothing else.
 */
class RollbackTest {
  static final String OLD = "https://templates.example/3.33.1/";
  static final String SECRET = "s3cret-token";

  PhaseHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void anUpgradeFailedAtItsThirdStackRollsBackTheTwoItUpdatedNewestFirstToTheirRecords() {
    failingAtTheThirdStack("");
    run(UpgradePhase.Failed);

    List<RollbackRecord> records = h.status().getRollback().getStacks();
    assertThat(records).extracting(RollbackRecord::getName).containsExactly(AURORA, OPS, SERVICES);
    assertThat(records).extracting(RollbackRecord::getUpdated).containsExactly(true, true, false);
    RollbackRecord ops = records.get(1);
    assertThat(ops.getTemplateUrl()).isEqualTo(OLD + "5-2-ecs-ops.yml");
    assertThat(ops.getVersion()).isEqualTo("3.33.1");
    assertThat(ops.getTags()).containsEntry("cost-center", "lora-1");
    assertThat(ops.getParameters())
        .extracting(p -> p.getKey() + "=" + p.getValue() + "/" + p.getUsePreviousValue())
        .containsExactly("Image=" + IMAGE + "3.33.1-aws/null", "OpsToken=null/true");
    assertThat(json()).doesNotContain(SECRET);

    int creates = h.aws.changeSets().createRequests().size();
    int executes = h.aws.changeSets().executed().size();
    int tasks = h.opsTasks().size();
    h.editSpec(s -> s.setRollback(true));
    run(UpgradePhase.Succeeded);

    assertThat(
            h.aws.changeSets().executed().subList(executes, h.aws.changeSets().executed().size()))
        .extracting(e -> e.split("/")[0])
        .containsExactly(OPS, AURORA);
    List<ChangeSetRequest> rollback =
        h.aws
            .changeSets()
            .createRequests()
            .subList(creates, h.aws.changeSets().createRequests().size());
    assertThat(rollback).extracting(ChangeSetRequest::stackName).containsOnly(OPS, AURORA);
    ChangeSetRequest opsRequest = request(rollback, OPS);
    assertThat(opsRequest.templateUrl()).isEqualTo(OLD + "5-2-ecs-ops.yml");
    assertThat(opsRequest.parameters()).isEqualTo(Map.of("Image", IMAGE + "3.33.1-aws"));
    assertThat(opsRequest.usePreviousValue()).containsExactly("OpsToken");
    assertThat(opsRequest.capabilities()).containsExactly("CAPABILITY_NAMED_IAM");
    assertThat(opsRequest.changeSetName()).endsWith("5-2-ecs-ops-a2");
    ChangeSetRequest auroraRequest = request(rollback, AURORA);
    assertThat(auroraRequest.templateUrl()).isEqualTo(OLD + "2-1-db-aurora-master.yml");
    assertThat(auroraRequest.parameters()).isEqualTo(Map.of("DBSnapshotIdentifier", ""));
    assertThat(h.aws.stacks().stack(OPS).info().parameters())
        .containsEntry("Image", IMAGE + "3.33.1-aws")
        .containsEntry("OpsToken", SECRET);
    assertThat(h.opsTasks()).as("no migration runs during a rollback").hasSize(tasks);

    assertThat(h.status().getPlan().getRollback()).isTrue();
    assertThat(h.status().getPlan().getNotice()).contains("database migrations are not undone");
    assertThat(h.status().getSteps()).extracting(s -> s.getName()).containsExactly(OPS, AURORA);
    assertThat(h.status().getRollback().getMessage())
        .startsWith("rolled back prod: " + OPS + ", " + AURORA)
        .contains("from Failed")
        .contains("database migrations are not undone");
    assertThat(events(RollbackPlanner.ROLLBACK_PLANNED))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .contains("newest first: " + OPS + " to 3.33.1, " + AURORA + " to 3.33.1")
                    .contains("database migrations are not undone"));
    assertThat(events(RollbackPlanner.ROLLED_BACK)).hasSize(1);
    assertThat(json()).doesNotContain(SECRET);

    // Asked again, or no longer: a finished rollback changes nothing.
    int after = h.aws.calls().mutatingCalls().size();
    h.editSpec(s -> s.setRollback(true));
    for (int i = 0; i < 3; i++) {
      assertThat(h.reconcile().outcome().reason()).isEqualTo(RollbackPlanner.ROLLED_BACK);
    }
    h.editSpec(s -> s.setRollback(false));
    assertThat(h.reconcile().outcome().reason()).isEqualTo(RollbackPlanner.ROLLED_BACK);
    assertThat(h.aws.calls().mutatingCalls()).hasSize(after);
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Succeeded);
  }

  @Test
  void aCrashBetweenTheRecordAndTheExecutionKeepsTheRecordAndExecutesOnce() {
    failingAtTheThirdStack("");
    for (int i = 0; i < 80 && !h.aws.changeSets().executed().toString().contains(AURORA); i++) {
      step();
    }
    // The next execution (the ops stack's) dies after its record was written.
    h.aws.calls().failNext(FakeChangeSets.EXECUTE_CHANGE_SET, CallLog.throttling("Execute"));
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 80; i++) {
                step();
              }
            })
        .isInstanceOf(AwsException.class);
    h.restart();
    assertThat(h.status().getRollback().getStacks())
        .extracting(RollbackRecord::getName)
        .containsExactly(AURORA, OPS);
    assertThat(h.aws.changeSets().executed().toString()).doesNotContain(OPS);

    // Restarted at every reconcile from here on: the rollback still runs each change set once.
    runRestarting(UpgradePhase.Failed);
    int executes = h.aws.changeSets().executed().size();
    h.editSpec(s -> s.setRollback(true));
    runRestarting(UpgradePhase.Succeeded);

    assertThat(h.aws.changeSets().executed())
        .extracting(e -> e.split("/")[0])
        .containsExactly(AURORA, OPS, SERVICES, OPS, AURORA);
    assertThat(h.aws.changeSets().executed().subList(executes, executes + 2))
        .allMatch(e -> e.endsWith("-a2"));
    assertThat(h.status().getRollback().getStacks())
        .extracting(RollbackRecord::getTemplateUrl)
        .containsExactly(
            OLD + "2-1-db-aurora-master.yml",
            OLD + "5-2-ecs-ops.yml",
            OLD + "5-4-ecs-services.yml");
  }

  @Test
  void manualApprovalGatesTheRollbackPlanByItsOwnHash() {
    failingAtTheThirdStack("  approval: Manual\n");
    run(UpgradePhase.AwaitingApproval);
    String forward = h.status().getPlan().getHash();
    h.editSpec(s -> s.setApprovedPlan(forward));
    run(UpgradePhase.Failed);
    int executes = h.aws.changeSets().executed().size();

    h.editSpec(s -> s.setRollback(true));
    PhaseResult waiting = run(UpgradePhase.AwaitingApproval);
    for (int i = 0; i < 3; i++) {
      waiting = h.reconcile();
    }

    String hash = h.status().getPlan().getHash();
    assertThat(hash).isNotEqualTo(forward);
    assertThat(waiting.outcome().message()).contains("set spec.approvedPlan to " + hash);
    assertThat(h.aws.changeSets().executed()).hasSize(executes);
    h.editSpec(s -> s.setApprovedPlan(hash));
    run(UpgradePhase.Succeeded);
    assertThat(h.aws.changeSets().executed()).hasSize(executes + 2);
  }

  @Test
  void aDataRiskOfTheRollbackIsSnapshottedBeforeItsChangeSetRuns() {
    failingAtTheThirdStack("");
    // Going back to the 3.33.1 template would replace the Aurora cluster.
    List<ResourceChange> replacement =
        ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes();
    h.aws
        .changeSets()
        .changesFor(
            AURORA, r -> r.templateUrl().startsWith(OLD) ? replacement : List.of(modify("Thing")));
    run(UpgradePhase.Failed);
    assertThat(h.aws.snapshots().created()).isEmpty();

    h.editSpec(s -> s.setRollback(true));
    run(UpgradePhase.Succeeded);

    assertThat(h.aws.snapshots().created()).hasSize(1);
    String snapshot = h.aws.snapshots().created().get(0).name();
    assertThat(snapshot).endsWith("-a2");
    String executed = h.aws.changeSets().executed().get(h.aws.changeSets().executed().size() - 1);
    assertThat(executed).startsWith(AURORA + "/").endsWith("-a2-s");
    ChangeSetRequest withSnapshot =
        h.aws.changeSets().createRequests().stream()
            .filter(r -> executed.endsWith("/" + r.changeSetName()))
            .findFirst()
            .orElseThrow();
    assertThat(withSnapshot.templateUrl()).isEqualTo(OLD + "2-1-db-aurora-master.yml");
    assertThat(withSnapshot.parameters().get("DBSnapshotIdentifier")).endsWith(":" + snapshot);
  }

  @Test
  void aRollbackWhoseStackFailsEndsFailedSayingItWasTheRollbackAndStopsThere() {
    failingAtTheThirdStack("");
    run(UpgradePhase.Failed);
    int executes = h.aws.changeSets().executed().size();
    h.aws
        .stacks()
        .nextUpdateEnds(OPS, "UPDATE_ROLLBACK_COMPLETE", "Service", "AWS::ECS::Service", "nope");

    h.editSpec(s -> s.setRollback(true));
    PhaseResult failed = run(UpgradePhase.Failed);

    assertThat(failed.outcome().message()).startsWith("rollback failed: step " + OPS + " failed:");
    assertThat(
            h.aws.changeSets().executed().subList(executes, h.aws.changeSets().executed().size()))
        .extracting(e -> e.split("/")[0])
        .as("Aurora is not rolled back after the ops stack failed")
        .containsExactly(OPS);
  }

  @Test
  void anUpgradeThatUpdatedNoStackHasNothingToRollBack() {
    h = new PhaseHarness("");
    oldTemplates();
    h.aws.changeSets().changesFor(AURORA, List.of(modify("Service"), modify("Other")));
    h.aws
        .stacks()
        .nextUpdateEnds(AURORA, "UPDATE_ROLLBACK_COMPLETE", "Service", "AWS::ECS::Service", "boom");
    run(UpgradePhase.Failed);
    int creates = h.aws.changeSets().createRequests().size();

    h.editSpec(s -> s.setRollback(true));
    PhaseResult result = h.reconcile();

    assertThat(result.outcome().reason()).isEqualTo(RollbackPlanner.NOTHING_TO_ROLL_BACK);
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Failed);
    assertThat(h.status().getRollback().getStartedAt()).isNotNull();
    assertThat(h.aws.changeSets().createRequests()).hasSize(creates);
  }

  @Test
  void aStackWhoseVersionNobodyObservedIsRecordedWithoutAUrlAndItsRollbackIsRefusedNamingIt() {
    // An AMI deployment's stacks carry no version tag or parameter: the cluster reports none.
    failingAtTheThirdStack("");
    h.observed = null;
    h.cluster.getStatus().setVersion(null);
    run(UpgradePhase.Failed);
    assertThat(h.status().getRollback().getStacks())
        .extracting(RollbackRecord::getTemplateUrl)
        .containsOnlyNulls();
    int creates = h.aws.changeSets().createRequests().size();

    h.editSpec(s -> s.setRollback(true));
    PhaseResult result = h.reconcile();

    assertThat(result.outcome().reason()).isEqualTo(PlanProblem.ROLLBACK_NOT_ALLOWED);
    assertThat(result.outcome().message())
        .contains("spec.rollback")
        .contains(OPS)
        .contains(AURORA)
        .contains("template version")
        .doesNotContain(SERVICES);
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Failed);
    assertThat(h.status().getRollback().getStartedAt()).isNull();
    assertThat(h.aws.changeSets().createRequests()).hasSize(creates);
  }

  @Test
  void rollbackIsRefusedNamingTheFieldUnlessTheUpgradeFinished() {
    h = new PhaseHarness("  rollback: true\n");
    PhaseResult result = h.reconcile();

    assertThat(result.outcome().reason()).isEqualTo(PlanProblem.ROLLBACK_NOT_ALLOWED);
    assertThat(result.outcome().message())
        .contains("spec.rollback")
        .contains("only a Failed or Succeeded upgrade can be rolled back");
    assertThat(h.aws.calls().mutatingCalls()).isEmpty();
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Pending);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Aurora changes too (scripted), the ops stack has a NoEcho parameter, the 3.33.1 templates
   * exist, and the services stack's update fails and is rolled back by CloudFormation.
   */
  private void failingAtTheThirdStack(String spec) {
    h = new PhaseHarness(spec);
    oldTemplates();
    h.aws.changeSets().changesFor(AURORA, List.of(modify("Thing")));
    h.aws.stacks().stack(OPS).parameter("OpsToken", SECRET).noEcho("OpsToken");
    h.template(
        "5-2-ecs-ops",
        List.of(
            new TemplateParameter("Image", null, false, null),
            new TemplateParameter("OpsToken", null, true, null)));
    h.aws
        .stacks()
        .nextUpdateEnds(
            SERVICES, "UPDATE_ROLLBACK_COMPLETE", "Service", "AWS::ECS::Service", "boom");
  }

  private void oldTemplates() {
    for (String t : List.of("2-1-db-aurora-master", "5-2-ecs-ops", "5-4-ecs-services")) {
      h.aws
          .changeSets()
          .template(
              OLD + t + ".yml", new TemplateSummary(List.of(), List.of("CAPABILITY_NAMED_IAM")));
    }
  }

  private static ResourceChange modify(String logicalId) {
    return new ResourceChange(
        "Modify", logicalId, "prod-" + logicalId, "AWS::SSM::Parameter", "False");
  }

  /** One reconcile; the migration OpsTasks succeed as the OpsTask reconciler would report. */
  private PhaseResult step() {
    PhaseResult r = h.reconcile();
    h.succeedOpsTasks();
    return r;
  }

  private PhaseResult run(UpgradePhase phase) {
    PhaseResult last = null;
    for (int i = 0; i < 80; i++) {
      last = step();
      if (h.status().getPhase() == phase) {
        return last;
      }
    }
    throw new AssertionError("not " + phase + ": " + (last == null ? null : last.outcome()));
  }

  private void runRestarting(UpgradePhase phase) {
    for (int i = 0; i < 80; i++) {
      h.restart();
      step();
      if (h.status().getPhase() == phase) {
        return;
      }
    }
    throw new AssertionError("not " + phase);
  }

  private static ChangeSetRequest request(List<ChangeSetRequest> requests, String stack) {
    List<ChangeSetRequest> of = requests.stream().filter(r -> r.stackName().equals(stack)).toList();
    assertThat(of.stream().map(ChangeSetRequest::changeSetName).distinct()).hasSize(1);
    return of.get(0);
  }

  private List<Event> events(String reason) {
    return h.client.v1().events().inNamespace(PhaseHarness.NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  private String json() {
    return h.client.getKubernetesSerialization().asJson(h.status());
  }
}
