package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.PhaseHarness.AURORA;
import static io.ttes.operator.upgrade.PhaseHarness.IMAGE;
import static io.ttes.operator.upgrade.PhaseHarness.OPS;
import static io.ttes.operator.upgrade.PhaseHarness.SERVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.Hop;
import io.ttes.operator.api.v1alpha1.RollbackRecord;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.status.Outcome;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upgrade from 3.23.2 to 3.25.1 under spec.path Hops (the default): 3.25.0's notes say to
 * migrate "through v3.24", so the StackUpgrade plans and executes 3.23.2 → 3.24.2 (the latest 3.24
 * patch the shipped catalogue knows), then 3.24.2 → 3.25.1, each hop with its own change sets,
 * hash, approval and migrations. The cluster's observed version stays at 3.23.2 throughout (no
 * cluster reconciler here): the hops follow status, not a lagging observation.
 */
class MultiHopUpgradeTest {
  static final String FROM = "3.23.2";
  static final String HOP = "3.24.2";
  static final String TARGET = "3.25.1";
  static final String URL = "https://templates.example/";

  PhaseHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void manualApprovalIsAskedPerHopAndEachHopPlansAndRunsItsOwnChangeSetsAndMigrations() {
    h = PhaseHarness.between("  approval: Manual\n", FROM, TARGET, HOP, TARGET);
    PhaseResult waiting = run(UpgradePhase.AwaitingApproval);

    // Hop 1: the templates and images of 3.24.2, the migrations 3.24.0's notes require.
    StackUpgradeStatus s = h.status();
    String first = s.getPlan().getHash();
    assertThat(s.getPlan().getHop()).isEqualTo(1);
    assertThat(s.getHop()).isEqualTo("hop 1/2: 3.23.2 → 3.24.2");
    assertThat(s.getHops())
        .extracting(Hop::getFrom, Hop::getVersion, Hop::getPhase, Hop::getPlanHash)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FROM, HOP, "AwaitingApproval", first),
            org.assertj.core.groups.Tuple.tuple(HOP, TARGET, "Pending", null));
    assertThat(s.getHops().get(0).getReasons())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .startsWith("3.25.0: ")
                    .contains("Migrating from prior versions should be done through v3.24"));
    assertThat(s.getHops().get(0).getStartedAt()).isNotNull();
    assertThat(waiting.outcome().message())
        .startsWith("hop 1/2: 3.23.2 → 3.24.2: waiting for approval: set spec.approvedPlan to ")
        .contains(first);
    assertThat(requests()).allSatisfy(r -> assertThat(r.templateUrl()).startsWith(URL + HOP + "/"));
    assertThat(request(OPS, "-a1").parameters()).containsEntry("Image", IMAGE + HOP + "-aws");
    List<PlannedMigration> migrations = s.getPlan().getMigrations();
    assertThat(migrations)
        .extracting(m -> String.join(" ", m.getCommand()))
        .containsExactly(
            "is-db migrate", "ns-db migrate", "as-db migrate", "noc-db migrate", "dcs-db migrate");
    assertThat(migrations.get(0).getReasons())
        .singleElement()
        .satisfies(r -> assertThat(r).startsWith("3.24.0: ").contains("is-db migrate"));
    String document = new PlanDocument().render(h.upgrade, s);
    assertThat(document)
        .contains("== Hops (2): this plan is hop 1/2")
        .contains("1. 3.23.2 → 3.24.2  AwaitingApproval  (this plan)")
        .contains("stop because 3.25.0: ")
        .contains("2. 3.24.2 → 3.25.1  Pending  (planned and approved on its own after hop 1)");
    for (int i = 0; i < 3; i++) {
      h.reconcile();
    }
    assertThat(h.aws.changeSets().executed()).isEmpty();
    assertThat(h.opsTasks()).isEmpty();

    // Approving hop 1 runs hop 1 only; hop 2 has a plan (and hash) of its own to approve.
    h.editSpec(spec -> spec.setApprovedPlan(first));
    waiting =
        runUntil(() -> hopPlanned(2) && h.status().getPhase() == UpgradePhase.AwaitingApproval);
    s = h.status();
    String second = s.getPlan().getHash();
    assertThat(second).isNotEqualTo(first);
    assertThat(h.aws.changeSets().executed())
        .extracting(e -> e.split("/")[0] + e.substring(e.lastIndexOf('-')))
        .containsExactly(OPS + "-a1", SERVICES + "-a1");
    assertThat(h.opsTasks()).hasSize(5);
    assertThat(s.getHops().get(0))
        .satisfies(
            hop -> {
              assertThat(hop.getPhase()).isEqualTo("Succeeded");
              assertThat(hop.getPlanHash()).isEqualTo(first);
              assertThat(hop.getFinishedAt()).isNotNull();
            });
    assertThat(s.getHops().get(1).getPhase()).isEqualTo("AwaitingApproval");
    assertThat(s.getHops().get(1).getPlanHash()).isEqualTo(second);
    assertThat(s.getHop()).isEqualTo("hop 2/2: 3.24.2 → 3.25.1");
    assertThat(waiting.outcome().message())
        .startsWith("hop 2/2: 3.24.2 → 3.25.1: waiting for approval: set spec.approvedPlan to ")
        .contains(second)
        .contains("spec.approvedPlan " + first + " is not the current plan");
    assertThat(request(OPS, "-a2").templateUrl()).isEqualTo(URL + TARGET + "/5-2-ecs-ops.yml");
    assertThat(request(OPS, "-a2").parameters()).containsEntry("Image", IMAGE + TARGET + "-aws");
    // Nothing between 3.24.2 and 3.25.1 requires a migration: the default list, without reasons.
    assertThat(s.getPlan().getMigrations()).allSatisfy(m -> assertThat(m.getReasons()).isEmpty());
    assertThat(h.aws.changeSets().executed()).hasSize(2);

    h.editSpec(spec -> spec.setApprovedPlan(second));
    PhaseResult done = run(UpgradePhase.Succeeded);

    assertThat(done.outcome().state()).isEqualTo(Outcome.State.READY);
    assertThat(done.outcome().message())
        .startsWith("upgraded prod from 3.23.2 to 3.25.1 in 2 hops");
    assertThat(h.aws.stacks().stack(SERVICES).info().parameters())
        .containsEntry("Image", IMAGE + TARGET + "-aws");
    assertThat(h.status().getHops())
        .extracting(Hop::getPhase, Hop::getPlanHash)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Succeeded", first),
            org.assertj.core.groups.Tuple.tuple("Succeeded", second));
    assertThat(h.opsTasks()).hasSize(10);
    assertThat(events(UpgradeHops.HOP_STARTED))
        .extracting(Event::getMessage)
        .satisfiesExactlyInAnyOrder(
            m -> assertThat(m).startsWith("hop 1/2: 3.23.2 → 3.24.2: planning"),
            m -> assertThat(m).startsWith("hop 2/2: 3.24.2 → 3.25.1: planning"));
    assertThat(events(UpgradeHops.HOP_SUCCEEDED))
        .extracting(Event::getMessage)
        .satisfiesExactlyInAnyOrder(
            m -> assertThat(m).startsWith("hop 1/2: 3.23.2 → 3.24.2 done").contains("next hop 2/2"),
            m -> assertThat(m).startsWith("hop 2/2: 3.24.2 → 3.25.1 done"));
  }

  @Test
  void directStopsWithIntermediateVersionRequiredAndPlansNoHop() {
    h = PhaseHarness.between("  path: Direct\n", FROM, TARGET, HOP, TARGET);
    PhaseResult r = null;
    for (int i = 0; i < 3; i++) {
      r = h.reconcile();
    }
    assertThat(r.outcome().reason()).isEqualTo(PlanProblem.INTERMEDIATE_VERSION_REQUIRED);
    assertThat(r.outcome().message())
        .contains("spec.targetVersion: an upgrade from 3.23.2 to 3.25.1 has to pass through 3.24.2")
        .contains("spec.path is Direct");
    assertThat(h.status().getHops()).isEmpty();
    assertThat(h.aws.calls().mutatingCalls()).isEmpty();
  }

  @Test
  void aCrashBetweenHopsAndInTheSecondHopResumesWithoutRedoingTheFirst() {
    h = PhaseHarness.between("", FROM, TARGET, HOP, TARGET);
    // Restarted before every reconcile; the reconcile that finishes hop 1 loses its status write
    // once (the operator died before it), and is done again.
    boolean lost = false;
    for (int i = 0; i < 200 && !hopPlanned(2); i++) {
      StackUpgradeStatus before = clone(h.status());
      int mutating = h.aws.calls().mutatingCalls().size();
      h.restart();
      step();
      if (!lost && firstHopDone()) {
        lost = true;
        h.upgrade.setStatus(before);
        assertThat(h.aws.calls().mutatingCalls()).hasSize(mutating);
      }
    }
    assertThat(lost).isTrue();
    assertThat(h.status().getHops().get(0).getPhase()).isEqualTo("Succeeded");

    // Hop 2's first execution dies after the step recorded it; the restarted operator sends it.
    h.aws.calls().failNext(FakeChangeSets.EXECUTE_CHANGE_SET, CallLog.throttling("Execute"));
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 100; i++) {
                step();
              }
            })
        .isInstanceOf(AwsException.class);
    for (int i = 0; i < 200 && h.status().getPhase() != UpgradePhase.Succeeded; i++) {
      h.restart();
      step();
    }

    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Succeeded);
    assertThat(h.aws.changeSets().executed())
        .extracting(e -> e.split("/")[0] + e.substring(e.lastIndexOf('-')))
        .containsExactly(OPS + "-a1", SERVICES + "-a1", OPS + "-a2", SERVICES + "-a2");
    // One change set per stack and hop, hop 1's all created before hop 2 started.
    List<String> names = requests().stream().map(ChangeSetRequest::changeSetName).toList();
    assertThat(names).doesNotHaveDuplicates();
    assertThat(names.stream().filter(n -> n.endsWith("-a1"))).hasSize(3);
    assertThat(names.stream().filter(n -> n.endsWith("-a2"))).hasSize(3);
    int lastOfHop1 = 0;
    int firstOfHop2 = names.size();
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).endsWith("-a1")) {
        lastOfHop1 = i;
      } else if (names.get(i).endsWith("-a2")) {
        firstOfHop2 = Math.min(firstOfHop2, i);
      }
    }
    assertThat(lastOfHop1).isLessThan(firstOfHop2);
    assertThat(h.opsTasks()).hasSize(10);
    assertThat(h.opsTasks().stream().map(t -> t.getMetadata().getName()))
        .filteredOn(n -> n.endsWith("-a2"))
        .hasSize(5);
    assertThat(h.status().getHops())
        .extracting(Hop::getPhase)
        .containsExactly("Succeeded", "Succeeded");
  }

  @Test
  void aRollbackAfterTheSecondHopFailedReturnsEveryStackToItsRecordFromBeforeTheFirstHop() {
    h = PhaseHarness.between("", FROM, TARGET, HOP, TARGET);
    h.aws.changeSets().changesFor(AURORA, List.of(modify("Thing")));
    for (String t : List.of("2-1-db-aurora-master", "5-2-ecs-ops", "5-4-ecs-services")) {
      h.aws
          .changeSets()
          .template(
              URL + FROM + "/" + t + ".yml",
              new TemplateSummary(List.of(), List.of("CAPABILITY_IAM")));
    }
    runUntil(() -> hopPlanned(2));
    List<String> recordedAt =
        h.status().getRollback().getStacks().stream().map(RollbackRecord::getRecordedAt).toList();
    h.aws
        .stacks()
        .nextUpdateEnds(
            SERVICES, "UPDATE_ROLLBACK_COMPLETE", "Service", "AWS::ECS::Service", "boom");
    PhaseResult failed = run(UpgradePhase.Failed);

    assertThat(failed.outcome().message())
        .startsWith("hop 2/2: 3.24.2 → 3.25.1: step " + SERVICES + " failed");
    assertThat(h.status().getHops())
        .extracting(Hop::getPhase)
        .containsExactly("Succeeded", "Failed");
    assertThat(events(UpgradeHops.HOP_FAILED)).hasSize(1);
    // The records are those written before hop 1's executions: hop 2 added and replaced none.
    List<RollbackRecord> records = h.status().getRollback().getStacks();
    assertThat(records).extracting(RollbackRecord::getName).containsExactly(AURORA, OPS, SERVICES);
    assertThat(records).extracting(RollbackRecord::getRecordedAt).isEqualTo(recordedAt);
    assertThat(records).extracting(RollbackRecord::getVersion).containsOnly(FROM);

    int creates = requests().size();
    h.editSpec(spec -> spec.setRollback(true));
    run(UpgradePhase.Succeeded);

    List<ChangeSetRequest> rollback = requests().subList(creates, requests().size());
    assertThat(rollback)
        .extracting(ChangeSetRequest::stackName)
        .containsExactly(SERVICES, OPS, AURORA);
    assertThat(rollback).allSatisfy(r -> assertThat(r.templateUrl()).startsWith(URL + FROM + "/"));
    for (String stack : List.of(OPS, SERVICES)) {
      assertThat(h.aws.stacks().stack(stack).info().parameters())
          .as(stack)
          .containsEntry("Image", IMAGE + FROM + "-aws");
    }
    assertThat(h.status().getHops())
        .extracting(Hop::getPhase)
        .containsExactly("Succeeded", "Failed");
    assertThat(h.status().getHop()).isNull();
  }

  // ------------------------------------------------------------------ helpers

  private boolean firstHopDone() {
    return h.status() != null
        && !h.status().getHops().isEmpty()
        && "Succeeded".equals(h.status().getHops().get(0).getPhase());
  }

  private boolean hopPlanned(int hop) {
    var plan = h.status() == null ? null : h.status().getPlan();
    return plan != null && Integer.valueOf(hop).equals(plan.getHop()) && plan.getHash() != null;
  }

  /** One reconcile; the migration OpsTasks succeed as the OpsTask reconciler would report. */
  private PhaseResult step() {
    PhaseResult r = h.reconcile();
    h.succeedOpsTasks();
    return r;
  }

  private PhaseResult run(UpgradePhase phase) {
    return runUntil(() -> h.status().getPhase() == phase);
  }

  private PhaseResult runUntil(java.util.function.BooleanSupplier done) {
    PhaseResult last = null;
    for (int i = 0; i < 200; i++) {
      last = step();
      if (h.status() != null && done.getAsBoolean()) {
        return last;
      }
    }
    throw new AssertionError("not there after 200 reconciles: " + last.outcome());
  }

  private List<ChangeSetRequest> requests() {
    return h.aws.changeSets().createRequests();
  }

  private ChangeSetRequest request(String stack, String suffix) {
    return requests().stream()
        .filter(r -> r.stackName().equals(stack) && r.changeSetName().endsWith(suffix))
        .findFirst()
        .orElseThrow();
  }

  private StackUpgradeStatus clone(StackUpgradeStatus status) {
    return status == null ? null : h.client.getKubernetesSerialization().clone(status);
  }

  private static ResourceChange modify(String logicalId) {
    return new ResourceChange(
        "Modify", logicalId, "prod-" + logicalId, "AWS::SSM::Parameter", "False");
  }

  private List<Event> events(String reason) {
    return h.client.v1().events().inNamespace(PhaseHarness.NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .collect(Collectors.toList());
  }
}
