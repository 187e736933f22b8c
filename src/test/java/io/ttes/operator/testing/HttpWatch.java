package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A watch over plain HTTP, as kubectl ({@code wait}, {@code get -w}) opens it: {@code
 * ?watch=true&resourceVersion=N&fieldSelector=...&allowWatchBookmarks=true&timeoutSeconds=...}. The
 * store only watches over WebSocket (the Fabric8 client's way) and answered kubectl with 400, which
 * kubectl printed as a watch error. This answers with the objects changed since N as events, then a
 * BOOKMARK, and ends the stream; the client re-watches from the last version it saw, so it sees
 * every change within {@link #IDLE} (a deletion shows on its next list). A stream with nothing to
 * say is held for {@link #IDLE}, because client-go warns about a watch that closes within a second
 * with no event. See
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
 */
final class HttpWatch {
  static final Duration IDLE = Duration.ofMillis(1500);
  private static final ObjectMapper JSON = new ObjectMapper();

  private HttpWatch() {}

  /** Whether a GET is an HTTP watch (a WebSocket upgrade is left to the store). */
  static boolean isHttpWatch(String path, String upgradeHeader) {
    Map<String, String> q = query(path);
    return ("true".equals(q.get("watch")) || "1".equals(q.get("watch")))
        && (upgradeHeader == null || !upgradeHeader.equalsIgnoreCase("websocket"));
  }

  /**
   * The watch response.
   *
   * @param path the request path with its query
   * @param kind the kind watched (BOOKMARK events carry it), or null to take it from the list
   * @param list answers a list path (with the label selector but no watch parameters)
   */
  static MockResponse respond(String path, String kind, Function<String, JsonNode> list) {
    Map<String, String> q = query(path);
    String base = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    String listPath =
        q.containsKey("labelSelector")
            ? base
                + "?labelSelector="
                + java.net.URLEncoder.encode(q.get("labelSelector"), StandardCharsets.UTF_8)
            : base;
    JsonNode items = list.apply(listPath);
    FieldSelector selector =
        q.containsKey("fieldSelector") ? FieldSelector.parse(q.get("fieldSelector")) : null;
    boolean initial = "true".equals(q.get("sendInitialEvents"));
    long since = initial ? -1 : version(q.getOrDefault("resourceVersion", "0"));
    StringBuilder body = new StringBuilder();
    int events = 0;
    for (JsonNode item : items.path("items")) {
      if (selector != null && !selector.matches(item)) {
        continue;
      }
      if (version(item.at("/metadata/resourceVersion").asText("0")) > since) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", since <= 0 ? "ADDED" : "MODIFIED").set("object", item);
        body.append(event).append('\n');
        events++;
      }
    }
    String listVersion = items.at("/metadata/resourceVersion").asText("");
    String named = selector == null ? null : selector.equalTo("metadata.name");
    if (named != null && events == 0 && since > 0 && !present(items, named)) {
      ObjectNode gone = JSON.createObjectNode();
      gone.put("kind", kind != null ? kind : items.path("kind").asText().replaceFirst("List$", ""))
          .put("apiVersion", items.path("apiVersion").asText("v1"));
      ObjectNode meta = gone.putObject("metadata").put("name", named);
      String namespace = namespaceOf(base);
      if (namespace != null) {
        meta.put("namespace", namespace);
      }
      meta.put("resourceVersion", listVersion.isEmpty() ? String.valueOf(since) : listVersion);
      ObjectNode event = JSON.createObjectNode();
      event.put("type", "DELETED").set("object", gone);
      body.append(event).append('\n');
      events++;
    }
    if (initial || "true".equals(q.get("allowWatchBookmarks"))) {
      ObjectNode object = JSON.createObjectNode();
      object
          .put("kind", kind != null ? kind : items.path("kind").asText().replaceFirst("List$", ""))
          .put("apiVersion", items.path("apiVersion").asText("v1"));
      ObjectNode meta = object.putObject("metadata");
      meta.put("resourceVersion", listVersion.isEmpty() ? String.valueOf(since) : listVersion);
      if (initial) {
        meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
      }
      ObjectNode bookmark = JSON.createObjectNode();
      bookmark.put("type", "BOOKMARK").set("object", object);
      body.append(bookmark).append('\n');
    }
    MockResponse response =
        new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "application/json")
            .setBody(body.toString());
    return events == 0 ? response.setBodyDelay(IDLE) : response;
  }

  private static boolean present(JsonNode list, String name) {
    for (JsonNode item : list.path("items")) {
      if (name.equals(item.at("/metadata/name").asText())) {
        return true;
      }
    }
    return false;
  }

  private static String namespaceOf(String path) {
    String[] parts = path.split("/");
    for (int i = 0; i + 1 < parts.length; i++) {
      if (parts[i].equals("namespaces")) {
        return parts[i + 1];
      }
    }
    return null;
  }

  private static long version(String rv) {
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static Map<String, String> query(String path) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = path.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String param : path.substring(q + 1).split("&")) {
      int eq = param.indexOf('=');
      String key = eq < 0 ? param : param.substring(0, eq);
      String value = eq < 0 ? "" : param.substring(eq + 1);
      out.put(key, URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }
}
