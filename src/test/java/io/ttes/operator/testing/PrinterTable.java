package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A server-side Table (meta.k8s.io/v1), as the API server renders it for a custom resource when a
 * client asks with {@code Accept: application/json;as=Table;g=meta.k8s.io;v=v1}: a Name column,
 * then the CRD version's additionalPrinterColumns evaluated with their JSONPath. kubectl prints
 * only what this returns, so without it {@code kubectl get} shows NAME and AGE alone. See
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
 */
final class PrinterTable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME_DESCRIPTION =
      "Name must be unique within a namespace. More info:"
          + " http://kubernetes.io/docs/user-guide/identifiers#names";

  private PrinterTable() {}

  /**
   * The Table of a list or of a single object.
   *
   * @param columns the CRD version's additionalPrinterColumns (jsonPath, name, type, ...)
   * @param body the list or object as the store returned it
   * @param includeObject the request's includeObject (None, Object, or Metadata by default)
   */
  static String render(JsonNode columns, JsonNode body, String includeObject, Instant now) {
    ObjectNode table = JSON.createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = table.putObject("metadata");
    JsonNode listMeta = body.path("metadata");
    if (body.has("items")) {
      meta.setAll(
          (ObjectNode) (listMeta.isObject() ? listMeta.deepCopy() : JSON.createObjectNode()));
    } else {
      meta.put("resourceVersion", listMeta.path("resourceVersion").asText(""));
    }
    ArrayNode defs = table.putArray("columnDefinitions");
    defs.addObject()
        .put("name", "Name")
        .put("type", "string")
        .put("format", "name")
        .put("description", NAME_DESCRIPTION)
        .put("priority", 0);
    for (JsonNode c : columns) {
      defs.addObject()
          .put("name", c.path("name").asText())
          .put("type", c.path("type").asText("string"))
          .put("format", c.path("format").asText(""))
          .put("description", c.path("description").asText(""))
          .put("priority", c.path("priority").asInt(0));
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = body.has("items") ? listOf(body.get("items")) : List.of(body);
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      for (JsonNode c : columns) {
        cells.add(cell(item, c, now));
      }
      switch (includeObject == null ? "Metadata" : includeObject) {
        case "None" -> {}
        case "Object" -> row.set("object", item);
        default ->
            row.putObject("object")
                .put("kind", "PartialObjectMetadata")
                .put("apiVersion", "meta.k8s.io/v1")
                .set("metadata", item.path("metadata"));
      }
    }
    return table.toString();
  }

  private static List<JsonNode> listOf(JsonNode array) {
    List<JsonNode> out = new java.util.ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  /** One cell: null when the path selects nothing (kubectl prints {@code <none>}). */
  private static JsonNode cell(JsonNode item, JsonNode column, Instant now) {
    List<JsonNode> values = JsonPaths.select(item, column.path("jsonPath").asText());
    if (values.isEmpty() || values.get(0).isNull()) {
      return JSON.nullNode();
    }
    String type = column.path("type").asText("string");
    if (values.size() == 1 && List.of("integer", "number", "boolean").contains(type)) {
      return values.get(0);
    }
    if (type.equals("date")) {
      return JSON.getNodeFactory().textNode(age(values.get(0).asText(), now));
    }
    StringBuilder joined = new StringBuilder();
    for (JsonNode v : values) {
      if (joined.length() > 0) {
        joined.append(',');
      }
      joined.append(v.isValueNode() ? v.asText() : v.toString());
    }
    return JSON.getNodeFactory().textNode(joined.toString());
  }

  /** A timestamp as the API server shows a date column: the age, like "5m10s" or "3d4h". */
  static String age(String timestamp, Instant now) {
    Instant then;
    try {
      then = Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
    Duration d = Duration.between(then, now);
    if (d.isNegative()) {
      return "0s";
    }
    long s = d.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (days < 8) {
      return days + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
    }
    return days < 365 * 2 ? days + "d" : (days / 365) + "y";
  }
}
