package io.ttes.operator.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.ttes.operator.testing.LoopbackProxy;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loopback proxy in front of the AWS emulator that records every call an operator pod makes:
 * operation (the query protocol's {@code Action}, or the JSON protocol's {@code X-Amz-Target}), the
 * HTTP status AWS answered, and the request parameters that name what was created. The operator
 * runs in another process, so its own metrics die with every SIGKILL; this record does not.
 */
final class AwsCallRecorder implements AutoCloseable {
  record Call(String operation, int status, Map<String, String> parameters) {
    boolean succeeded() {
      return status >= 200 && status < 300;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LoopbackProxy proxy;
  private final List<Call> calls = new ArrayList<>();

  AwsCallRecorder(URI target) {
    this.proxy = new LoopbackProxy(target, 8, this::handle);
  }

  URI endpoint() {
    return proxy.endpoint();
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Successful calls of one operation. */
  List<Call> succeeded(String operation) {
    return calls().stream().filter(c -> c.operation().equals(operation) && c.succeeded()).toList();
  }

  private void handle(HttpExchange ex, byte[] body) throws IOException {
    HttpResponse<byte[]> answer = proxy.forward(ex, body);
    // Unreachable: answered 502 without a body, as a load balancer without targets would.
    int status = answer == null ? 502 : answer.statusCode();
    if (!ex.getRequestURI().getPath().startsWith("/moto-api")) {
      record(ex.getRequestHeaders().getFirst("X-Amz-Target"), body, status);
    }
    if (answer == null) {
      LoopbackProxy.send(ex, status, new byte[0]);
    } else {
      LoopbackProxy.relay(ex, answer);
    }
  }

  private void record(String amzTarget, byte[] body, int status) {
    Map<String, String> params = new LinkedHashMap<>();
    String operation;
    String text = new String(body, StandardCharsets.UTF_8);
    if (amzTarget != null) {
      operation = amzTarget.substring(amzTarget.indexOf('.') + 1);
      try {
        JsonNode json = JSON.readTree(text.isEmpty() ? "{}" : text);
        json.fields()
            .forEachRemaining(
                e -> {
                  if (e.getValue().isValueNode()) {
                    params.put(e.getKey(), e.getValue().asText());
                  }
                });
      } catch (IOException e) {
        // not JSON: only the operation is recorded
      }
    } else {
      for (String pair : text.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          params.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      operation = params.getOrDefault("Action", "?");
    }
    synchronized (this) {
      calls.add(new Call(operation, status, Map.copyOf(params)));
    }
  }

  @Override
  public void close() {
    proxy.close();
  }
}
