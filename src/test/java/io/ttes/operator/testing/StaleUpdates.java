package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Optimistic concurrency as the API server has it and Fabric8's CRUD store does not: a PUT (update
 * or updateStatus) that carries a metadata.resourceVersion other than the stored one is answered
 * 409 Conflict. Without it the store takes the stale write and loses whatever was written since, so
 * two read-modify-writes racing on one status (OpsTasks of one cluster finishing together) both
 * seemed to succeed in tests where on a real cluster one of them retries.
 */
final class StaleUpdates {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StaleUpdates() {}

  /**
   * The 409 for {@code request}, or null to let the store take it.
   *
   * @param get the store's GET of a path
   */
  static MockResponse conflict(RecordedRequest request, Function<String, MockResponse> get) {
    if (request.method() != HttpMethod.PUT || request.getBody() == null) {
      return null;
    }
    // getUtf8Body() would drain the body the store still has to read.
    String sent =
        read(new String(request.getBody().getBytes(), StandardCharsets.UTF_8))
            .at("/metadata/resourceVersion")
            .asText("");
    if (sent.isEmpty()) {
      return null;
    }
    String path = request.getPath();
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    MockResponse current =
        get.apply(bare.endsWith("/status") ? bare.substring(0, bare.length() - 7) : bare);
    if (current.code() != 200) {
      return null;
    }
    JsonNode stored = read(current.getBody().readUtf8());
    if (sent.equals(stored.at("/metadata/resourceVersion").asText())) {
      return null;
    }
    String message =
        "Operation cannot be fulfilled on "
            + stored.path("kind").asText()
            + " \""
            + stored.at("/metadata/name").asText()
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again";
    return new MockResponse()
        .setResponseCode(409)
        .setHeader("Content-Type", "application/json")
        .setBody(
            JSON.createObjectNode()
                .put("kind", "Status")
                .put("apiVersion", "v1")
                .put("status", "Failure")
                .put("reason", "Conflict")
                .put("message", message)
                .put("code", 409)
                .toString());
  }

  private static JsonNode read(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
