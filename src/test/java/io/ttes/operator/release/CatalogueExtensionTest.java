package io.ttes.operator.release;

import static io.ttes.operator.release.ReleaseCatalogueTest.notesOf;
import static io.ttes.operator.release.ReleaseCatalogueTest.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A second catalogue document merged over the shipped one, and what bad documents say. */
class CatalogueExtensionTest {
  private static final ReleaseCatalogue SHIPPED = ReleaseCatalogue.shipped();
  private static final String SOURCE = "configmap/ttes-releases/releases.yaml";

  @Test
  void aVersionOnlyTheExtensionKnowsIsAdded() {
    ReleaseCatalogue c =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.37.0
                migrations:
                  - command: ns-db   migrate
                    reason: "Our 3.37.0 build needs an NS migration."
            """,
            SOURCE);

    List<RequiredMigration> m = c.migrationsBetween(v("3.36.2"), v("3.37.0"));
    assertThat(m).extracting(RequiredMigration::command).containsExactly("ns-db migrate");
    assertThat(m.get(0).notes().get(0).line()).isEqualTo("Our 3.37.0 build needs an NS migration.");
    assertThat(m.get(0).notes().get(0).feature()).isNull();
    // The shipped catalogue itself is unchanged.
    assertThat(SHIPPED.release(v("3.37.0"))).isEmpty();
  }

  @Test
  void aVersionBothKnowGetsTheExtensionsEntriesAddedAndAnIdenticalOneOnce() {
    ReleaseCatalogue c =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.33.0
                migrations:
                  - command: is-db migrate
                    feature: "Support user email notification preferences."
                    reason: "This requires an Identity Server database migration (`ttn-lw-stack is-db migrate`)."
                  - command: noc-db migrate
                    reason: "TTES 3.33.0 changes the NOC schema."
                through:
                  - version: 3.32.3
                    reason: "Our fleet goes through 3.32.3."
            """,
            SOURCE);

