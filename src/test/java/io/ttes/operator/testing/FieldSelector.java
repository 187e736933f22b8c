package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A list request's fieldSelector ({@code involvedObject.name=x,involvedObject.kind!=y}), applied to
 * the items the store returned. {@code kubectl describe} finds a resource's events this way, by
 * involvedObject uid, name, namespace and kind; the store alone ignores those terms and so showed
 * {@code Events: <none>}. See
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/
 */
record FieldSelector(List<Term> terms) {
  record Term(String path, String value, boolean equal) {
    boolean matches(JsonNode item) {
      JsonNode node = item;
      for (String part : path.split("\\.")) {
        node = node.path(part);
      }
      String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
      return actual.equals(value) == equal;
    }
  }

  /** The selector of a query string, or null when the query has none. */
  static FieldSelector fromQuery(String query) {
    if (query == null) {
      return null;
    }
    for (String param : query.split("&")) {
      if (param.startsWith("fieldSelector=")) {
        return parse(URLDecoder.decode(param.substring(14), StandardCharsets.UTF_8));
      }
    }
    return null;
  }

  static FieldSelector parse(String selector) {
    List<Term> terms = new ArrayList<>();
    for (String t : selector.split(",")) {
      if (t.isBlank()) {
        continue;
      }
      int ne = t.indexOf("!=");
      if (ne > 0) {
        terms.add(new Term(t.substring(0, ne).trim(), t.substring(ne + 2).trim(), false));
        continue;
      }
      int eq = t.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invalid field selector term: " + t);
      }
      String value = t.substring(t.startsWith("=", eq + 1) ? eq + 2 : eq + 1).trim();
      terms.add(new Term(t.substring(0, eq).trim(), value, true));
    }
    return new FieldSelector(terms);
  }

  /** The value a term requires the field to equal, or null when no term does. */
  String equalTo(String path) {
    return terms.stream()
        .filter(t -> t.equal() && t.path().equals(path))
        .map(Term::value)
        .findFirst()
        .orElse(null);
  }

  boolean matches(JsonNode item) {
    return terms.stream().allMatch(t -> t.matches(item));
  }
}
