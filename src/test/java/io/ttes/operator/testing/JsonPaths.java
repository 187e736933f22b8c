package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Kubernetes JSONPath that printer columns use: {@code .a.b}, {@code [n]}, {@code [*]}
 * and the filter {@code [?(@.key=="value")]}. The API server evaluates a column's jsonPath against
 * each object and joins several results with a comma; unknown syntax fails loudly instead of
 * rendering an empty column.
 */
final class JsonPaths {
  private static final Pattern FILTER =
      Pattern.compile("\\?\\(@\\.([A-Za-z0-9_]+)\\s*==\\s*[\"']([^\"']*)[\"']\\)");

  private JsonPaths() {}

  /** The values the path selects, in document order; empty when it selects nothing. */
  static List<JsonNode> select(JsonNode root, String path) {
    List<JsonNode> current = List.of(root);
    int i = 0;
    String p = path.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
          end++;
        }
        String field = p.substring(i + 1, end);
        List<JsonNode> next = new ArrayList<>();
        for (JsonNode n : current) {
          if (n.has(field)) {
            next.add(n.get(field));
          }
        }
        current = next;
        i = end;
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed [ in JSONPath " + path);
        }
        current = bracket(current, p.substring(i + 1, end), path);
        i = end + 1;
      } else {
        throw new IllegalArgumentException("unsupported JSONPath " + path + " at " + i);
      }
    }
    return current;
  }

  private static List<JsonNode> bracket(List<JsonNode> current, String inside, String path) {
    List<JsonNode> next = new ArrayList<>();
    Matcher filter = FILTER.matcher(inside);
    for (JsonNode n : current) {
      if (!n.isArray()) {
        continue;
      }
      if (inside.equals("*")) {
        n.forEach(next::add);
      } else if (inside.matches("-?[0-9]+")) {
        int index = Integer.parseInt(inside);
        JsonNode item = n.get(index < 0 ? n.size() + index : index);
        if (item != null) {
          next.add(item);
        }
      } else if (filter.matches()) {
        for (JsonNode item : n) {
          JsonNode v = item.get(filter.group(1));
          if (v != null && v.asText().equals(filter.group(2))) {
            next.add(item);
          }
        }
      } else {
        throw new IllegalArgumentException("unsupported JSONPath " + path + ": [" + inside + "]");
      }
    }
    return next;
  }
}
