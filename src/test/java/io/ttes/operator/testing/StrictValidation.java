package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-side field validation ({@code ?fieldValidation=Strict}, what kubectl apply sends when the
 * server's OpenAPI says it supports it) for the operator's kinds: the object a create, update or
 * merge patch would store is checked against the CRD schema, unknown fields and CEL rules (the
 * transition rules against the stored object) with {@link CrdSchemas}, and refused with 422 Invalid
 * as an API server does. Requests without the parameter (the operator's Fabric8 client, the tests)
 * are stored unchecked, so the bad-input catalogue can still hand the operator what an API server
 * without CEL rules would let through. See
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 */
final class StrictValidation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CrdSchemas schemas;

  StrictValidation(CrdSchemas schemas) {
    this.schemas = schemas;
  }

  /**
   * The violations of the object a write would store; empty when it may be stored.
   *
   * @param body the request body (the object, or a merge patch)
   * @param stored the stored object for an update or patch, null on create
   * @param mergePatch whether body is a JSON merge patch (RFC 7386) of stored
   */
  List<String> violations(String body, JsonNode stored, boolean mergePatch) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      return List.of("the body is not JSON: " + e.getMessage());
    }
    JsonNode result =
        withoutNulls(mergePatch && stored != null ? merge(stored.deepCopy(), request) : request);
    stored = stored == null ? null : withoutNulls(stored.deepCopy());
    List<String> out = new ArrayList<>(schemas.violations(result));
    if (stored != null) {
      for (String v : schemas.updateViolations(stored, result)) {
        if (!out.contains(v)) {
          out.add(v);
        }
      }
    }
    return out;
  }

  /**
   * The 422 Status body an API server answers an invalid object with: kubectl prints the kind, the
   * name and each cause ({@code field: message}).
   */
  static String invalid(String kind, String name, List<String> violations) {
    ObjectNode status = JSON.createObjectNode();
    status
        .put("kind", "Status")
        .put("apiVersion", "v1")
        .put("status", "Failure")
        .put(
            "message",
            kind + ".ops.ttes.io \"" + name + "\" is invalid: " + String.join("; ", violations))
        .put("reason", "Invalid")
        .put("code", 422);
    ObjectNode details = status.putObject("details");
    details.put("name", name).put("group", "ops.ttes.io").put("kind", kind);
    var causes = details.putArray("causes");
    for (String v : violations) {
      if (v.startsWith("unknown field .")) {
        String field = v.substring("unknown field .".length());
        causes
            .addObject()
            .put("reason", "FieldValueInvalid")
            .put("message", "Invalid value: unknown field \"" + field + "\"")
            .put("field", field);
        continue;
      }
      int colon = v.indexOf(": ");
      boolean hasField = colon > 0 && !v.substring(0, colon).contains(" ");
      causes
          .addObject()
          .put("reason", "FieldValueInvalid")
          .put("message", "Invalid value: " + (hasField ? v.substring(colon + 2) : v))
          .put("field", hasField ? v.substring(0, colon).replaceFirst("^\\$\\.", "") : "<root>");
    }
    return status.toString();
  }

  /** The API server treats a null field as absent (the store keeps {@code status: null}). */
  private static JsonNode withoutNulls(JsonNode node) {
    if (node.isObject()) {
      List<String> nulls = new ArrayList<>();
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getValue().isNull()) {
                  nulls.add(e.getKey());
                } else {
                  withoutNulls(e.getValue());
                }
              });
      ((ObjectNode) node).remove(nulls);
    } else if (node.isArray()) {
      node.forEach(StrictValidation::withoutNulls);
    }
    return node;
  }

  /** RFC 7386: objects merge, null removes, anything else replaces. */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode out = target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
    patch
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNull()) {
                out.remove(e.getKey());
              } else {
                out.set(
                    e.getKey(),
                    merge(
                        out.has(e.getKey()) ? out.get(e.getKey()) : JSON.nullNode(), e.getValue()));
              }
            });
    return out;
  }
}
