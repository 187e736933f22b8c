package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CRDs' CEL rules ({@code x-kubernetes-validations}), evaluated with Google's CEL for Java as
 * the API server evaluates them on create and update: each rule runs with {@code self} bound to the
 * value of the schema node that declares it, and a transition rule (one that reads {@code oldSelf})
 * only on update, with {@code oldSelf} bound to the stored value. The in-process API does not run
 * them; the schema tests do, through this. See
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules
 */
final class CelRules {
  /** Built on first use: every in-process API holds a CrdSchemas, few evaluate a rule. */
  private static final class Cel {
    static final CelCompiler COMPILER =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();
    static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  }

  private final Map<String, CelRuntime.Program> programs = new HashMap<>();

  /**
   * The messages of the rules a manifest breaks, each prefixed with the path of the value that
   * broke it ({@code spec.stacks: ...}).
   *
   * @param old the stored object on update, or null on create
   */
  List<String> violations(JsonNode schema, JsonNode manifest, JsonNode old) {
    List<String> out = new ArrayList<>();
    walk(schema, manifest, old, "", out);
    return out;
  }

  private void walk(JsonNode schema, JsonNode value, JsonNode old, String path, List<String> out) {
    if (value == null || value.isMissingNode() || value.isNull() || !typeMatches(schema, value)) {
      // The API server reports a value of the wrong type as a schema error and runs no rule on it.
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      boolean transition = expression.contains("oldSelf");
      if (transition && (old == null || old.isMissingNode() || old.isNull())) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", toCel(value));
      if (transition) {
        vars.put("oldSelf", toCel(old));
      }
      Object result;
      try {
        result = program(expression).eval(vars);
      } catch (CelEvaluationException e) {
        throw new IllegalStateException("rule " + expression + " at " + path + ": " + e, e);
      }
      if (!Boolean.TRUE.equals(result)) {
        out.add((path.isEmpty() ? "" : path.substring(1) + ": ") + rule.path("message").asText());
      }
    }
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      while (fields.hasNext()) {
        var f = fields.next();
        JsonNode child = schema.path("properties").path(f.getKey());
        if (!child.isMissingNode()) {
          walk(
              child,
              f.getValue(),
              old == null ? null : old.path(f.getKey()),
              path + "." + f.getKey(),
              out);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      // List items are correlated with old ones only in map lists; rules on items here are not
      // transition rules, so the old item is not needed.
      for (int i = 0; i < value.size(); i++) {
        walk(schema.get("items"), value.get(i), null, path + "[" + i + "]", out);
      }
    }
  }

  private static boolean typeMatches(JsonNode schema, JsonNode value) {
    return switch (schema.path("type").asText("")) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      default -> true;
    };
  }

  private CelRuntime.Program program(String expression) {
    return programs.computeIfAbsent(
        expression,
        e -> {
          try {
            CelAbstractSyntaxTree ast = Cel.COMPILER.compile(e).getAst();
            return Cel.RUNTIME.createProgram(ast);
          } catch (CelValidationException | CelEvaluationException ex) {
            throw new IllegalStateException("CEL rule does not compile: " + e, ex);
          }
        });
  }

  /** JSON as CEL values: objects as maps, arrays as lists, integers as int (long). */
  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(toCel(n)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }
}
