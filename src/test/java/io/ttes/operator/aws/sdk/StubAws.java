package io.ttes.operator.aws.sdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A loopback HTTP server answering AWS calls with canned responses, for what the emulator cannot
 * produce on demand (throttling, 5xx, AWS's own error codes). It records the operation of every
 * HTTP attempt.
 */
final class StubAws implements AutoCloseable {
  /** A canned answer. */
  record Reply(int status, String contentType, String body, String errorType) {
    static Reply xml(int status, String body) {
      return new Reply(status, "text/xml", body, null);
    }

    static Reply json(int status, String body) {
      return new Reply(status, "application/x-amz-json-1.1", body, null);
    }

    static Reply jsonError(int status, String code, String message) {
      return new Reply(
          status,
          "application/x-amz-json-1.1",
          "{\"__type\":\"" + code + "\",\"message\":\"" + message + "\"}",
          code);
    }

    static Reply queryError(int status, String code, String message) {
      return xml(
          status,
          "<ErrorResponse><Error><Type>Sender</Type><Code>"
              + code
              + "</Code><Message>"
              + message
              + "</Message></Error><RequestId>stub-req</RequestId></ErrorResponse>");
    }
  }

  private final HttpServer server;
  private final List<String> operations = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  StubAws(Function<String, Reply> replyByOperation) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          String operation = operation(exchange);
          operations.add(operation);
          Reply reply = replyByOperation.apply(operation);
          byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", reply.contentType());
          exchange.getResponseHeaders().add("x-amzn-RequestId", "stub-req");
          if (reply.errorType() != null) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", reply.errorType());
          }
          exchange.sendResponseHeaders(reply.status(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  /** "GetSecretValue" from X-Amz-Target, or the Action of a query-protocol form body. */
  private String operation(HttpExchange exchange) throws IOException {
    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    bodies.add(body);
    if (target != null) {
      return target.substring(target.indexOf('.') + 1);
    }
    for (String pair : body.split("&")) {
      if (pair.startsWith("Action=")) {
        return URLDecoder.decode(pair.substring(7), StandardCharsets.UTF_8);
      }
    }
    return "unknown";
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Operation names of all HTTP attempts received, in order. */
  List<String> operations() {
    return List.copyOf(operations);
  }

  /** Request bodies of all HTTP attempts received, in order. */
  List<String> bodies() {
    return List.copyOf(bodies);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
