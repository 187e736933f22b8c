package io.ttes.operator.ship;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Renders charts/ttes-operator in-process (helm-java) and parses the result. */
final class Charts {
  static final Path CHART = Path.of("charts/ttes-operator");
  static final Path WATCH_NAMESPACES_VALUES = CHART.resolve("ci/watch-namespaces-values.yaml");
  static final Path HA_VALUES = CHART.resolve("ci/ha-values.yaml");
  static final String RELEASE = "ttes-operator";
  static final String NAMESPACE = "ttes-operator";
  // helm template pretends to be Kubernetes 1.20 unless told otherwise; the chart needs 1.25+.
  static final String KUBE_VERSION = "v1.30.0";
  static final YAMLMapper YAML = new YAMLMapper();

  private Charts() {}

  /**
   * The rendered templates as text. The CRDs are templates too (templates/crds.yaml, unless
   * crds.install is false); skipCrds leaves out Helm's crds/ directory, which the chart must not
   * have (ChartTest checks).
   */
  static String renderText(Map<String, Object> sets, Path... valuesFiles) {
    TemplateCommand template =
        new Helm(CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    for (Path values : valuesFiles) {
      template = template.withValuesFile(values);
    }
    for (Map.Entry<String, Object> set : sets.entrySet()) {
      template = template.set(set.getKey(), set.getValue());
    }
    return template.call();
  }

  static List<JsonNode> render(Map<String, Object> sets, Path... valuesFiles) {
    return parse(renderText(sets, valuesFiles));
  }

  static List<JsonNode> parse(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> found = ofKind(docs, kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }

  /**
   * helm-java's lint takes no values file, so lint a copy of the chart whose values.yaml has the
   * overrides merged in.
   */
  static Path copyWithValues(Path overrides, Path target) throws IOException {
    Path copy = target.resolve("ttes-operator");
    if (Files.exists(copy)) {
      try (Stream<Path> old = Files.walk(copy)) {
        old.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
      }
    }
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path src : (Iterable<Path>) files::iterator) {
        Path dst = copy.resolve(CHART.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(src, dst);
        }
      }
    }
    ObjectNode values = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
    merge(values, (ObjectNode) YAML.readTree(overrides.toFile()));
    YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
    return copy;
  }

  private static void merge(ObjectNode into, ObjectNode from) {
    for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode obj && e.getValue() instanceof ObjectNode add) {
        merge(obj, add);
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }
}
