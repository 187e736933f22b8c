package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The discovery documents of the in-process Kubernetes API: the versions and resources it serves.
 * The operator's group is described from the installed CRDs (names, short names, categories), so
 * {@code kubectl get ttes} finds the kinds the way a real API server lets it.
 */
final class Discovery {
  private static final String ALL =
      "[\"get\",\"list\",\"watch\",\"create\",\"update\",\"patch\",\"delete\"]";
  private static final String STATUS = "[\"get\",\"update\",\"patch\"]";

  private record Resource(
      String name,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean status,
      List<String> categories) {
    Resource(
        String name,
        String singular,
        String kind,
        boolean namespaced,
        List<String> shortNames,
        boolean status) {
      this(name, singular, kind, namespaced, shortNames, status, List.of());
    }
  }

  private static final Map<String, List<Resource>> BUILT_IN =
      Map.of(
          "coordination.k8s.io/v1",
          List.of(new Resource("leases", "lease", "Lease", true, List.of(), false)),
          "apiextensions.k8s.io/v1",
          List.of(
              new Resource(
                  "customresourcedefinitions",
                  "customresourcedefinition",
                  "CustomResourceDefinition",
                  false,
                  List.of("crd", "crds"),
                  true)));

  private static final List<Resource> CORE =
      List.of(
          new Resource("namespaces", "namespace", "Namespace", false, List.of("ns"), false),
          new Resource("secrets", "secret", "Secret", true, List.of(), false),
          new Resource("events", "event", "Event", true, List.of("ev"), false),
          new Resource("configmaps", "configmap", "ConfigMap", true, List.of("cm"), false));

  private final Map<String, List<Resource>> groups = new TreeMap<>(BUILT_IN);

  /** Discovery of the built-in resources plus those of the given CRDs. */
  Discovery(List<JsonNode> crds) {
    for (JsonNode crd : crds) {
      JsonNode names = crd.at("/spec/names");
      for (JsonNode v : crd.at("/spec/versions")) {
        String gv = crd.at("/spec/group").asText() + "/" + v.path("name").asText();
        groups.computeIfAbsent(gv, k -> new ArrayList<>());
        List<Resource> resources = new ArrayList<>(groups.get(gv));
        resources.add(
            new Resource(
                names.path("plural").asText(),
                names.path("singular").asText(),
                names.path("kind").asText(),
                crd.at("/spec/scope").asText().equals("Namespaced"),
                texts(names.path("shortNames")),
                v.at("/subresources/status").isObject(),
                texts(names.path("categories"))));
        groups.put(gv, List.copyOf(resources));
      }
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The document for a discovery path, or null when the path is not one. */
  String document(String path) {
    return switch (path) {
      case "/version" ->
          "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\",\"platform\":\"linux/amd64\"}";
      case "/api" ->
          "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
              + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}";
      case "/api/v1" -> resourceList("v1", CORE);
      case "/apis" -> groupList();
      default -> {
        String gv = path.startsWith("/apis/") ? path.substring(6) : null;
        yield gv != null && groups.containsKey(gv) ? resourceList(gv, groups.get(gv)) : null;
      }
    };
  }

  private String groupList() {
    String list =
        groups.keySet().stream()
            .sorted()
            .map(
                gv -> {
                  String[] p = gv.split("/");
                  String version = "{\"groupVersion\":\"" + gv + "\",\"version\":\"" + p[1] + "\"}";
                  return "{\"name\":\""
                      + p[0]
                      + "\",\"versions\":["
                      + version
                      + "],\"preferredVersion\":"
                      + version
                      + "}";
                })
            .collect(Collectors.joining(","));
    return "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + list + "]}";
  }

  private static String resourceList(String groupVersion, List<Resource> resources) {
    StringBuilder items = new StringBuilder();
    for (Resource r : resources) {
      if (items.length() > 0) {
        items.append(',');
      }
      items
          .append("{\"name\":\"")
          .append(r.name())
          .append("\",\"singularName\":\"")
          .append(r.singular())
          .append("\",\"namespaced\":")
          .append(r.namespaced())
          .append(",\"kind\":\"")
          .append(r.kind())
          .append("\",\"verbs\":")
          .append(ALL)
          .append(",\"shortNames\":[")
          .append(
              r.shortNames().stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(",")))
          .append("],\"categories\":[")
          .append(
              r.categories().stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(",")))
          .append("]}");
      if (r.status()) {
        items
            .append(",{\"name\":\"")
            .append(r.name())
            .append("/status\",\"singularName\":\"\",")
            .append("\"namespaced\":")
            .append(r.namespaced())
            .append(",\"kind\":\"")
            .append(r.kind())
            .append("\",\"verbs\":")
            .append(STATUS)
            .append("}");
      }
    }
    return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\""
        + groupVersion
        + "\",\"resources\":["
        + items
        + "]}";
  }
}
