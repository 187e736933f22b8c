package io.ttes.operator.testing;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The discovery documents of the in-process Kubernetes API: the versions and resources it serves.
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
      boolean status) {}

  private static final Map<String, List<Resource>> GROUPS =
      Map.of(
          "ops.ttes.io/v1alpha1",
          List.of(
              new Resource(
                  "ttesclusters", "ttescluster", "TTESCluster", true, List.of("ttc"), true),
              new Resource(
                  "stackupgrades", "stackupgrade", "StackUpgrade", true, List.of("su"), true),
              new Resource(
                  "tenantbootstraps",
                  "tenantbootstrap",
                  "TenantBootstrap",
                  true,
                  List.of("tb"),
                  true),
              new Resource("opstasks", "opstask", "OpsTask", true, List.of("ot"), true)),
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

  private Discovery() {}

  /** The document for a discovery path, or null when the path is not one. */
  static String document(String path) {
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
        yield gv != null && GROUPS.containsKey(gv) ? resourceList(gv, GROUPS.get(gv)) : null;
      }
    };
  }

  private static String groupList() {
    String groups =
        GROUPS.keySet().stream()
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
    return "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups + "]}";
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
