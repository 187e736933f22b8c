package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The window in which an upgrade holds other ops commands: from the execution of the ops stack's
 * change set to the end of its last migration, read from status.steps alone.
 */
class UpgradeWindowTest {
  private static final String UPGRADE_UID = "u-1";

  /** db stack, ops stack (migrations.after), two migrations, a stack after them. */
  private static StackUpgrade upgrade(
      UpgradePhase phase, String db, String ops, String m1, String m2, String api) {
    StackUpgrade u = new StackUpgrade();
    u.setMetadata(
        new ObjectMetaBuilder()
            .withName("to-3-35")
            .withNamespace("ops")
            .withUid(UPGRADE_UID)
            .build());
    StackUpgradeSpec spec = new StackUpgradeSpec();
    spec.setClusterRef(new ClusterRef("prod"));
    u.setSpec(spec);
    StackUpgradeStatus status = new StackUpgradeStatus();
    status.setPhase(phase);
    status.setSteps(
        new ArrayList<>(
            List.of(
                stack("prod-db", db),
                stack("prod-ops", ops),
                migration(1, m1),
                migration(2, m2),
                stack("prod-api", api))));
    StackUpgradeStatus.Plan plan = new StackUpgradeStatus.Plan();
    PlannedMigration pm = new PlannedMigration();
    pm.setIndex(1);
    pm.setAfter("prod-ops");
    plan.getMigrations().add(pm);
    status.setPlan(plan);
    u.setStatus(status);
    return u;
  }

  /** A stack step: a phase, with "+cs" when its change set execution is recorded. */
  private static Step stack(String name, String phase) {
    Step s = new Step();
    s.setName(name);
    s.setPhase(phase.replace("+cs", ""));
    if (phase.endsWith("+cs")) {
      s.setChangeSetId("arn:cs/" + name);
    }
    return s;
  }

  private static Step migration(int n, String phase) {
    Step s = new Step();
    s.setName("migrate-" + n);
    s.setMigration(n);
    s.setPhase(phase);
    return s;
  }

  private static StackUpgrade at(String db, String ops, String m1, String m2, String api) {
    return upgrade(UpgradePhase.Updating, db, ops, m1, m2, api);
  }

  private static OpsTask task() {
    OpsTask t = new OpsTask();
    t.setMetadata(new ObjectMetaBuilder().withName("adhoc").withNamespace("ops").build());
    return t;
  }

  private static Optional<UpgradeWindow.Hold> hold(OpsTask task, boolean allow, StackUpgrade u) {
    return UpgradeWindow.hold(task, allow, "prod", List.of(u));
  }

  @Test
  void beforeTheOpsStackExecutesTheWindowIsClosed() {
    assertThat(UpgradeWindow.open(at("Updating+cs", "Pending", "Pending", "Pending", "Pending")))
        .isFalse();
    // Snapshotting the ops stack's data does not count: one version runs throughout.
    assertThat(
            UpgradeWindow.open(at("Succeeded+cs", "Snapshotting", "Pending", "Pending", "Pending")))
        .isFalse();
    // Updating without a recorded execution: the change set is prepared, AWS has not been asked.
    assertThat(UpgradeWindow.open(at("Succeeded+cs", "Updating", "Pending", "Pending", "Pending")))
        .isFalse();
  }

  @Test
  void fromTheOpsStacksExecutionToTheLastMigrationTheWindowIsOpen() {
    assertThat(
            UpgradeWindow.open(at("Succeeded+cs", "Updating+cs", "Pending", "Pending", "Pending")))
        .isTrue();
    assertThat(
            UpgradeWindow.open(at("Succeeded+cs", "Succeeded+cs", "Pending", "Pending", "Pending")))
        .isTrue();
    assertThat(
            UpgradeWindow.open(
                upgrade(
                    UpgradePhase.Migrating,
                    "Succeeded+cs",
                    "Succeeded+cs",
                    "Succeeded",
                    "Running",
                    "Pending")))
        .isTrue();
  }

  @Test
  void afterTheLastMigrationTheWindowClosesWhileLaterStacksUpdate() {
    assertThat(
            UpgradeWindow.open(
                at("Succeeded+cs", "Succeeded+cs", "Succeeded", "Succeeded", "Updating+cs")))
        .isFalse();
  }

