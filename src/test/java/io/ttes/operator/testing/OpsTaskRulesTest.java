package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The OpsTask immutability rule lets exactly one field change after creation: {@code
 * spec.allowDuringUpgrade}, so a task waiting for an upgrade can be let go.
 */
class OpsTaskRulesTest {
  private static final String IMMUTABLE =
      "spec: an OpsTask's spec cannot change: create a new OpsTask to run another command";
  private static final String TASK =
      """
      apiVersion: ops.ttes.io/v1alpha1
      kind: OpsTask
      metadata: {name: t}
      spec:
        clusterRef: {name: c}
        command: [is-db, migrate]
        timeout: 30m
        stopOnDelete: false
      """;

  private final CrdSchemas schemas = new CrdSchemas(Path.of("crds"));

  @Test
  void allowDuringUpgradeMayBeSetOnAnOpsTaskThatExists() {
    JsonNode created = CrdSchemas.parse(TASK);
    JsonNode allowed = CrdSchemas.parse(TASK + "  allowDuringUpgrade: true\n");

    assertThat(schemas.updateViolations(created, allowed)).isEmpty();
    assertThat(schemas.updateViolations(allowed, CrdSchemas.parse(TASK))).isEmpty();
  }

  @Test
  void anyOtherChangeAlongsideIsStillRefused() {
    JsonNode created = CrdSchemas.parse(TASK);

    assertThat(
            schemas.updateViolations(
                created,
                CrdSchemas.parse(
                    TASK.replace("[is-db, migrate]", "[is-db, create-admin-user]")
                        + "  allowDuringUpgrade: true\n")))
        .containsExactly(IMMUTABLE);
    assertThat(schemas.updateViolations(created, CrdSchemas.parse(TASK + "  backoffLimit: 3\n")))
        .containsExactly(IMMUTABLE);
    assertThat(
            schemas.updateViolations(
                created, CrdSchemas.parse(TASK.replace("  timeout: 30m\n", ""))))
        .containsExactly(IMMUTABLE);
  }

  /** A field added to OpsTaskSpec must join the rule, or changing it would pass unnoticed. */
  @Test
  void theRuleNamesEveryFieldButAllowDuringUpgrade() {
    JsonNode spec =
        CrdSchemas.parse(readCrd())
            .path("spec")
            .path("versions")
            .path(0)
            .path("schema")
            .path("openAPIV3Schema")
            .path("properties")
            .path("spec");
    String rule = spec.path("x-kubernetes-validations").path(0).path("rule").asText();
    List<String> missing = new ArrayList<>();
    spec.path("properties")
        .fieldNames()
        .forEachRemaining(
            f -> {
              if (!f.equals("allowDuringUpgrade") && !rule.contains("self." + f + " == oldSelf.")) {
                missing.add(f);
              }
            });

    assertThat(rule).contains("self.command == oldSelf.command");
    assertThat(missing).isEmpty();
  }

  private static String readCrd() {
    try {
      return java.nio.file.Files.readString(Path.of("crds/opstasks.ops.ttes.io-v1.yml"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
