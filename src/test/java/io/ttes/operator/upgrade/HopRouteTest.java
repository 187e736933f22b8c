package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.Hop;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.release.ReleaseCatalogue;
import io.ttes.operator.release.RequiredMigration;
import io.ttes.operator.upgrade.UpgradeValidator.Validation;
import io.ttes.operator.version.TtesVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which hops an upgrade walks: the stops of the release catalogue, each at the latest patch of its
 * minor the catalogue lists, chained from the version the upgrade started at (never the cluster's
 * moving observation) and after the hops status records as finished.
 */
class HopRouteTest {
  static final ReleaseCatalogue SHIPPED = ReleaseCatalogue.shipped();

  @Test
  void through324MeansTheLatest324PatchTheCatalogueKnowsBelowTheTarget() {
    assertThat(SHIPPED.latestPatch(v("3.24.2"), v("3.25.1"))).isEqualTo(v("3.24.2"));
    ReleaseCatalogue extended =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.24.4
                migrations:
                  - command: ns-db migrate
                    reason: "A fix of 3.24 (our notes)."
              - version: 3.24.5-rc.1
                migrations:
                  - command: ns-db migrate
                    reason: "A release candidate."
            """,
            "test");
    assertThat(extended.latestPatch(v("3.24.2"), v("3.25.1"))).isEqualTo(v("3.24.4"));
    // Never the target itself or beyond: an upgrade to 3.24.3 stops nowhere in 3.24.
    assertThat(extended.latestPatch(v("3.24.2"), v("3.24.3"))).isEqualTo(v("3.24.2"));

    HopRoute route = HopRoute.of(extended, v("3.23.2"), v("3.25.1"), List.of());
    assertThat(route.legs())
        .extracting(l -> l.from() + " → " + l.to())
        .containsExactly("3.23.2 → 3.24.4", "3.24.4 → 3.25.1");
    // The first hop crosses 3.24.0 and 3.24.4: both releases' migrations, each with its line.
    assertThat(route.leg().required())
        .extracting(RequiredMigration::command)
        .containsExactly("is-db migrate", "ns-db migrate");
    // The second crosses the release candidate, whose line it carries; no hop stops at one.
    assertThat(route.legs().get(1).required())
        .singleElement()
        .satisfies(m -> assertThat(m.notes().get(0).version()).isEqualTo(v("3.24.5-rc.1")));
  }

  @Test
  void stopsChainAndEachHopIsAskedAgainFromTheLastOne() {
    ReleaseCatalogue two =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.30.0
                through:
                  - version: 3.29.1
                    below: 3.29.0
                    reason: "Upgrade through v3.29 (our notes)."
            """,
            "test");
    HopRoute route = HopRoute.of(two, v("3.23.2"), v("3.31.0"), List.of());
    assertThat(route.legs())
        .extracting(l -> l.to().toString())
        .containsExactly("3.24.2", "3.29.1", "3.31.0");
    assertThat(route.legs().get(1).reasons())
        .containsExactly("3.30.0: Upgrade through v3.29 (our notes).");
    assertThat(route.label(1)).isEqualTo("hop 2/3: 3.24.2 → 3.29.1");
    // From 3.25.0 only the 3.29 stop is left.
    assertThat(HopRoute.of(two, v("3.25.0"), v("3.31.0"), List.of()).legs()).hasSize(2);
    // No stop: one hop, which writes no status.hops.
    assertThat(HopRoute.of(two, v("3.33.1"), v("3.33.2"), List.of()).multiHop()).isFalse();
  }

  @Test
  void theValidatorRoutesFromStatusNotFromTheClustersMovingVersion() {
    StackUpgradeSpec spec = new StackUpgradeSpec();
    spec.setTargetVersion("3.25.1");
    spec.getMigrations().setCommands(List.of());
    UpgradeValidator validator = new UpgradeValidator();

    StackUpgradeStatus status = new StackUpgradeStatus();
    status.setFromVersion("3.23.2");
    // Mid hop 1 the cluster reports 3.24.2 (some stacks moved): the hop is still 3.23.2 → 3.24.2.
    Validation v = validator.validate(spec, new TTESClusterSpec(), "3.24.2", status);
    assertThat(v.ok()).isTrue();
    assertThat(v.multiHop()).isTrue();
    assertThat(v.route().current()).isZero();
    assertThat(v.required()).extracting(RequiredMigration::command).contains("is-db migrate");

    // Hop 1 recorded as Succeeded; the cluster still reports 3.23.2 (it has not looked yet).
    Hop done = new Hop();
    done.setFrom("3.23.2");
    done.setVersion("3.24.2");
    done.setPhase("Succeeded");
    status.getHops().add(done);
    v = validator.validate(spec, new TTESClusterSpec(), "3.23.2", status);
    assertThat(v.route().current()).isEqualTo(1);
    assertThat(v.route().last()).isTrue();
    assertThat(v.route().leg().from()).isEqualTo(v("3.24.2"));
    assertThat(v.required()).as("nothing between 3.24.2 and 3.25.1 requires one").isEmpty();

    spec.setPath(StackUpgradeSpec.Path.Direct);
    v = validator.validate(spec, new TTESClusterSpec(), "3.23.2", new StackUpgradeStatus());
    assertThat(v.route()).isNull();
    assertThat(v.problems())
        .extracting(PlanProblem::reason)
        .containsExactly(PlanProblem.INTERMEDIATE_VERSION_REQUIRED);
  }

  @Test
  void theHopIsPartOfThePlanHashOnlyWhenThereAreHops() {
    PlanHasher hasher = new PlanHasher();
    List<StackPlan> stacks = List.of(StackPlan.skipped("prod-1-1-vpc", "1-1-vpc"));
    String plain = hasher.hash(1, stacks, List.of());
    assertThat(hasher.hash(1, stacks, List.of(), null)).isEqualTo(plain);
    String hop1 = hasher.hash(1, stacks, List.of(), "hop 1/2: 3.23.2 → 3.24.2");
    String hop2 = hasher.hash(1, stacks, List.of(), "hop 2/2: 3.24.2 → 3.25.1");
    assertThat(hop1).isNotEqualTo(plain).isNotEqualTo(hop2);
  }

  private static TtesVersion v(String text) {
    return TtesVersion.parse(text).orElseThrow();
  }
}
