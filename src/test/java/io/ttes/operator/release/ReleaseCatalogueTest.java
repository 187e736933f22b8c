package io.ttes.operator.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.release.Release.Migration;
import io.ttes.operator.version.TtesVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped catalogue against the release notes it was filled from (CHANGELOG.md of
 * TheThingsNetwork/lorawan-stack), and the two questions an upgrade asks of it.
 */
class ReleaseCatalogueTest {
  private static final ReleaseCatalogue SHIPPED = ReleaseCatalogue.shipped();

  static TtesVersion v(String text) {
    return TtesVersion.parse(text).orElseThrow(() -> new AssertionError("not a version: " + text));
  }

  private static String shippedText() throws IOException {
    try (InputStream in =
        ReleaseCatalogue.class.getResourceAsStream(ReleaseCatalogue.SHIPPED_RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theShippedDocumentListsReleasesInAscendingOrderEachWithItsReleaseNoteLine()
      throws IOException {
    List<Release> inFileOrder = CatalogueReader.read(shippedText(), "releases.yaml");

    assertThat(inFileOrder).hasSizeGreaterThan(20);
    for (int i = 1; i < inFileOrder.size(); i++) {
      assertThat(inFileOrder.get(i).version())
          .as("entry %d after entry %d", i, i - 1)
          .isGreaterThan(inFileOrder.get(i - 1).version());
    }
    for (Release r : inFileOrder) {
      for (Migration m : r.migrations()) {
        // The reason is the release-note line that names this very command.
        assertThat(m.reason())
            .as(r.version() + " " + m.command())
            .isNotBlank()
            .contains("(`ttn-lw-stack " + m.command() + "`)");
        assertThat(m.command()).matches("(is|ns|as|js)-db migrate");
      }
      r.through().forEach(p -> assertThat(p.reason()).isNotBlank());
    }
    assertThat(SHIPPED.releases()).containsExactlyElementsOf(inFileOrder);
  }

  @Test
  void everyReleaseFrom320WhoseNotesRequireAMigrationIsListed() {
    List<String> withMigrations =
        SHIPPED.releases().stream()
            .filter(r -> r.version().compareTo(v("3.20.0")) >= 0 && !r.migrations().isEmpty())
            .map(r -> r.version().toString())
            .toList();

    // Read from the release notes 3.20.0 to 3.36.2: 3.34.0 to 3.36.2 require none.
    assertThat(withMigrations)
        .containsExactly("3.21.0", "3.23.0", "3.24.0", "3.29.0", "3.30.0", "3.32.0", "3.33.0");
  }

  @Test
  void release325SaysMigratingFromBefore324GoesThrough324() {
    List<RequiredHop> hops = SHIPPED.requiredHops(v("3.23.2"), v("3.25.1"));

    assertThat(hops).hasSize(1);
    assertThat(hops.get(0).version()).isEqualTo(v("3.24.2"));
    assertThat(hops.get(0).notes()).hasSize(1);
    assertThat(hops.get(0).notes().get(0).version()).isEqualTo(v("3.25.0"));
    assertThat(hops.get(0).notes().get(0).line())
        .isEqualTo(
            "Automatic migrations of the Network Server database using `ns-db migrate` from"
                + " versions prior to v3.24 are removed. Migrating from prior versions should be"
                + " done through v3.24 instead.");
  }

  @Test
  void noStopIsNeededFromThe324LineOrForAnUpgradeThatStaysBelow325() {
    assertThat(SHIPPED.requiredHops(v("3.24.0"), v("3.25.0"))).isEmpty();
    assertThat(SHIPPED.requiredHops(v("3.24.2"), v("3.36.2"))).isEmpty();
    assertThat(SHIPPED.requiredHops(v("3.23.2"), v("3.24.2"))).isEmpty();
    // The first hop's own target needs no further stop: 3.24.2 → 3.36.2 is direct.
    assertThat(SHIPPED.requiredHops(v("3.22.0"), v("3.36.2")))
        .extracting(RequiredHop::version)
        .containsExactly(v("3.24.2"));
  }

  @Test
  void preReleasesCompareAsSemverOrdersThem() {
    // A 3.24.0 candidate is below 3.24.0, so it is "prior to v3.24".
    assertThat(SHIPPED.requiredHops(v("3.24.0-rc.1"), v("3.25.0")))
        .extracting(RequiredHop::version)
        .containsExactly(v("3.24.2"));
    // A 3.25.0 candidate has not reached 3.25.0.
    assertThat(SHIPPED.requiredHops(v("3.23.2"), v("3.25.0-rc.1"))).isEmpty();
    assertThat(SHIPPED.migrationsBetween(v("3.31.1"), v("3.32.0-rc.1"))).isEmpty();
    assertThat(SHIPPED.migrationsBetween(v("3.32.0-rc.1"), v("3.32.0")))
        .extracting(RequiredMigration::command)
        .containsExactly("is-db migrate");
  }

  @Test
  void releases332And333EachRequireAnIdentityServerSchemaMigration() {
    List<RequiredMigration> m = SHIPPED.migrationsBetween(v("3.31.1"), v("3.33.0"));

    assertThat(m).hasSize(1);
    assertThat(m.get(0).command()).isEqualTo("is-db migrate");
    assertThat(m.get(0).args()).containsExactly("is-db", "migrate");
    assertThat(m.get(0).commandLine("tti-lw-stack")).isEqualTo("tti-lw-stack is-db migrate");
    assertThat(m.get(0).notes())
        .containsExactly(
            new ReleaseNote(
                v("3.32.0"),
                "Preparation for universal rights assigned to users.",
                "This requires a database schema migration (`ttn-lw-stack is-db migrate`)."),
            new ReleaseNote(
                v("3.33.0"),
                "Support user email notification preferences.",
                "This requires an Identity Server database migration (`ttn-lw-stack is-db"
                    + " migrate`)."));
  }

  @Test
  void fromIsExclusiveAndToIsInclusive() {
    assertThat(notesOf(SHIPPED.migrationsBetween(v("3.32.0"), v("3.33.0"))))
        .containsExactly(v("3.33.0"));
    assertThat(notesOf(SHIPPED.migrationsBetween(v("3.31.1"), v("3.32.0"))))
        .containsExactly(v("3.32.0"));
    assertThat(notesOf(SHIPPED.migrationsBetween(v("3.32.0"), v("3.32.3")))).isEmpty();
    assertThat(SHIPPED.migrationsBetween(v("3.33.0"), v("3.33.0"))).isEmpty();
    assertThat(SHIPPED.migrationsBetween(v("3.33.0"), v("3.32.0"))).isEmpty();
    assertThat(SHIPPED.migrationsBetween(v("3.33.0"), v("3.36.2"))).isEmpty();
  }

  @Test
  void oneEntryPerCommandInTheOrderTheCommandsFirstAppearWithEveryReason() {
    List<RequiredMigration> m = SHIPPED.migrationsBetween(v("3.17.0"), v("3.19.0"));

    assertThat(m)
        .extracting(RequiredMigration::command)
        .containsExactly("js-db migrate", "is-db migrate");
    assertThat(notesOf(List.of(m.get(0)))).containsExactly(v("3.18.0"));
    assertThat(notesOf(List.of(m.get(1)))).containsExactly(v("3.19.0"), v("3.19.0"));
    assertThat(m.get(1).notes()).extracting(ReleaseNote::feature).doesNotHaveDuplicates();
  }

  @Test
  void requiredCommandsAreAddedAfterTheSpecsListWhenItLacksThem() {
    List<List<String>> defaults =
        List.of(
            List.of("is-db", "migrate"), List.of("ns-db", "migrate"), List.of("as-db", "migrate"));

    List<List<String>> all =
        RequiredMigration.addedTo(defaults, SHIPPED.migrationsBetween(v("3.17.0"), v("3.19.0")));

    // is-db migrate is in the list already; js-db migrate (3.18.0) is not.
    assertThat(all)
        .containsExactly(
            List.of("is-db", "migrate"),
            List.of("ns-db", "migrate"),
            List.of("as-db", "migrate"),
            List.of("js-db", "migrate"));
    assertThat(RequiredMigration.addedTo(defaults, List.of())).isEqualTo(defaults);
  }

  @Test
  void aWideUpgradeCollectsTheCommandsOfEveryReleaseCrossed() {
    assertThat(SHIPPED.migrationsBetween(v("3.10.0"), v("3.36.2")))
        .extracting(RequiredMigration::command)
        .containsExactly("is-db migrate", "ns-db migrate", "as-db migrate", "js-db migrate");
  }

  static List<TtesVersion> notesOf(List<RequiredMigration> migrations) {
    return migrations.stream().flatMap(m -> m.notes().stream()).map(ReleaseNote::version).toList();
  }
}
