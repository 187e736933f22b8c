package io.ttes.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /healthz} (liveness: the Java Operator SDK's informers run and watch), {@code /readyz}
 * (started and healthy; both as {@link OperatorHealth} decides, a standby is both) and {@code
 * /metrics} (Prometheus).
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  public HttpEndpoints(
      int port,
      PrometheusMeterRegistry registry,
      Supplier<OperatorHealth.Answer> liveness,
      Supplier<OperatorHealth.Answer> readiness)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> daemon(r, "http-endpoints")));
    server.createContext("/healthz", ex -> respond(ex, liveness.get()));
    server.createContext("/readyz", ex -> respond(ex, readiness.get()));
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void respond(HttpExchange ex, OperatorHealth.Answer answer) throws IOException {
    respond(ex, answer.ok() ? 200 : 503, "text/plain; charset=utf-8", answer.body());
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
