package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The OpenAPI v3 documents an API server publishes for its CRDs: {@code /openapi/v3} lists one
 * document per group version, and {@code /openapi/v3/apis/<group>/<version>} holds each kind's
 * schema from the CRD, with apiVersion, kind and metadata added and the group-version-kind named in
 * {@code x-kubernetes-group-version-kind}. {@code kubectl explain} reads its text from here. See
 * https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3
 */
final class OpenApiV3 {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<JsonNode> crds;

  OpenApiV3(List<JsonNode> crds) {
    this.crds = crds;
  }

  /** Core kinds (kind, plural, namespaced) whose writes kubectl may ask to validate. */
  private static final List<String[]> CORE =
      List.of(
          new String[] {"Namespace", "namespaces", "false"},
          new String[] {"Secret", "secrets", "true"},
          new String[] {"ConfigMap", "configmaps", "true"},
          new String[] {"Event", "events", "true"});

  /** The document of a path, or null when the path is not an OpenAPI v3 one we serve. */
  String document(String path) {
    if (path.equals("/openapi/v3")) {
      return index();
    }
    if (path.equals("/openapi/v3/api/v1")) {
      return core();
    }
    String prefix = "/openapi/v3/apis/";
    if (!path.startsWith(prefix)) {
      return null;
    }
    String groupVersion = path.substring(prefix.length());
    ObjectNode schemas = JSON.createObjectNode();
    ObjectNode paths = JSON.createObjectNode();
    for (JsonNode crd : crds) {
      String group = crd.at("/spec/group").asText();
      for (JsonNode v : crd.at("/spec/versions")) {
        if ((group + "/" + v.path("name").asText()).equals(groupVersion)) {
          schemas.set(schemaName(crd, v), kindSchema(crd, v));
          addPaths(paths, crd, v);
        }
      }
    }
    if (schemas.isEmpty()) {
      return null;
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.30.0");
    doc.set("paths", paths);
    doc.putObject("components").set("schemas", schemas);
    return doc.toString();
  }

  private String index() {
    ObjectNode paths = JSON.createObjectNode();
    for (JsonNode crd : crds) {
      for (JsonNode v : crd.at("/spec/versions")) {
        String gv = "apis/" + crd.at("/spec/group").asText() + "/" + v.path("name").asText();
        paths
            .putObject(gv)
            .put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + Integer.toHexString(hash()));
      }
    }
    paths
        .putObject("api/v1")
        .put("serverRelativeURL", "/openapi/v3/api/v1?hash=" + Integer.toHexString(hash()));
    ObjectNode doc = JSON.createObjectNode();
    doc.set("paths", paths);
    return doc.toString();
  }

  /**
   * The read path of a kind, whose GET operation names the group-version-kind: kubectl explain
   * finds a resource's schema through it.
   */
  private static void addPaths(ObjectNode paths, JsonNode crd, JsonNode version) {
    String gv = crd.at("/spec/group").asText() + "/" + version.path("name").asText();
    String plural = crd.at("/spec/names/plural").asText();
    String base =
        crd.at("/spec/scope").asText().equals("Namespaced")
            ? "/apis/" + gv + "/namespaces/{namespace}/" + plural
            : "/apis/" + gv + "/" + plural;
    String ref = "#/components/schemas/" + schemaName(crd, version);
    ObjectNode item = paths.putObject(base + "/{name}");
    patchOperation(
        item,
        crd.at("/spec/group").asText(),
        version.path("name").asText(),
        crd.at("/spec/names/kind").asText());
    ObjectNode get = item.putObject("get");
    get.put("operationId", "read" + crd.at("/spec/names/kind").asText());
    get.put("x-kubernetes-action", "get");
    get.putObject("x-kubernetes-group-version-kind")
        .put("group", crd.at("/spec/group").asText())
        .put("kind", crd.at("/spec/names/kind").asText())
        .put("version", version.path("name").asText());
    get.putObject("responses")
        .putObject("200")
        .put("description", "OK")
        .putObject("content")
        .putObject("application/json")
        .putObject("schema")
        .put("$ref", ref);
  }

  private static void patchOperation(
      ObjectNode pathItem, String group, String version, String kind) {
    ObjectNode patch = pathItem.putObject("patch");
    patch.put("operationId", "patch" + kind);
    patch.put("x-kubernetes-action", "patch");
    patch
        .putObject("x-kubernetes-group-version-kind")
        .put("group", group)
        .put("kind", kind)
        .put("version", version);
    patch
        .putArray("parameters")
        .addObject()
        .put("name", "fieldValidation")
        .put("in", "query")
        .put("description", "Ignore, Warn or Strict: how unknown and invalid fields are handled.")
        .putObject("schema")
        .put("type", "string");
    patch.putObject("responses").putObject("200").put("description", "OK");
  }

  private String core() {
    ObjectNode paths = JSON.createObjectNode();
    for (String[] k : CORE) {
      String base =
          Boolean.parseBoolean(k[2]) ? "/api/v1/namespaces/{namespace}/" + k[1] : "/api/v1/" + k[1];
      patchOperation(paths.putObject(base + "/{name}"), "", "v1", k[0]);
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.30.0");
    doc.set("paths", paths);
    doc.putObject("components").putObject("schemas");
    return doc.toString();
  }

  private int hash() {
    return crds.hashCode();
  }

  /** The definition name the API server uses: the group reversed, then version and kind. */
  private static String schemaName(JsonNode crd, JsonNode version) {
    List<String> parts =
        new java.util.ArrayList<>(List.of(crd.at("/spec/group").asText().split("\\.")));
    java.util.Collections.reverse(parts);
    return String.join(".", parts)
        + "."
        + version.path("name").asText()
        + "."
        + crd.at("/spec/names/kind").asText();
  }

  private static JsonNode kindSchema(JsonNode crd, JsonNode version) {
    ObjectNode schema = version.at("/schema/openAPIV3Schema").deepCopy();
    ObjectNode props =
        schema.has("properties")
            ? (ObjectNode) schema.get("properties")
            : schema.putObject("properties");
    ObjectNode ordered = JSON.createObjectNode();
    ordered
        .putObject("apiVersion")
        .put("type", "string")
        .put(
            "description",
            "APIVersion defines the versioned schema of this representation of an object.");
    ordered
        .putObject("kind")
        .put("type", "string")
        .put(
            "description",
            "Kind is a string value representing the REST resource this object" + " represents.");
    ordered
        .putObject("metadata")
        .put("type", "object")
        .put(
            "description",
            "Standard object's metadata. More info:"
                + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
    ordered.setAll(props);
    schema.set("properties", ordered);
    schema
        .putArray("x-kubernetes-group-version-kind")
        .addObject()
        .put("group", crd.at("/spec/group").asText())
        .put("kind", crd.at("/spec/names/kind").asText())
        .put("version", version.path("name").asText());
    return schema;
  }
}
