package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.release.ReleaseCatalogue;
import io.ttes.operator.upgrade.UpgradeValidator.Validation;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Planning with the release catalogue: the migrations the release notes between the observed and
 * the target version require, with their lines as reasons, next to the spec's list; a required
 * intermediate version stops the upgrade before any AWS call; the plan hash covers the commands the
 * catalogue adds and stays as it was for a plan it adds none to.
 */
class ReleasePlanningTest {
  PhaseHarness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void from331To333TheIsDbMigrationCarriesTheLinesOf332And333() {
    h = new PhaseHarness("  approval: Manual\n");
    h.observed = "3.31.1";
    h.reconcileUntil(UpgradePhase.AwaitingApproval);

    List<PlannedMigration> migrations = h.status().getPlan().getMigrations();
    assertThat(migrations)
        .extracting(m -> String.join(" ", m.getCommand()))
        .containsExactly(
            "is-db migrate", "ns-db migrate", "as-db migrate", "noc-db migrate", "dcs-db migrate");
    assertThat(migrations.get(0).getReasons())
        .hasSize(2)
        .satisfiesExactly(
            r -> assertThat(r).startsWith("3.32.0: ").contains("`ttn-lw-stack is-db migrate`"),
            r -> assertThat(r).startsWith("3.33.0: ").contains("`ttn-lw-stack is-db migrate`"));
    assertThat(migrations.get(1).getReasons()).isEmpty();
    // The catalogue added no command: the hash is the one a plan without it had.
    assertThat(h.status().getPlan().getHash())
        .isEqualTo(
            new PlanHasher()
                .hash(
                    h.status().getPlan().getGeneration(),
                    UpgradePlan.of(h.status().getPlan()).stacks()));
  }

  @Test
  void aCommandTheCatalogueAddsRunsAfterTheSpecListAndTheHashCoversIt() {
    h = new PhaseHarness("  approval: Manual\n");
    h.reconcileUntil(UpgradePhase.AwaitingApproval);
    String without = h.status().getPlan().getHash();
    h.close();

    h = new PhaseHarness("  approval: Manual\n");
    h.validator =
        new UpgradeValidator(
            ReleaseCatalogue.shipped()
                .extendedBy(
                    """
                    releases:
                      - version: 3.33.2
                        migrations:
                          - command: js-db migrate
                            reason: "The Join Server schema changes (our notes, item 4)."
                    """,
                    "test"));
    h.reconcileUntil(UpgradePhase.AwaitingApproval);

    List<PlannedMigration> migrations = h.status().getPlan().getMigrations();
    assertThat(migrations.get(migrations.size() - 1))
        .satisfies(
            m -> {
              assertThat(m.getCommand()).containsExactly("js-db", "migrate");
              assertThat(m.getIndex()).isEqualTo(6);
              assertThat(m.getReasons())
                  .containsExactly("3.33.2: The Join Server schema changes (our notes, item 4).");
            });
    assertThat(h.status().getSteps())
        .extracting(s -> s.getName())
        .contains("migrate-6-js-db-migrate");
    assertThat(h.status().getPlan().getHash()).isNotEqualTo(without);
  }

  @Test
  void from323To325DirectStopsAt3242NamingTheReleaseNoteBeforeAnyAwsCall() {
    // spec.path Hops plans the hop instead (MultiHopUpgradeTest).
    h = new PhaseHarness("  path: Direct\n");
    h.observed = "3.23.2";
    PhaseResult r = null;
    for (int i = 0; i < 5; i++) {
      r = h.reconcile();
    }
    assertThat(r.outcome().reason()).isEqualTo("IntermediateVersionRequired");
    assertThat(r.outcome().message())
        .contains("spec.targetVersion: an upgrade from 3.23.2 to 3.33.2 has to pass through 3.24.2")
        .contains("Migrating from prior versions should be done through v3.24 instead")
        .contains("upgrade to 3.24.2 first");
    assertThat(h.calls(FakeChangeSets.CREATE_CHANGE_SET)).isZero();
    assertThat(h.calls(FakeChangeSets.GET_TEMPLATE_SUMMARY)).isZero();
    assertThat(h.status().getHops()).isEmpty();
  }

  @Test
  void anUnsetPathOrWindowIsLeftOutOfTheSpecJsonSoEarlierSpecDigestsStay() {
    StackUpgradeSpec spec = new StackUpgradeSpec();
    spec.setTargetVersion("3.33.2");
    String json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().asJson(spec);
    assertThat(json).doesNotContain("\"path\"").doesNotContain("\"window\"");
  }

  @Test
  void theValidatorSaysWhatTheReleaseNotesOf325Say() {
    StackUpgradeSpec spec = new StackUpgradeSpec();
    spec.setTargetVersion("3.25.1");
    spec.setPath(StackUpgradeSpec.Path.Direct);
    spec.getMigrations().setCommands(List.of());
    Validation v = new UpgradeValidator().validate(spec, new TTESClusterSpec(), "3.23.2");
    assertThat(v.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(PlanProblem.INTERMEDIATE_VERSION_REQUIRED);
              assertThat(p.field()).isEqualTo("spec.targetVersion");
              assertThat(p.message())
                  .contains("3.24.2")
                  .contains("3.25.0: ")
                  .contains("spec.path is Direct");
            });

    spec.setTargetVersion("3.24.2");
    assertThat(new UpgradeValidator().validate(spec, new TTESClusterSpec(), "3.23.2").ok())
        .isTrue();
  }
}
