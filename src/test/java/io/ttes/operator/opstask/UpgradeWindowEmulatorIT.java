package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No ops command runs against a half-upgraded deployment: while a StackUpgrade is between updating
 * the ops stack and its last migration, other OpsTasks and bootstraps of the cluster wait, and
 * start once the migrations are done. On moto, whose ECS tasks here take seconds per state, so the
 * upgrade's migrations keep it in that window for a while.
 *
 * <p>The operator polls slowly when idle (10 minutes): a held task that starts soon after the
 * upgrade leaves the window was woken by the StackUpgrade informer, not by a poll.
 */
class UpgradeWindowEmulatorIT {
  private static final Duration CONVERGE = Duration.ofMinutes(3);
  private static final String NS = "window";
  private static final String CLUSTER = "win-eu1";
  private static final String UPGRADE = "win-eu1-to-3.33.2";

  private static MotoServer moto;
  private static OperatorTestBed bed;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed =
        OperatorTestBed.builder()
            .sdkAws(moto.endpoint())
            .config(c -> c.withPolling(Duration.ofMillis(500), Duration.ofMinutes(10)))
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {bed, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void otherCommandsWaitForTheMigrationsWhileTheUpgradesOwnAndAllowedOnesRun() {
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), CLUSTER, "3.33.1", TtesFixture.FIVE_TEMPLATES);
    bed.api.createNamespace(NS);
    KubeObjects k = bed.objects(NS);
    k.create(d.clusterYaml(CLUSTER, NS), TTESCluster.class);
    k.await(TTESCluster.class, CLUSTER, CONVERGE, KubeObjects::ready);
    moto.ecsTasksAdvanceEvery(2); // each migration takes several seconds

    k.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          targetVersion: 3.33.2
          approval: Automatic
          migrations: {commands: [[is-db, migrate], [ns-db, migrate]]}
        """
            .formatted(UPGRADE, CLUSTER),
        StackUpgrade.class);
    // Well inside the window: its first migration runs (the operator's caches have seen it).
    StackUpgrade migrating =
        k.await(StackUpgrade.class, UPGRADE, CONVERGE, u -> migration(u, 1) != null);
    k.await(
        OpsTask.class,
        migration(migrating, 1).getOpsTask(),
        CONVERGE,
        UpgradeWindowEmulatorIT::started);

    k.create(task("adhoc", false), OpsTask.class);
    k.create(task("urgent", true), OpsTask.class);
    k.create(task("let-go", false), OpsTask.class);
    k.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: acme}
        spec:
          clusterRef: {name: %s}
          tenant: {id: acme}
        """
            .formatted(CLUSTER),
        TenantBootstrap.class);

    String held = "StackUpgrade " + NS + "/" + UPGRADE + " is between updating the ops stack";
    for (String name : List.of("adhoc", "let-go")) {
      OpsTask waiting =
          k.await(OpsTask.class, name, CONVERGE, t -> reason(t) != null && reason(t).equals(WAIT));
      assertThat(waiting.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Pending);
      assertThat(waiting.getStatus().getLaunchToken()).isNull();
      assertThat(ConditionWriter.find(waiting.getStatus(), "Reconciling").getMessage())
          .startsWith(held);
    }
    TenantBootstrap bootstrap =
        k.await(TenantBootstrap.class, "acme", CONVERGE, b -> WAIT.equals(reasonOf(b)));
    assertThat(ConditionWriter.find(bootstrap.getStatus(), "Reconciling").getMessage())
        .contains(held);
    // The allowed task starts while the migrations run.
    k.await(OpsTask.class, "urgent", CONVERGE, UpgradeWindowEmulatorIT::started);

    // Setting the flag on a waiting task lets it go.
    bed.client()
        .resources(OpsTask.class)
        .inNamespace(NS)
        .withName("let-go")
        .edit(
            t -> {
              t.getSpec().setAllowDuringUpgrade(true);
              return t;
            });
    OpsTask letGo = k.await(OpsTask.class, "let-go", CONVERGE, UpgradeWindowEmulatorIT::started);
    assertThat(k.get(OpsTask.class, "adhoc").getStatus().getLaunchToken()).isNull();
    // Setting it on a waiting bootstrap passes it to its waiting task.
    String bootstrapTask = bootstrap.getStatus().getSteps().get(0).getOpsTask();
    bed.client()
        .resources(TenantBootstrap.class)
        .inNamespace(NS)
        .withName("acme")
        .edit(
            b -> {
              b.getSpec().setAllowDuringUpgrade(true);
              return b;
            });
    OpsTask bootstrapped =
        k.await(OpsTask.class, bootstrapTask, CONVERGE, UpgradeWindowEmulatorIT::started);
    assertThat(bootstrapped.getSpec().isAllowDuringUpgrade()).isTrue();

    StackUpgrade done =
        k.await(
            StackUpgrade.class,
            UPGRADE,
            CONVERGE,
            u -> u.getStatus().getPhase() == UpgradePhase.Succeeded);
    Instant migrationsDone = Instant.parse(migration(done, 2).getFinishedAt());
    OpsTask adhoc = k.await(OpsTask.class, "adhoc", CONVERGE, UpgradeWindowEmulatorIT::started);

    // Whole seconds in status, hence "or equal".
    assertThat(Instant.parse(adhoc.getStatus().getStartedAt())).isAfterOrEqualTo(migrationsDone);
    OpsTask urgent = k.get(OpsTask.class, "urgent");
    assertThat(Instant.parse(urgent.getStatus().getStartedAt())).isBeforeOrEqualTo(migrationsDone);
    assertThat(Instant.parse(letGo.getStatus().getStartedAt())).isBeforeOrEqualTo(migrationsDone);
    assertThat(Instant.parse(bootstrapped.getStatus().getStartedAt()))
        .isBeforeOrEqualTo(migrationsDone);
    assertThat(k.events("adhoc").stream().filter(e -> WAIT.equals(e.getReason()))).hasSize(1);
    // The upgrade's own migrations were never held.
    for (int n = 1; n <= 2; n++) {
      String name = migration(done, n).getOpsTask();
      assertThat(k.get(OpsTask.class, name).getStatus().getPhase())
          .isEqualTo(OpsTaskPhase.Succeeded);
      assertThat(k.events(name)).extracting(Event::getReason).doesNotContain(WAIT);
    }
    k.await(TenantBootstrap.class, "acme", CONVERGE, b -> !WAIT.equals(reasonOf(b)));
  }

  private static final String WAIT = UpgradeWindow.WAITING_FOR_UPGRADE;

  private static String task(String name, boolean allow) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          command: [is-db, create-admin-user, --id, ops]
          allowDuringUpgrade: %s
        """
        .formatted(name, CLUSTER, allow);
  }

  /** The step of migration {@code n} once it has started, else null. */
  private static Step migration(StackUpgrade u, int n) {
    if (u.getStatus() == null) {
      return null;
    }
    return u.getStatus().getSteps().stream()
        .filter(s -> Integer.valueOf(n).equals(s.getMigration()) && s.getOpsTask() != null)
        .findFirst()
        .orElse(null);
  }

  private static boolean started(OpsTask t) {
    return t.getStatus() != null && t.getStatus().getTaskArn() != null;
  }

  private static String reason(OpsTask t) {
    return t.getStatus() == null ? null : t.getStatus().getReason();
  }

  private static String reasonOf(TenantBootstrap b) {
    Condition c = b.getStatus() == null ? null : ConditionWriter.find(b.getStatus(), "Reconciling");
    return c == null || !"True".equals(c.getStatus()) ? null : c.getReason();
  }
}
