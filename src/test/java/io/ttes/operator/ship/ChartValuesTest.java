package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every value of charts/ttes-operator: in values.schema.json, in the chart README's table, and with
 * an effect on what the chart renders (ci/all-options.yaml sets each one).
 */
class ChartValuesTest {
  static final Path ALL_OPTIONS = Charts.CHART.resolve("ci/all-options.yaml");
  static final Path README = Charts.CHART.resolve("README.md");

  /** Switches whose both sides other tests render; all-options keeps their defaults. */
  static final Map<String, String> OWN_TESTS =
      Map.of(
          "leaderElection.enabled", "ChartTest.leaderElectionIsOnWithTwoReplicasAndOffWithOne",
          "crds.install", "ChartTest.crdsAreTemplatesKeptOnUninstallByDefault",
          "userRoles.create", "ChartTest.opsAndUpgradeJoinEditOrAdminOnlyWhenAsked",
          "podDisruptionBudget.enabled", "ChartTest.podDisruptionBudgetOnlyWithSeveralReplicas",
          "rbac.create", "ChartValuesTest.rbacAndServiceAccountCanBeLeftToOthers",
          "serviceAccount.create", "ChartValuesTest.rbacAndServiceAccountCanBeLeftToOthers");

  private static JsonNode defaults;
  private static JsonNode allOptions;
  private static JsonNode schema;
  private static Map<String, JsonNode> leaves;

  @TempDir Path tmp;

  @BeforeAll
  static void read() throws IOException {
    defaults = Charts.YAML.readTree(Charts.CHART.resolve("values.yaml").toFile());
    allOptions = Charts.YAML.readTree(ALL_OPTIONS.toFile());
    schema = new ObjectMapper().readTree(Charts.CHART.resolve("values.schema.json").toFile());
    leaves = new LinkedHashMap<>();
    collectLeaves("", defaults, schema, leaves);
  }

  @Test
  void everyValueIsInTheSchemaAndTheChartReadme() throws IOException {
    String readme = Files.readString(README);
    assertThat(leaves).hasSizeGreaterThan(60);
    for (String path : leaves.keySet()) {
      assertThat(schemaAt(path)).as("%s in values.schema.json", path).isNotNull();
      assertThat(readme).as("%s in the table of %s", path, README).contains("| `" + path + "` |");
    }
  }

  @Test
  void everyValueChangesTheRendering() throws IOException {
    String all = Charts.renderText(Map.of(), ALL_OPTIONS);
    List<String> without = new ArrayList<>();
    for (Map.Entry<String, JsonNode> leaf : leaves.entrySet()) {
      String path = leaf.getKey();
      JsonNode set = at(allOptions, path);
      if (OWN_TESTS.containsKey(path)) {
        assertThat(set)
            .as("%s keeps its default in %s", path, ALL_OPTIONS)
            .isEqualTo(leaf.getValue());
        continue;
      }
      assertThat(set)
          .as("%s is set to something other than its default in %s", path, ALL_OPTIONS)
          .isNotNull()
          .isNotEqualTo(leaf.getValue());
      ObjectNode values = allOptions.deepCopy();
      put(values, path, leaf.getValue());
      Path file = tmp.resolve("values-" + path + ".yaml");
      Charts.YAML.writeValue(file.toFile(), values);
      if (Charts.renderText(Map.of(), file).equals(all)) {
        without.add(path);
      }
    }
    assertThat(without)
        .as("values whose default renders the same as the all-options value")
        .isEmpty();
  }

  @Test
  void everyOptionLintsAndRendersEveryKind() throws IOException {
    LintResult lint = new Helm(Charts.copyWithValues(ALL_OPTIONS, tmp)).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint: %s", lint.getMessages()).isFalse();
    List<JsonNode> docs = Charts.render(Map.of(), ALL_OPTIONS);
    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .contains(
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service",
            "ServiceMonitor",
            "PrometheusRule",
            "ConfigMap",
            "PodDisruptionBudget");
  }

  @Test
  void rbacAndServiceAccountCanBeLeftToOthers() {
    List<JsonNode> docs = Charts.render(Map.of("rbac.create", false));
    assertThat(docs)
        .filteredOn(d -> d.path("kind").asText().endsWith("Binding"))
        .as("no binding when rbac.create is false")
        .isEmpty();
    assertThat(Charts.ofKind(docs, "Role")).isEmpty();
    assertThat(Charts.ofKind(docs, "ClusterRole"))
        .extracting(r -> r.at("/metadata/name").asText())
        .as("the user roles are their own switch")
        .containsExactlyInAnyOrder(
            "ttes-operator-view", "ttes-operator-ops", "ttes-operator-upgrade");

    List<JsonNode> noSa =
        Charts.render(Map.of("serviceAccount.create", false, "serviceAccount.name", "ops-sa"));
    assertThat(Charts.ofKind(noSa, "ServiceAccount")).isEmpty();
    assertThat(
            Charts.only(noSa, "Deployment").at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("ops-sa");
  }

  // ---- values.yaml as leaves

  /** Leaves of values.yaml: maps recurse where the schema names their properties. */
  private static void collectLeaves(
      String prefix, JsonNode node, JsonNode schemaNode, Map<String, JsonNode> out) {
    JsonNode resolved = resolve(schemaNode);
    if (node.isObject() && resolved != null && resolved.has("properties")) {
      node.fields()
          .forEachRemaining(
              e ->
                  collectLeaves(
                      prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                      e.getValue(),
                      resolved.path("properties").path(e.getKey()),
                      out));
    } else {
      out.put(prefix, node);
    }
  }

  private static JsonNode schemaAt(String path) {
    JsonNode node = schema;
    for (String part : path.split("\\.")) {
      node = resolve(node);
      if (node == null || !node.path("properties").has(part)) {
        return null;
      }
      node = node.path("properties").path(part);
    }
    return node;
  }

  private static JsonNode resolve(JsonNode schemaNode) {
    if (schemaNode == null || schemaNode.isMissingNode()) {
      return null;
    }
    JsonNode ref = schemaNode.get("$ref");
    if (ref != null) {
      return schema.at(ref.asText().substring(1));
    }
    return schemaNode;
  }

  private static JsonNode at(JsonNode root, String path) {
    JsonNode node = root;
    for (String part : path.split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    return node;
  }

  private static void put(ObjectNode root, String path, JsonNode value) {
    String[] parts = path.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (ObjectNode) node.get(parts[i]);
    }
    node.set(parts[parts.length - 1], value.deepCopy());
  }
}
