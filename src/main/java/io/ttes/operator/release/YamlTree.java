package io.ttes.operator.release;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as maps, lists and text, each value with the line it starts on, read through
 * Jackson's YAML parser. Data binding would lose the lines, and a person fixing a catalogue needs
 * them.
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLFactory();

  /** One value: a {@code Map<String, Node>}, a {@code List<Node>}, a text, or null. */
  record Node(Object value, int line) {
    boolean isMap() {
      return value instanceof Map;
    }

    boolean isList() {
      return value instanceof List;
    }

    boolean isText() {
      return value instanceof String;
    }

    @SuppressWarnings("unchecked")
    Map<String, Node> map() {
      return (Map<String, Node>) value;
    }

    @SuppressWarnings("unchecked")
    List<Node> list() {
      return (List<Node>) value;
    }

    String text() {
      return (String) value;
    }
  }

  private YamlTree() {}

  /**
   * Reads one YAML document.
   *
   * @throws CatalogueProblem on a syntax error, a duplicate key or more than one document
   */
  static Node read(String text, String source) {
    try (JsonParser p = YAML.createParser(text)) {
      if (p.nextToken() == null) {
        throw new CatalogueProblem(source, 1, null, "is empty");
      }
      Node root = node(p, source);
      if (p.nextToken() != null) {
        throw new CatalogueProblem(source, line(p), null, "holds more than one YAML document");
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new CatalogueProblem(
          source,
          where == null ? 0 : where.getLineNr(),
          null,
          "is not valid YAML: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new CatalogueProblem(
          source, 0, null, "cannot be read: " + e.getClass().getSimpleName());
    }
  }

  private static Node node(JsonParser p, String source) throws IOException {
    int line = line(p);
    JsonToken token = p.currentToken();
    if (token == JsonToken.START_OBJECT) {
      Map<String, Node> map = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        int keyLine = line(p);
        p.nextToken();
        Node value = node(p, source);
        if (map.containsKey(key)) {
          throw new CatalogueProblem(
              source, keyLine, null, "key `" + key + "` appears twice in one mapping");
        }
        map.put(key, value);
      }
      return new Node(Collections.unmodifiableMap(map), line);
    }
    if (token == JsonToken.START_ARRAY) {
      List<Node> list = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        list.add(node(p, source));
      }
      return new Node(Collections.unmodifiableList(list), line);
    }
    if (token == JsonToken.VALUE_NULL) {
      return new Node(null, line);
    }
    // Numbers and booleans stay text as written: `version: 3.24` is "3.24", not 3.24 the double.
    return new Node(p.getText(), line);
  }

  private static int line(JsonParser p) {
    return p.currentTokenLocation().getLineNr();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "syntax error";
    }
    String first = message.strip().lines().findFirst().orElse("syntax error");
    return first.length() > 160 ? first.substring(0, 160) + "..." : first;
  }
}
