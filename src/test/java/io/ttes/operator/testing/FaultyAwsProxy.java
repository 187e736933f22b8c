package io.ttes.operator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP proxy in front of the AWS emulator that injects faults the way AWS shows them:
 * throttling errors in each protocol's own shape (JSON {@code __type} for ECS/SSM/Logs/Secrets
 * Manager, XML {@code <Code>Throttling</Code>} for the query protocols of CloudFormation, RDS,
 * ElastiCache, EC2), HTTP 500/503 bursts, and an emulator that is gone (connections answered with
 * 502 and no body, as a load balancer without targets does). Faults are drawn from a seeded random,
 * so a run is repeatable.
 */
public final class FaultyAwsProxy implements AutoCloseable {
  /** What happens to a request. */
  public enum Mode {
    PASS,
    THROTTLE,
    SERVER_ERROR,
    GONE
  }

  private static final Set<String> HOP_HEADERS =
      Set.of("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade");

  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI target;
  private final Random random;
  private volatile double throttleRate;
  private volatile double errorRate;
  private volatile boolean gone;
  private final Map<Mode, AtomicLong> counts = new ConcurrentHashMap<>();

  public FaultyAwsProxy(URI target, long seed) throws IOException {
    this.target = target;
    this.random = new Random(seed);
    for (Mode m : Mode.values()) {
      counts.put(m, new AtomicLong());
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Fractions of requests answered with throttling and with 5xx (the rest pass). */
  public void faults(double throttle, double serverError) {
    this.throttleRate = throttle;
    this.errorRate = serverError;
  }

  public void gone(boolean gone) {
    this.gone = gone;
  }

  public long count(Mode mode) {
    return counts.get(mode).get();
  }

  private Mode draw(String path) {
    if (path.startsWith("/moto-api")) {
      return Mode.PASS;
    }
    if (gone) {
      return Mode.GONE;
    }
    double r;
    synchronized (random) {
      r = random.nextDouble();
    }
    if (r < throttleRate) {
      return Mode.THROTTLE;
    }
    if (r < throttleRate + errorRate) {
      return Mode.SERVER_ERROR;
    }
    return Mode.PASS;
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    Mode mode = draw(ex.getRequestURI().getPath());
    counts.get(mode).incrementAndGet();
    String contentType = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
    boolean json = contentType.contains("json");
    switch (mode) {
      case GONE -> respond(ex, 502, "text/plain", "");
      case SERVER_ERROR ->
          respond(
              ex,
              503,
              json ? "application/x-amz-json-1.1" : "text/xml",
              json
                  ? "{\"__type\":\"ServiceUnavailableException\",\"message\":\"injected\"}"
                  : error("ServiceUnavailable", "injected"));
      case THROTTLE -> {
        if (json) {
          ex.getResponseHeaders().set("x-amzn-ErrorType", "ThrottlingException");
          respond(
              ex,
              400,
              "application/x-amz-json-1.1",
              "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded (injected)\"}");
        } else {
          respond(ex, 400, "text/xml", error("Throttling", "Rate exceeded (injected)"));
        }
      }
      case PASS -> forward(ex, body);
    }
  }

  private static String error(String code, String message) {
    return "<ErrorResponse><Error><Type>Sender</Type><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message></Error><RequestId>injected</RequestId></ErrorResponse>";
  }

  private void forward(HttpExchange ex, byte[] body) throws IOException {
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
      byte[] out = r.body();
      ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      respond(ex, 502, "text/plain", "");
    } catch (IOException e) {
      respond(ex, 502, "text/plain", "");
    }
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
