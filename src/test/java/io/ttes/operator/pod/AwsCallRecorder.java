package io.ttes.operator.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

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

  private static final Set<String> HOP_HEADERS =
      Set.of("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI target;
  private final List<Call> calls = new ArrayList<>();

  AwsCallRecorder(URI target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Successful calls of one operation. */
  List<Call> succeeded(String operation) {
    return calls().stream().filter(c -> c.operation().equals(operation) && c.succeeded()).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString()))
            .timeout(Duration.ofSeconds(60))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (k, vs) -> {
              if (!HOP_HEADERS.contains(k.toLowerCase())) {
                vs.forEach(v -> b.header(k, v));
              }
            });
    int status = 502;
    byte[] out = new byte[0];
    try {
      HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      r.headers()
          .map()
          .forEach(
              (k, vs) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.startsWith(":")) {
                  ex.getResponseHeaders().put(k, List.copyOf(vs));
                }
              });
      status = r.statusCode();
      out = r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // answered 502 below, as a load balancer without targets would
    }
    if (!ex.getRequestURI().getPath().startsWith("/moto-api")) {
      record(ex.getRequestHeaders().getFirst("X-Amz-Target"), body, status);
    }
    ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
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
    server.stop(0);
  }
}
