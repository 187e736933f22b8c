package io.ttes.operator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server in front of the AWS emulator: each request is read whole and given to the
 * test's {@link Handler}, which answers it itself or {@link #forward}s it to the emulator and
 * {@link #relay}s the emulator's answer. The fault injector and the pods' call recorder are such
 * handlers.
 */
public final class LoopbackProxy implements AutoCloseable {
  /** What the proxy does with one request, its body already read. */
  public interface Handler {
    void handle(HttpExchange exchange, byte[] body) throws IOException;
  }

  /** Headers that belong to one connection, not to the request or answer passed on. */
  private static final Set<String> HOP_HEADERS =
      Set.of("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade");

  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI target;

  public LoopbackProxy(URI target, int threads, Handler handler) {
    this.target = target;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(threads));
    server.createContext(
        "/",
        ex -> {
          byte[] body;
          try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
          }
          handler.handle(ex, body);
        });
    server.start();
  }

  /** Where clients send their requests. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * The emulator's answer to the request (method, path, body and end-to-end headers as received),
   * or null when the emulator cannot be reached.
   */
  public HttpResponse<byte[]> forward(HttpExchange ex, byte[] body) {
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
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Sends the emulator's answer back: status, end-to-end headers and body. */
  public static void relay(HttpExchange ex, HttpResponse<byte[]> answer) throws IOException {
    answer
        .headers()
        .map()
        .forEach(
            (k, vs) -> {
              if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.startsWith(":")) {
                ex.getResponseHeaders().put(k, List.copyOf(vs));
              }
            });
    send(ex, answer.statusCode(), answer.body());
  }

  /** Sends a status and body (no body at all when empty). */
  public static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