    List<RequiredMigration> m = c.migrationsBetween(v("3.32.3"), v("3.33.0"));
    assertThat(m)
        .extracting(RequiredMigration::command)
        .containsExactly("is-db migrate", "noc-db migrate");
    assertThat(notesOf(List.of(m.get(0)))).containsExactly(v("3.33.0"));
    assertThat(c.requiredHops(v("3.31.0"), v("3.33.0")))
        .extracting(RequiredHop::version)
        .containsExactly(v("3.32.3"));
    // below defaults to the stop's MAJOR.MINOR.0: from 3.32.0 on no stop is needed.
    assertThat(c.requiredHops(v("3.32.0"), v("3.33.0"))).isEmpty();
  }

  @Test
  void replaceTrueReplacesTheShippedEntry() {
    ReleaseCatalogue c =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.25.0
                replace: true
              - version: 3.33.0
                replace: true
                migrations:
                  - command: is-db migrate
                    reason: "Ours."
            """,
            SOURCE);

    assertThat(c.requiredHops(v("3.23.2"), v("3.25.1"))).isEmpty();
    assertThat(c.migrationsBetween(v("3.32.3"), v("3.33.0")).get(0).notes())
        .extracting(ReleaseNote::line)
        .containsExactly("Ours.");
  }

  @Test
  void stopsOfSeveralReleasesComeLowestFirstAndAStopTwoReleasesAskForIsPlannedOnce() {
    ReleaseCatalogue c =
        SHIPPED.extendedBy(
            """
            releases:
              - version: 3.26.0
                through:
                  - version: 3.24.2
                    below: 3.24.0
                    reason: "Again through v3.24."
              - version: 4.0.0
                through:
                  - version: 3.36.2
                    below: 3.30.0
                    reason: "4.0 only from 3.30 on; stop at 3.36.2."
            """,
            SOURCE);

    List<RequiredHop> hops = c.requiredHops(v("3.23.0"), v("4.0.0"));
    assertThat(hops).extracting(RequiredHop::version).containsExactly(v("3.24.2"), v("3.36.2"));
    assertThat(hops.get(0).notes())
        .extracting(ReleaseNote::version)
        .containsExactly(v("3.25.0"), v("3.26.0"));
    // From 3.30.0 only the second rule applies.
    assertThat(c.requiredHops(v("3.29.0"), v("4.0.0")))
        .extracting(RequiredHop::version)
        .containsExactly(v("3.36.2"));
    assertThat(c.requiredHops(v("3.30.0"), v("4.0.0"))).isEmpty();
  }

  @Test
  void anEmptyReleaseListIsAValidExtensionThatChangesNothing() {
    ReleaseCatalogue c = SHIPPED.extendedBy("releases: []\n", SOURCE);
    assertThat(c.releases()).isEqualTo(SHIPPED.releases());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          empty document         | ''                                                                 | line 1: is empty
          not YAML               | 'releases: [\\n  - version: 3.1.0\\n'                              | is not valid YAML
          not a mapping          | '- 1\\n- 2\\n'                                                     | line 1: must be a mapping with releases, source
          unknown top field      | 'release: []\\n'                                                   | line 1: release: unknown field (known: releases, source)
          releases missing       | 'source: x\\n'                                                     | line 1: releases: is required
          releases not a list    | 'releases: 3\\n'                                                   | line 1: releases: must be a list of releases
          version missing        | 'releases:\\n  - migrations: []\\n'                                | line 2: releases[0].version: is required
          version not semver     | 'releases:\\n  - version: 3.33\\n    replace: true\\n'             | line 2: releases[0].version: `3.33` is not a version (MAJOR.MINOR.PATCH[-PRERELEASE])
          version twice          | 'releases:\\n  - {version: 3.1.0, replace: true}\\n  - {version: 3.1.0, replace: true}\\n' | line 3: releases[1].version: 3.1.0 is listed twice (also on line 2)
          nothing listed         | 'releases:\\n  - version: 3.1.0\\n'                                | line 2: releases[0]: release 3.1.0 lists neither migrations nor through versions
          replace not boolean    | 'releases:\\n  - version: 3.1.0\\n    replace: yes please\\n'      | line 3: releases[0].replace: must be true or false, not `yes please`
          migrations not a list  | 'releases:\\n  - version: 3.1.0\\n    migrations: is-db\\n'        | line 3: releases[0].migrations: must be a list
          command missing        | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - reason: r\\n' | line 4: releases[0].migrations[0].command: is required
          command with binary    | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: ttn-lw-stack is-db migrate\\n        reason: r\\n' | line 4: releases[0].migrations[0].command: write the words after the binary (`is-db migrate`), not `ttn-lw-stack`
          command with shell     | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: is-db migrate;rm\\n        reason: r\\n' | line 4: releases[0].migrations[0].command: `migrate;rm` is not a subcommand word
          command with reference | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: is-db $(PASSWORD)\\n        reason: r\\n' | line 4: releases[0].migrations[0].command: `$(PASSWORD)` is not a subcommand word
          reason empty           | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: is-db migrate\\n        reason: ""\\n' | line 5: releases[0].migrations[0].reason: is empty
          reason a list          | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: is-db migrate\\n        reason: [a]\\n' | line 5: releases[0].migrations[0].reason: must be a text, not a list
          unknown migration key  | 'releases:\\n  - version: 3.1.0\\n    migrations:\\n      - command: is-db migrate\\n        reason: r\\n        why: w\\n' | line 6: releases[0].migrations[0].why: unknown field (known: command, feature, reason)
          duplicate key          | 'releases:\\n  - version: 3.1.0\\n    version: 3.2.0\\n'           | line 3: key `version` appears twice in one mapping
          stop not below release | 'releases:\\n  - version: 3.25.0\\n    through:\\n      - version: 3.25.0\\n        reason: r\\n' | line 4: releases[0].through[0].version: 3.25.0 must be lower than the release 3.25.0
          below above the stop   | 'releases:\\n  - version: 3.25.0\\n    through:\\n      - version: 3.24.2\\n        below: 3.24.3\\n        reason: r\\n' | line 5: releases[0].through[0].below: 3.24.3 must not be higher than the version 3.24.2
          stop reason missing    | 'releases:\\n  - version: 3.25.0\\n    through:\\n      - version: 3.24.2\\n' | line 4: releases[0].through[0].reason: is required
          """)
  void aBadDocumentFailsNamingTheSourceTheLineAndTheField(
      String name, String document, String expected) {
    String text = document.replace("\\n", "\n");

    assertThatThrownBy(() -> SHIPPED.extendedBy(text, SOURCE))
        .isInstanceOf(IllegalArgumentException.class)
        .isInstanceOf(CatalogueProblem.class)
        .hasMessageStartingWith(SOURCE + " ")
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void theProblemCarriesItsFieldAndLine() {
    CatalogueProblem p =
        (CatalogueProblem)
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    ReleaseCatalogue.parse(
                        "releases:\n  - version: 3.1.0\n    migrations:\n      - command: x\n",
                        SOURCE));

    assertThat(p.source()).isEqualTo(SOURCE);
    assertThat(p.line()).isEqualTo(4);
    assertThat(p.field()).isEqualTo("releases[0].migrations[0].reason");
    assertThat(p.getMessage())
        .isEqualTo(SOURCE + " line 4: releases[0].migrations[0].reason: is required");
  }
}
