package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs of this build against those of the last release (src/test/resources/crd-compat/
 * released/, refreshed at each release: copy crds/*.yml there in the release commit). A user's
 * stored objects and manifests must keep working after an upgrade, so the build fails on a removed
 * field, a narrowed type or a new required field.
 */
class CrdCompatibilityTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path RELEASED = Path.of("src/test/resources/crd-compat/released");

  @Test
  void theCrdsAcceptEverythingTheReleasedOnesDid() throws IOException {
    List<Path> released = yamls(RELEASED);
    assertThat(released).hasSize(4);
    for (Path file : released) {
      Path current = Path.of("crds").resolve(file.getFileName());
      assertThat(current).as("released CRD %s still generated", file.getFileName()).exists();
      assertThat(CrdCompatibility.problems(read(file), read(current)))
          .as(
              "%s breaks the last release (if intended, that needs a new API version, not an"
                  + " edit of v1alpha1)",
              file.getFileName())
          .isEmpty();
    }
  }

  @Test
  void aDeliberatelyIncompatibleCopyFails() throws IOException {
    JsonNode released = read(RELEASED.resolve("opstasks.ops.ttes.io-v1.yml"));
    ObjectNode broken = released.deepCopy();
    ObjectNode spec =
        (ObjectNode) broken.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    ((ObjectNode) spec.get("properties")).remove("stopOnDelete");
    ((ObjectNode) spec.at("/properties/timeout")).put("type", "integer");
    ((ArrayNode) spec.get("required")).add("secretArgs");
    ((ObjectNode) spec.at("/properties/command")).put("maxItems", 8);
    ((ObjectNode)
            broken.at("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties/phase"))
        .putArray("enum")
        .add("Pending");
    assertThat(CrdCompatibility.problems(released, broken))
        .containsExactlyInAnyOrder(
            "OpsTask v1alpha1 spec.stopOnDelete: field removed",
            "OpsTask v1alpha1 spec.timeout: type string became integer",
            "OpsTask v1alpha1 spec.secretArgs: new required field",
            "OpsTask v1alpha1 spec.command: maxItems 64 became 8",
            "OpsTask v1alpha1 status.phase: enum value Running removed",
            "OpsTask v1alpha1 status.phase: enum value Succeeded removed",
            "OpsTask v1alpha1 status.phase: enum value Failed removed");
    // Compatible changes: a new optional field and a changed description.
    ObjectNode grown = released.deepCopy();
    ObjectNode specOfGrown =
        (ObjectNode) grown.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    ((ObjectNode) specOfGrown.get("properties")).putObject("labels").put("type", "string");
    specOfGrown.put("description", "changed");
    assertThat(CrdCompatibility.problems(released, grown)).isEmpty();
  }

  private static JsonNode read(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  private static List<Path> yamls(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
  }
}
