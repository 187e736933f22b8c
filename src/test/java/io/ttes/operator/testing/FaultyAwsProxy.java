package io.ttes.operator.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
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

  private final LoopbackProxy proxy;
  private final Random random;
  private volatile double throttleRate;
  private volatile double errorRate;
  private volatile boolean gone;
  private final Map<Mode, AtomicLong> counts = new ConcurrentHashMap<>();

  public FaultyAwsProxy(URI target, long seed) throws IOException {
    this.random = new Random(seed);
    for (Mode m : Mode.values()) {
      counts.put(m, new AtomicLong());
    }
    this.proxy = new LoopbackProxy(target, 16, this::handle);
  }

  public URI endpoint() {
    return proxy.endpoint();
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

  private void handle(HttpExchange ex, byte[] body) throws IOException {
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
    HttpResponse<byte[]> answer = proxy.forward(ex, body);
    if (answer == null) {
      respond(ex, 502, "text/plain", "");
    } else {
      LoopbackProxy.relay(ex, answer);
    }
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    LoopbackProxy.send(ex, code, bytes);
  }

  @Override
  public void close() {
    proxy.close();
  }
}