  @Test
  void aSkippedOpsStackOpensTheWindowOnceTheStepsBeforeItAreDone() {
    // No changes: the ops stack runs the target image already, so the migrations' gap starts there.
    assertThat(UpgradeWindow.open(at("Updating+cs", "Skipped", "Pending", "Pending", "Pending")))
        .isFalse();
    assertThat(UpgradeWindow.open(at("Succeeded+cs", "Skipped", "Pending", "Pending", "Pending")))
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = UpgradePhase.class,
      names = {"Pending", "Planning", "AwaitingApproval", "Planned", "Succeeded", "Failed"})
  void anUpgradeThatIsNotExecutingHoldsNothing(UpgradePhase phase) {
    StackUpgrade u =
        upgrade(phase, "Succeeded+cs", "Succeeded+cs", "Running", "Pending", "Pending");

    assertThat(UpgradeWindow.open(u)).isFalse();
    assertThat(hold(task(), false, u)).isEmpty();
  }

  @Test
  void aDeletedUpgradeOrOneWithoutMigrationsHoldsNothing() {
    StackUpgrade deleted = at("Succeeded+cs", "Succeeded+cs", "Pending", "Pending", "Pending");
    deleted.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    assertThat(UpgradeWindow.open(deleted)).isFalse();

    StackUpgrade none = at("Succeeded+cs", "Succeeded+cs", "Pending", "Pending", "Pending");
    none.getStatus().getSteps().removeIf(s -> s.getMigration() != null);
    assertThat(UpgradeWindow.open(none)).isFalse();
  }

  @Test
  void theOpsStackIsTheOneThePlanSaysTheMigrationsFollow() {
    StackUpgrade u = at("Succeeded+cs", "Pending", "Pending", "Pending", "Pending");
    // Steps out of template order would be a bug; the plan still names which stack is the ops one.
    u.getStatus().getPlan().getMigrations().get(0).setAfter("prod-db");

    assertThat(UpgradeWindow.open(u)).isTrue();
  }

  @Test
  void anOpenWindowHoldsOtherCommandsAndNamesTheUpgrade() {
    StackUpgrade u = at("Succeeded+cs", "Updating+cs", "Pending", "Pending", "Pending");

    Optional<UpgradeWindow.Hold> held = hold(task(), false, u);

    assertThat(held).map(UpgradeWindow.Hold::upgrade).contains("ops/to-3-35");
    assertThat(held.get().message())
        .startsWith(
            "StackUpgrade ops/to-3-35 is between updating the ops stack and its last migration");
  }

  @Test
  void theUpgradesOwnMigrationsAndTasksThatAllowItAreNotHeld() {
    StackUpgrade u = at("Succeeded+cs", "Succeeded+cs", "Running", "Pending", "Pending");
    OpsTask own = task();
    own.getMetadata().setOwnerReferences(List.of(owner("StackUpgrade", UPGRADE_UID)));
    OpsTask otherUpgrades = task();
    otherUpgrades.getMetadata().setOwnerReferences(List.of(owner("StackUpgrade", "u-2")));
    OpsTask bootstraps = task();
    bootstraps.getMetadata().setOwnerReferences(List.of(owner("TenantBootstrap", UPGRADE_UID)));

    assertThat(hold(own, false, u)).isEmpty();
    assertThat(hold(task(), true, u)).isEmpty();
    assertThat(hold(otherUpgrades, false, u)).isPresent();
    assertThat(hold(bootstraps, false, u)).isPresent();
  }

  @Test
  void upgradesOfOtherClustersOrNamespacesHoldNothing() {
    StackUpgrade u = at("Succeeded+cs", "Succeeded+cs", "Pending", "Pending", "Pending");

    assertThat(UpgradeWindow.hold(task(), false, "staging", List.of(u))).isEmpty();
    u.getMetadata().setNamespace("elsewhere");
    assertThat(hold(task(), false, u)).isEmpty();
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference owner(String kind, String uid) {
    return new OwnerReferenceBuilder()
        .withApiVersion("ops.ttes.io/v1alpha1")
        .withKind(kind)
        .withName("owner")
        .withUid(uid)
        .build();
  }
}
