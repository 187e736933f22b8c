package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a real API server does with our CRDs and the in-process one does not: validates a manifest
 * against the generated OpenAPI schema (types, enums, patterns, required, sizes), like {@code
 * kubectl --validate=strict} rejects fields the schema does not know, and evaluates the CEL rules
 * (x-kubernetes-validations, {@link CelRules}), the transition rules on update only. The operator
 * checks the CEL rules' conditions itself as well, for API servers that do not run them.
 */
public final class CrdSchemas {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final Map<String, JsonNode> schemas = new HashMap<>();
  private final CelRules cel = new CelRules();

  public CrdSchemas(Path crdDir) {
    try (Stream<Path> files = Files.list(crdDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
        JsonNode crd = YAML.readTree(f.toFile());
        String kind = crd.at("/spec/names/kind").asText();
        schemas.put(kind, crd.at("/spec/versions/0/schema/openAPIV3Schema"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode parse(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Schema violations and unknown fields of a manifest; empty when the API server accepts it. */
  public List<String> violations(JsonNode manifest) {
    String kind = manifest.path("kind").asText();
    JsonNode schema = schemas.get(kind);
    if (schema == null) {
      return List.of(); // not one of ours (Secret, ...)
    }
    List<String> out = new ArrayList<>();
    JsonSchema validator =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
    validator.validate(manifest).forEach(m -> out.add(m.getMessage()));
    unknownFields(schema, manifest, "", out);
    out.addAll(cel.violations(schema, manifest, null));
    return out;
  }

  /** The OpenAPI-schema violations and unknown fields alone, without the CEL rules. */
  public List<String> structuralViolations(JsonNode manifest) {
    JsonNode schema = schemas.get(manifest.path("kind").asText());
    if (schema == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
        .getSchema(schema)
        .validate(manifest)
        .forEach(m -> out.add(m.getMessage()));
    unknownFields(schema, manifest, "", out);
    return out;
  }

  /** The CEL rules an update from {@code old} to {@code updated} breaks, transition rules too. */
  public List<String> updateViolations(JsonNode old, JsonNode updated) {
    JsonNode schema = schemas.get(updated.path("kind").asText());
    return schema == null ? List.of() : cel.violations(schema, updated, old);
  }

  private static void unknownFields(
      JsonNode schema, JsonNode value, String path, List<String> out) {
    if (value.isObject()) {
      JsonNode props = schema.path("properties");
      boolean open =
          schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
              || schema.has("additionalProperties")
              || path.equals(".metadata");
      Iterator<Map.Entry<String, JsonNode>> it = value.fields();
      while (it.hasNext()) {
        var e = it.next();
        String p = path + "." + e.getKey();
        if (path.isEmpty() && List.of("apiVersion", "kind", "metadata").contains(e.getKey())) {
          continue;
        }
        if (props.has(e.getKey())) {
          unknownFields(props.get(e.getKey()), e.getValue(), p, out);
        } else if (!open) {
          out.add("unknown field " + p);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : value) {
        unknownFields(schema.get("items"), item, path + "[" + i++ + "]", out);
      }
    }
  }
}
