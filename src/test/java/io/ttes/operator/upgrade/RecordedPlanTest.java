package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.PhaseHarness.AURORA;
import static io.ttes.operator.upgrade.PhaseHarness.OPS;
import static io.ttes.operator.upgrade.PhaseHarness.SERVICES;
import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.aws.fake.FakeStacks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plan is built once in planning and recorded in status.plan; every later phase reads it back
 * from there. Each test restarts the handlers ({@link PhaseHarness#restart()}: no template summary
 * cache, nothing remembered) in one phase and shows from the AWS calls and the returned decision
 * that the phase did not plan again: no DescribeStacks or GetTemplateSummary to rebuild the plan,
 * and what a recomputation would have changed (a template that now declares one more parameter) is
 * not in what the phase does.
 */
class RecordedPlanTest {
  static final String DESCRIBE = FakeStacks.DESCRIBE_STACKS;
  static final String SUMMARY = FakeChangeSets.GET_TEMPLATE_SUMMARY;

  PhaseHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void planningRestartedAfterItsFirstChangeSetCreatesTheOthersFromTheRecordedParameters() {
    h = new PhaseHarness("  approval: Manual\n");
    h.reconcile(); // Pending → Planning
    h.reconcile(); // plans every stack's parameters, records them, creates the first change set
    assertThat(h.calls(DESCRIBE)).isEqualTo(3);
    assertThat(h.status().getPlan().getFormat()).isEqualTo(UpgradePlan.FORMAT);
    assertThat(sent(SERVICES)).containsEntry("Image", PhaseHarness.IMAGE + "3.33.2-aws");

    h.restart();
    h.aws.calls().clear();
    // A planning done again now would send NewSetting to the services stack.
    h.template(
        "5-4-ecs-services",
        List.of(
            new TemplateParameter("Image", null, false, null),
            new TemplateParameter("Replicas", null, false, null),
            new TemplateParameter("NewSetting", "on", false, null)));
    PhaseResult waiting = h.reconcileUntil(UpgradePhase.AwaitingApproval);

    assertThat(h.calls(DESCRIBE)).isZero();
    assertThat(h.calls(SUMMARY)).isZero();
    assertThat(waiting.outcome().reason()).isEqualTo(UpgradeReasons.AWAITING_APPROVAL);
    assertThat(waiting.outcome().message())
        .contains("set spec.approvedPlan to " + h.status().getPlan().getHash());
    ChangeSetRequest services = request(SERVICES);
    assertThat(services.parameters())
        .containsEntry("Image", PhaseHarness.IMAGE + "3.33.2-aws")
        .doesNotContainKey("NewSetting");
    assertThat(services.usePreviousValue()).containsExactly("Replicas");
    assertThat(services.capabilities()).containsExactly("CAPABILITY_IAM");
    assertThat(services.tags()).containsEntry("cost-center", "lora-1");
  }

  @Test
  void noEchoValuesAreSentWithTheChangeSetButNeverRecorded() {
    h =
        new PhaseHarness(
            "  approval: Manual\n"
                + "  stacks: [{name: prod-5-4-ecs-services, parameters: {ApiKey: s3cret-override}}]\n");
    h.template(
        "5-4-ecs-services",
        List.of(
            new TemplateParameter("Image", null, false, null),
            new TemplateParameter("Replicas", null, false, null),
            new TemplateParameter("ApiKey", null, true, null),
            new TemplateParameter("Token", "t0ken-default", true, null)));
    h.reconcile();
    h.reconcile();
    h.restart(); // the services change set is created from the recorded plan

    h.reconcileUntil(UpgradePhase.AwaitingApproval);

    assertThat(request(SERVICES).parameters())
        .containsEntry("ApiKey", "s3cret-override")
        .containsEntry("Token", "t0ken-default");
    String recorded = h.client.getKubernetesSerialization().asJson(h.status());
    assertThat(recorded).doesNotContain("s3cret-override").doesNotContain("t0ken-default");
    assertThat(sent(SERVICES)).containsEntry("ApiKey", "****").containsEntry("Token", "****");
  }

  @Test
  void theHashOfTheRecordedPlanIsTheHashOfTheSamePlanMadeWithoutARestart() {
    h = new PhaseHarness("  approval: Manual\n");
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    String straight = h.status().getPlan().getHash();
    h.close();

    h = new PhaseHarness("  approval: Manual\n");
    h.reconcile();
    h.reconcile();
    h.restart();
    h.reconcileUntil(UpgradePhase.AwaitingApproval);

    assertThat(h.status().getPlan().getHash()).isEqualTo(straight);
  }

  @Test
  void approvalAfterARestartReadsTheRisksAndTheHashFromStatusWithoutAnAwsCall() {
    h = new PhaseHarness("  dataProtection: {snapshotBeforeReplace: false}\n");
    h.aws
        .changeSets()
        .changesFor(AURORA, ChangeSetFixtures.load(ChangeSetFixtures.AURORA_REPLACEMENT).changes());
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    String hash = h.status().getPlan().getHash();

    h.restart();
    h.aws.calls().clear();
    PhaseResult waiting = h.reconcile();

    assertThat(h.aws.calls().all()).isEmpty();
    assertThat(waiting.outcome().reason()).isEqualTo(UpgradeReasons.AWAITING_APPROVAL);
    assertThat(waiting.outcome().message())
        .contains("set spec.approvedPlan to " + hash)
        .contains(
            "data at risk without a snapshot: "
                + AURORA
                + ": AWS::RDS::DBCluster DBCluster (replacement True, protection off)");
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.AwaitingApproval);
  }

  @Test
  void snapshotsAreMatchedToTheRecordedRisksByLogicalIdNotByListPosition() {
    h = new PhaseHarness("  approval: Manual\n");
    h.stack(
        SERVICES,
        "5-4-ecs-services",
        Map.of(
            "Image", PhaseHarness.IMAGE + "3.33.1-aws",
            "SnapshotName", "",
            "VolumeSnapshotID", ""));
    h.aws
        .changeSets()
        .changesFor(
            SERVICES,
            List.of(
                new ResourceChange(
                    "Modify",
                    "Redis",
                    "prod-eu1-redis",
                    DataRiskDetector.REPLICATION_GROUP,
                    "True"),
                new ResourceChange("Remove", "Volume", "vol-1", DataRiskDetector.VOLUME, null)));
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    PlannedStack recorded = planned(SERVICES);
    assertThat(recorded.getDataRisks())
        .extracting(DataRisk::getLogicalId)
        .containsExactly("Redis", "Volume");
    // The recorded list in another order than the change set lists the changes.
    Collections.reverse(recorded.getDataRisks());
    h.editSpec(s -> s.setApprovedPlan(h.status().getPlan().getHash()));

    h.restart();
    h.aws.calls().clear();
    for (int i = 0; i < 50 && h.aws.snapshots().created().size() < 2; i++) {
      h.reconcile();
      h.succeedOpsTasks();
    }

    String uid = h.upgrade.getMetadata().getUid();
    assertThat(planned(SERVICES).getDataRisks())
        .extracting(r -> r.getLogicalId() + "=" + r.getSnapshot())
        .containsExactly(
            "Volume="
                + Names.snapshotName(
                    Snapshots.Kind.EBS_VOLUME, uid, "5-4-ecs-services", "Volume", 1),
            "Redis="
                + Names.snapshotName(
                    Snapshots.Kind.ELASTICACHE_REPLICATION_GROUP,
                    uid,
                    "5-4-ecs-services",
                    "Redis",
                    1));
    assertThat(h.aws.snapshots().created())
        .extracting(Snapshots.SnapshotRequest::sourceId)
        .containsExactly("vol-1", "prod-eu1-redis");
    assertThat(h.calls(SUMMARY)).isZero();
  }

  @Test
  void aRestartInMigratingRunsTheMigrationItsStepRecordsByIndex() {
    h = new PhaseHarness("");
    for (int i = 0; i < 50 && h.opsTasks().isEmpty(); i++) {
      h.reconcile();
    }
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Migrating);
    assertThat(h.status().getPlan().getMigrations())
        .extracting(m -> m.getIndex() + ":" + String.join(" ", m.getCommand()) + "@" + m.getAfter())
        .containsExactly(
            "1:is-db migrate@" + OPS,
            "2:ns-db migrate@" + OPS,
            "3:as-db migrate@" + OPS,
            "4:noc-db migrate@" + OPS,
            "5:dcs-db migrate@" + OPS);
    Step second = step("migrate-2-ns-db-migrate");
    assertThat(second.getMigration()).isEqualTo(2);
    // Neither the step's name nor the spec says what the second migration runs: the plan does.
    second.setName("the second migration");
    h.status()
        .getPlan()
        .getMigrations()
        .get(1)
        .setCommand(new ArrayList<>(List.of("ns-db", "migrate", "--verbose")));

    h.restart();
    h.aws.calls().clear();
    h.succeedOpsTasks();
    PhaseResult running = h.reconcile();

    assertThat(running.outcome().message())
        .isEqualTo("migration ns-db migrate --verbose is running");
    OpsTask task =
        h.opsTasks().stream()
            .filter(
                t -> "2".equals(t.getMetadata().getLabels().get("ops.ttes.io/upgrade-migration")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("OpsTasks: " + names(h.opsTasks())));
    assertThat(task.getSpec().getCommand()).containsExactly("ns-db", "migrate", "--verbose");
    assertThat(step("the second migration").getOpsTask()).isEqualTo(task.getMetadata().getName());
    assertThat(h.calls(DESCRIBE)).isZero();
    assertThat(h.calls(SUMMARY)).isZero();
  }

  @Test
  void aChangeSetRePlannedJustInTimeAfterARestartSendsTheRecordedParameters() {
    h = new PhaseHarness("  approval: Manual\n");
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    ChangeSetRequest planned = request(SERVICES);
    h.aws.changeSets().obsolete(SERVICES);
    h.template(
        "5-4-ecs-services",
        List.of(
            new TemplateParameter("Image", null, false, null),
            new TemplateParameter("Replicas", null, false, null),
            new TemplateParameter("NewSetting", "on", false, null)));
    h.editSpec(s -> s.setApprovedPlan(h.status().getPlan().getHash()));

    h.restart();
    h.aws.calls().clear();
    for (int i = 0; i < 100 && h.status().getPhase() != UpgradePhase.Succeeded; i++) {
      h.reconcile();
      h.succeedOpsTasks();
    }

    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Succeeded);
    ChangeSetRequest jit =
        h.aws.changeSets().createRequests().stream()
            .filter(r -> r.changeSetName().contains("-jit-"))
            .findFirst()
            .orElseThrow();
    assertThat(jit.stackName()).isEqualTo(SERVICES);
    assertThat(jit.parameters()).isEqualTo(planned.parameters());
    assertThat(jit.usePreviousValue()).isEqualTo(planned.usePreviousValue());
    assertThat(jit.capabilities()).isEqualTo(planned.capabilities());
    assertThat(h.calls(SUMMARY)).isZero();
  }

  @Test
  void aPlanRecordedByAnEarlierOperatorIsMadeAgainWithTheSameHash() {
    h = new PhaseHarness("  approval: Manual\n");
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    String hash = h.status().getPlan().getHash();
    // What an earlier operator recorded: no layout, so none of what approval reads.
    h.status().getPlan().setFormat(null);

    h.restart();
    PhaseResult voided = h.reconcile();

    assertThat(voided.outcome().message())
        .isEqualTo("the plan was recorded by an earlier version of the operator; planning again");
    assertThat(h.status().getAttempt()).isEqualTo(2);
    assertThat(h.aws.changeSets().deleted()).hasSize(3);
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    assertThat(h.status().getPlan().getHash()).isEqualTo(hash);
    assertThat(h.status().getPlan().getFormat()).isEqualTo(UpgradePlan.FORMAT);
  }

  @Test
  void anEarlierOperatorsPlanInExecutionFinishesTheRunningStackBeforeItIsMadeAgain() {
    h = new PhaseHarness("");
    h.aws.stacks().describesWhileUpdating(3);
    for (int i = 0; i < 50 && h.aws.changeSets().executed().isEmpty(); i++) {
      h.reconcile();
    }
    assertThat(h.aws.changeSets().executed()).hasSize(1);
    h.status().getPlan().setFormat(null);

    h.restart();
    PhaseResult last = null;
    for (int i = 0; i < 50 && h.status().getAttempt() == 1; i++) {
      last = h.reconcile();
    }

    assertThat(last.outcome().message()).isEqualTo(UpgradePlan.EARLIER_LAYOUT + "; planning again");
    List<String> timeline = h.aws.timeline();
    int executed =
        timeline.indexOf(
            timeline.stream()
                .filter(e -> e.startsWith("execute:" + OPS))
                .findFirst()
                .orElseThrow());
    int finished = timeline.indexOf("finished:" + OPS + ":UPDATE_COMPLETE");
    assertThat(finished).as("timeline %s", timeline).isGreaterThan(executed);
    // The plan's change sets are deleted only once the running stack finished.
    assertThat(timeline.subList(executed, finished)).noneMatch(e -> e.startsWith("delete:"));
    assertThat(timeline.subList(finished, timeline.size())).anyMatch(e -> e.startsWith("delete:"));
    assertThat(h.aws.changeSets().executed()).hasSize(1);
  }

  // ------------------------------------------------------------------ helpers

  private PlannedStack planned(String stack) {
    return h.status().getPlan().getStacks().stream()
        .filter(s -> s.getName().equals(stack))
        .findFirst()
        .orElseThrow();
  }

  private Map<String, String> sent(String stack) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    planned(stack).getSentParameters().forEach(p -> out.put(p.getKey(), p.getValue()));
    return out;
  }

  private Step step(String name) {
    return h.status().getSteps().stream()
        .filter(s -> name.equals(s.getName()))
        .findFirst()
        .orElseThrow();
  }

  /** The first change set request made for {@code stack}. */
  private ChangeSetRequest request(String stack) {
    return h.aws.changeSets().createRequests().stream()
        .filter(r -> r.stackName().equals(stack))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> names(List<OpsTask> tasks) {
    return tasks.stream().map(t -> t.getMetadata().getName()).toList();
  }
}
