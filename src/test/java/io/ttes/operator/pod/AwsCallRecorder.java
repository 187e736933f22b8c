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
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A loopback proxy in front of the AWS emulator that records every call an operator pod makes:
 * operation (the query protocol's {@code Action}, or the JSON protocol's {@code X-Amz-Target}), the
 * HTTP status AWS answered, and the request parameters that name what was created. The operator
 * runs in another process, so its own metrics die with every SIGKILL; this record does not.
 *
 * <p>It can also {@linkplain #killAfterMutations kill the pod} at chosen mutations: the call
 * reaches AWS and is recorded, the kill runs, and only then is the answer sent (to a dead process).
 * That is the moment a write-ahead status exists for: AWS changed, the operator never learned of
 * it.
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

  /** Calls that change something in AWS (as opposed to Describe/List/Get reads). */
  private static final Pattern MUTATION =
      Pattern.compile("^(Create|Execute|Delete|RunTask|StopTask|SendCommand|Register|Update).*");

  private final TreeSet<Integer> killAt = new TreeSet<>();
  private Consumer<Call> kill;
  private int mutations;

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
    boolean missingChangeSet = answer != null && isMissingChangeSetDelete(body, answer);
    if (missingChangeSet) {
      status = 404;
    }
    if (!ex.getRequestURI().getPath().startsWith("/moto-api")) {
      Call call = record(ex.getRequestHeaders().getFirst("X-Amz-Target"), body, status);
      Consumer<Call> killNow = killing(call);
      if (killNow != null) {
        killNow.accept(call);
      }
    }
    try {
      if (answer == null) {
        LoopbackProxy.send(ex, status, new byte[0]);
      } else if (missingChangeSet) {
        ex.getResponseHeaders().put("Content-Type", List.of("text/xml"));
        LoopbackProxy.send(ex, status, CHANGE_SET_NOT_FOUND);
      } else {
        LoopbackProxy.relay(ex, answer);
      }
    } catch (IOException e) {
      // the caller was killed while AWS answered it: the answer goes nowhere, as on a network
    }
  }

  /**
   * CloudFormation answers a DeleteChangeSet of a change set that no longer exists (a delete
   * repeated after a crash) with the error {@code ChangeSetNotFound}, HTTP 404, as it answers every
   * call naming a missing change set
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html,
   * Errors); the operator takes it as "already deleted". moto answers HTTP 500 with an HTML page
   * instead, which the operator retries for ever: this proxy answers what AWS would.
   */
  private static boolean isMissingChangeSetDelete(byte[] body, HttpResponse<byte[]> answer) {
    return answer.statusCode() == 500
        && new String(body, StandardCharsets.UTF_8).contains("Action=DeleteChangeSet")
        && new String(answer.body(), StandardCharsets.UTF_8).contains("Internal Server Error");
  }

  private static final byte[] CHANGE_SET_NOT_FOUND =
      ("<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>"
              + "<Type>Sender</Type><Code>ChangeSetNotFound</Code>"
              + "<Message>ChangeSet does not exist</Message></Error>"
              + "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")
          .getBytes(StandardCharsets.UTF_8);

  /**
   * Runs {@code kill} (synchronously, before the answer is sent) after each successful mutating
   * call whose 1-based number among the mutating calls from now on is in {@code ordinals}.
   */
  synchronized void killAfterMutations(Set<Integer> ordinals, Consumer<Call> kill) {
    this.killAt.clear();
    this.killAt.addAll(ordinals);
    this.kill = kill;
    this.mutations = 0;
  }

  private synchronized Consumer<Call> killing(Call call) {
    if (kill == null || !call.succeeded() || !MUTATION.matcher(call.operation()).matches()) {
      return null;
    }
    mutations++;
    return killAt.remove(mutations) ? kill : null;
  }

  private Call record(String amzTarget, byte[] body, int status) {
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
    Call call = new Call(operation, status, Map.copyOf(params));
    synchronized (this) {
      calls.add(call);
    }
    return call;
  }

  @Override
  public void close() {
    proxy.close();
  }
}
