package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a CRD still accepts everything its released version accepted, so stored objects and
 * users' manifests keep working after an upgrade (the check the Flink operator runs on its CRDs
 * against the last release). Breaking: a removed version or field, a changed or narrowed type
 * (integer to number widens and is allowed), a new required field, a narrower enum, pattern,
 * length, size or range, a new CEL rule, and unknown fields no longer preserved. Descriptions,
 * defaults, printer columns and new optional fields are free to change.
 */
public final class CrdCompatibility {
  private CrdCompatibility() {}

  /** What the current CRD breaks of the released one; empty when compatible. */
  public static List<String> problems(JsonNode released, JsonNode current) {
    List<String> out = new ArrayList<>();
    String kind = released.at("/spec/names/kind").asText();
    for (JsonNode old : released.at("/spec/versions")) {
      String name = old.path("name").asText();
      JsonNode now = null;
      for (JsonNode v : current.at("/spec/versions")) {
        if (v.path("name").asText().equals(name)) {
          now = v;
        }
      }
      if (now == null || !now.path("served").asBoolean(true)) {
        out.add(kind + " " + name + ": version removed or no longer served");
        continue;
      }
      compare(
          old.at("/schema/openAPIV3Schema"),
          now.at("/schema/openAPIV3Schema"),
          kind + " " + name + " ",
          out);
    }
    if (!released.at("/spec/scope").equals(current.at("/spec/scope"))) {
      out.add(kind + ": scope changed");
    }
    return out;
  }

  private static void compare(JsonNode old, JsonNode now, String path, List<String> out) {
    String at = path.endsWith(" ") ? path + "<root>" : path;
    String oldType = old.path("type").asText("");
    String newType = now.path("type").asText("");
    if (!oldType.equals(newType) && !(oldType.equals("integer") && newType.equals("number"))) {
      out.add(at + ": type " + oldType + " became " + (newType.isEmpty() ? "untyped" : newType));
      return;
    }
    Set<String> oldRequired = texts(old.path("required"));
    for (String r : texts(now.path("required"))) {
      if (!oldRequired.contains(r)) {
        out.add(join(path, r) + ": new required field");
      }
    }
    if (old.has("enum")) {
      Set<String> allowed = texts(now.path("enum"));
      for (String v : texts(old.path("enum"))) {
        if (now.has("enum") && !allowed.contains(v)) {
          out.add(at + ": enum value " + v + " removed");
        }
      }
    } else if (now.has("enum")) {
      out.add(at + ": new enum restricts the values");
    }
    if (!old.path("pattern").equals(now.path("pattern")) && now.has("pattern")) {
      out.add(at + ": pattern " + now.path("pattern").asText() + " is new or changed");
    }
    narrower(old, now, at, "maxLength", true, out);
    narrower(old, now, at, "maxItems", true, out);
    narrower(old, now, at, "maxProperties", true, out);
    narrower(old, now, at, "maximum", true, out);
    narrower(old, now, at, "minLength", false, out);
    narrower(old, now, at, "minItems", false, out);
    narrower(old, now, at, "minimum", false, out);
    Set<String> oldRules = new HashSet<>();
    old.path("x-kubernetes-validations").forEach(r -> oldRules.add(r.path("rule").asText()));
    for (JsonNode r : now.path("x-kubernetes-validations")) {
      String rule = r.path("rule").asText();
      // "old || more" accepts everything "old" did: a loosened rule, not a new one.
      boolean loosened = oldRules.stream().anyMatch(o -> rule.startsWith(o + " || "));
      if (!oldRules.contains(rule) && !loosened) {
        out.add(at + ": new CEL rule " + r.path("rule").asText());
      }
    }
    if (old.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        && !now.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      out.add(at + ": unknown fields are no longer preserved");
    }
    Iterator<Map.Entry<String, JsonNode>> props = old.path("properties").fields();
    while (props.hasNext()) {
      var p = props.next();
      JsonNode counterpart = now.path("properties").path(p.getKey());
      if (counterpart.isMissingNode()) {
        if (!now.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
          out.add(join(path, p.getKey()) + ": field removed");
        }
      } else {
        compare(p.getValue(), counterpart, join(path, p.getKey()), out);
      }
    }
    if (old.has("items") && now.has("items")) {
      compare(old.get("items"), now.get("items"), path + "[]", out);
    }
    if (old.has("additionalProperties") && now.has("additionalProperties")) {
      compare(old.get("additionalProperties"), now.get("additionalProperties"), path + "{}", out);
    }
  }

  private static void narrower(
      JsonNode old, JsonNode now, String at, String key, boolean upper, List<String> out) {
    if (!now.has(key)) {
      return;
    }
    double n = now.get(key).asDouble();
    if (!old.has(key)) {
      out.add(at + ": new " + key + " " + now.get(key).asText());
    } else if (upper ? n < old.get(key).asDouble() : n > old.get(key).asDouble()) {
      out.add(at + ": " + key + " " + old.get(key).asText() + " became " + now.get(key).asText());
    }
  }

  private static String join(String path, String field) {
    return path.endsWith(" ") ? path + field : path + "." + field;
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> out = new HashSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
