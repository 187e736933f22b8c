package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl explain} and {@code kubectl get} show of the CRDs: a description on every
 * field (top level, spec and status included), the {@code ttes} category, printer columns with
 * Ready or Phase first and Age last, and conditions typed as a map list keyed by type.
 */
class CrdDocumentationTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void everyFieldHasADescription() throws IOException {
    for (JsonNode crd : crds()) {
      List<String> missing = new ArrayList<>();
      undocumented(crd.at("/spec/versions/0/schema/openAPIV3Schema"), "<top>", missing);
      assertThat(missing).as(crd.at("/spec/names/kind").asText()).isEmpty();
    }
  }

  @Test
  void kindsShareTheCategoryAndOrderTheirColumns() throws IOException {
    List<JsonNode> crds = crds();
    assertThat(crds).hasSize(4);
    for (JsonNode crd : crds) {
      String kind = crd.at("/spec/names/kind").asText();
      assertThat(crd.at("/spec/names/categories").toString()).as(kind).isEqualTo("[\"ttes\"]");
      List<String> columns = new ArrayList<>();
      crd.at("/spec/versions/0/additionalPrinterColumns")
          .forEach(c -> columns.add(c.path("name").asText()));
      assertThat(columns.get(0)).as(kind + " " + columns).isIn("Ready", "Phase");
      assertThat(columns.get(columns.size() - 1)).as(kind + " " + columns).isEqualTo("Age");
      JsonNode conditions =
          crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties/conditions");
      assertThat(conditions.path("x-kubernetes-list-type").asText()).as(kind).isEqualTo("map");
      assertThat(conditions.path("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"type\"]");
      assertThat(conditions.at("/items/properties").fieldNames())
          .toIterable()
          .containsExactlyInAnyOrder(
              "type", "status", "reason", "message", "lastTransitionTime", "observedGeneration");
      assertThat(conditions.at("/items/properties/status/enum").toString())
          .isEqualTo("[\"True\",\"False\",\"Unknown\"]");
    }
  }

  private static void undocumented(JsonNode schema, String path, List<String> out) {
    if (schema.path("description").asText("").isBlank()) {
      out.add(path);
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(
            p ->
                undocumented(
                    p.getValue(), (path.equals("<top>") ? "" : path + ".") + p.getKey(), out));
    JsonNode items = schema.path("items");
    if (items.has("properties")) {
      items
          .path("properties")
          .fields()
          .forEachRemaining(p -> undocumented(p.getValue(), path + "[]." + p.getKey(), out));
    }
  }

  private static List<JsonNode> crds() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        out.add(YAML.readTree(f.toFile()));
      }
    }
    return out;
  }
}
