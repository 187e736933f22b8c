package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster's history outlives the upgrade that ran the migrations: the real operator, through
 * the AWS SDK, against moto seeded with the five-stack fixture.
 */
class OperationHistoryEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final String UPGRADE = "hist-eu1-to-3.33.2";

  private static MotoServer moto;
  private static OperatorTestBed bed;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed = OperatorTestBed.onMoto(moto, "hist");
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
  void theMigrationsOfADeletedUpgradeAreStillInTheClustersHistory() {
    KubeObjects objects = bed.objects("hist");
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), "hist-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    objects.create(d.clusterYaml("hist-eu1", "hist"), TTESCluster.class);
    objects.await(
        TTESCluster.class,
        "hist-eu1",
        CONVERGE,
        c -> ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()));
    objects.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s}
        spec:
          clusterRef: {name: hist-eu1}
          targetVersion: 3.33.2
          approval: Automatic
        """
            .formatted(UPGRADE),
        StackUpgrade.class);
    objects.await(
        StackUpgrade.class,
        UPGRADE,
        CONVERGE,
        u -> u.getStatus() != null && u.getStatus().getPhase() == UpgradePhase.Succeeded);
    List<OpsTask> migrations =
        objects.list(OpsTask.class).stream()
            .filter(
                t ->
                    t.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> r.getName().equals(UPGRADE)))
            .toList();
    assertThat(migrations).hasSize(5);
    for (OpsTask t : migrations) {
      objects.await(
          OpsTask.class,
          t.getMetadata().getName(),
          CONVERGE,
          m -> m.getStatus() != null && m.getStatus().getRecordedInHistory() != null);
    }

    bed.client().resources(StackUpgrade.class).inNamespace("hist").withName(UPGRADE).delete();
    await().atMost(CONVERGE).until(() -> objects.get(StackUpgrade.class, UPGRADE) == null);

    List<Operation> history =
        objects.get(TTESCluster.class, "hist-eu1").getStatus().getOperations();
    assertThat(history)
        .filteredOn(o -> "StackUpgrade".equals(o.getOwnerKind()))
        .hasSize(5)
        .allSatisfy(
            o -> {
              assertThat(o.getOwnerName()).isEqualTo(UPGRADE);
              assertThat(o.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
              assertThat(o.getExitCode()).isZero();
              assertThat(o.getTaskArn()).startsWith("arn:aws:ecs:");
              assertThat(o.getFinishedAt()).isNotNull();
            })
        .extracting(Operation::getCommandLine)
        .containsExactlyInAnyOrder(
            "tti-lw-stack is-db migrate",
            "tti-lw-stack ns-db migrate",
            "tti-lw-stack as-db migrate",
            "tti-lw-stack noc-db migrate",
            "tti-lw-stack dcs-db migrate");
    assertThat(history)
        .extracting(Operation::getOpsTask)
        .containsExactlyInAnyOrderElementsOf(
            migrations.stream().map(t -> t.getMetadata().getName()).toList());
  }
}
