package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plan voided after its last stack updated: the cluster now reports the target version, but the
 * migrations that follow that stack have not all run. The upgrade plans again and runs them; it
 * does not end Succeeded as "already at target" with the databases left unmigrated.
 */
class VoidedAtTargetTest {
  PhaseHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void theMigrationsOfAnUpgradeWhoseStacksAreAtTargetStillRunAfterItsPlanIsVoided() {
    h = new PhaseHarness("  migrations:\n    after: 5-4-ecs-services\n");
    for (int i = 0; i < 50 && h.opsTasks().isEmpty(); i++) {
      h.reconcile();
    }
    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Migrating);
    // Every stack runs 3.33.2 now: the cluster says so.
    h.observed = "3.33.2";
    h.cluster.getStatus().setVersion("3.33.2");
    h.succeedOpsTasks();
    h.editSpec(s -> s.setParameters(Map.of("Replicas", "3")));

    for (int i = 0; i < 80 && h.status().getPhase() != UpgradePhase.Succeeded; i++) {
      h.reconcile();
      h.succeedOpsTasks();
    }

    assertThat(h.status().getPhase()).isEqualTo(UpgradePhase.Succeeded);
    List<String> ran =
        h.opsTasks().stream()
            .map(OpsTask::getSpec)
            .map(s -> String.join(" ", s.getCommand()))
            .distinct()
            .toList();
    assertThat(ran)
        .as("every migration ran before Succeeded")
        .contains(
            "is-db migrate", "ns-db migrate", "as-db migrate", "noc-db migrate", "dcs-db migrate");
  }
}
