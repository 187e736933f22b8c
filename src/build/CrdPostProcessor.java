import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finishes the CRDs Fabric8's generator wrote (run by the build right after it, in
 * process-classes; {@code java CrdPostProcessor.java <dir> <api package>}) with what the generator
 * cannot express, all taken from the API classes so the Java stays the one source:
 *
 * <ul>
 *   <li>printer columns in the order the kind class declares them (the generator sorts them by
 *       JSONPath, which put Age first and Ready last);
 *   <li>the description of the top level, {@code spec} and {@code status}, from the
 *       {@code @JsonClassDescription} of the kind, spec and status classes (the generator leaves
 *       them empty: the fields are declared by Fabric8's CustomResource);
 *   <li>the schema of {@code status.conditions[]} from {@code KindStatus.CONDITION_SCHEMA}, a map
 *       list keyed by type, since the field's Java type is Fabric8's undocumented Condition.
 * </ul>
 *
 * A kind class without one of these fails the build instead of shipping an undocumented CRD.
 */
public final class CrdPostProcessor {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HEADER =
      "# Generated from src/main/java/io/ttes/operator/api/ by Fabric8's CRD generator and"
          + " src/build/CrdPostProcessor.java;\n# do not edit: mvn -Pupdate-crds process-classes\n";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String pkg = args[1];
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList()) {
        ObjectNode crd = (ObjectNode) YAML.readTree(file.toFile());
        String kind = crd.at("/spec/names/kind").asText();
        process(crd, Class.forName(pkg + "." + kind));
        Files.writeString(file, HEADER + YAML.writeValueAsString(crd));
      }
    }
  }

  static void process(ObjectNode crd, Class<?> kind) throws Exception {
    Type[] specAndStatus =
        ((ParameterizedType) kind.getGenericSuperclass()).getActualTypeArguments();
    for (JsonNode version : crd.at("/spec/versions")) {
      orderColumns((ObjectNode) version, kind);
      ObjectNode schema = (ObjectNode) version.at("/schema/openAPIV3Schema");
      schema.put("description", description(kind));
      ObjectNode spec = (ObjectNode) schema.at("/properties/spec");
      spec.put("description", description((Class<?>) specAndStatus[0]));
      ObjectNode status = (ObjectNode) schema.at("/properties/status");
      Class<?> statusClass = (Class<?>) specAndStatus[1];
      status.put("description", description(statusClass));
      ObjectNode conditions = (ObjectNode) status.at("/properties/conditions");
      if (conditions.isMissingNode() || !conditions.isObject()) {
        throw new IllegalStateException(kind.getSimpleName() + ": status has no conditions");
      }
      String conditionSchema =
          (String) statusClass.getSuperclass().getField("CONDITION_SCHEMA").get(null);
      conditions.set("items", JSON.readTree(conditionSchema));
      conditions.put("x-kubernetes-list-type", "map");
      conditions.putArray("x-kubernetes-list-map-keys").add("type");
    }
  }

  private static void orderColumns(ObjectNode version, Class<?> kind) {
    JsonNode columns = version.path("additionalPrinterColumns");
    List<String> order = new ArrayList<>();
    for (AdditionalPrinterColumn c : kind.getAnnotationsByType(AdditionalPrinterColumn.class)) {
      order.add(c.name());
    }
    List<JsonNode> sorted = new ArrayList<>();
    columns.forEach(sorted::add);
    if (sorted.size() != order.size()) {
      throw new IllegalStateException(
          kind.getSimpleName() + ": columns " + sorted + " do not match the annotations " + order);
    }
    sorted.sort(
        (a, b) ->
            Integer.compare(
                order.indexOf(a.path("name").asText()), order.indexOf(b.path("name").asText())));
    ArrayNode out = version.putArray("additionalPrinterColumns");
    sorted.forEach(out::add);
  }

  private static String description(Class<?> type) {
    JsonClassDescription d = type.getAnnotation(JsonClassDescription.class);
    if (d == null || d.value().isBlank()) {
      throw new IllegalStateException(type.getName() + " needs a @JsonClassDescription");
    }
    return d.value();
  }

  private CrdPostProcessor() {}
}
