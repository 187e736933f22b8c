package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.KubeApi;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code TTES_LOG_FORMAT=json} through the real {@code main}, with the environment the chart gives
 * the pod: the operator runs as its own JVM against the in-process Kubernetes API (AWS unreachable,
 * so its reconciles fail and log), and every line it prints on stdout and stderr is JSON, from the
 * very first byte (the JVM's own "Picked up JAVA_TOOL_OPTIONS" notice would be the first line);
 * every line logged on a reconciler thread names the custom resource.
 */
class JsonLogsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void mainPrintsJsonLinesWithTheCustomResourceOfEachReconcile() throws Exception {
    Path out = Files.createDirectories(Path.of("target", "json-logs")).resolve("operator.log");
    try (KubeApi api = KubeApi.start()) {
      api.createNamespace("logs");
      FakeDeployment.create(
          api.client(), "logs", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "-Dkubernetes.master=" + api.url().replace("localhost", "127.0.0.1"),
                  "-Dkubernetes.auth.tryKubeConfig=false",
                  "-Dkubernetes.auth.tryServiceAccount=false",
                  TtesOperator.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      pb.environment().putAll(chartEnvironment());
      assertThat(pb.environment()).containsEntry("TTES_LOG_FORMAT", "json");
      pb.environment().put("TTES_HTTP_PORT", "0");
      pb.environment().put("TTES_AWS_ENDPOINT", "http://127.0.0.1:" + closedPort());
      pb.environment().put("AWS_ACCESS_KEY_ID", "testing");
      pb.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
      pb.environment().put("AWS_REGION", "eu-west-1");
      Process operator = pb.start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250))
            // A line of the reconcile and the failure of the reconcile (AWS is unreachable).
            .until(
                () ->
                    reconcileLines(out).stream()
                        .anyMatch(l -> !l.path("level").asText().equals("INFO")));
      } finally {
        operator.destroy();
        if (!operator.waitFor(20, TimeUnit.SECONDS)) {
          operator.destroyForcibly();
        }
      }
    }

    String raw = Files.readString(out);
    assertThat(raw).as("the output starts with a JSON object").startsWith("{");
    List<String> lines = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    assertThat(Files.readAllLines(out)).as("no blank line either").allMatch(l -> !l.isBlank());
    assertThat(parse(lines.get(0))).as("the first line: %s", lines.get(0)).isNotNull();
    assertThat(parse(lines.get(0)).path("message").asText())
        .as("the first line is the operator's own, logged through the JSON configuration")
        .startsWith("starting ttes-operator");
    for (String line : lines) {
      JsonNode node = parse(line);
      assertThat(node).as("a JSON object: %s", line).isNotNull();
      assertThat(node.has("@timestamp") && node.has("level") && node.has("message"))
          .as("timestamp, level and message in %s", line)
          .isTrue();
    }
    // The operator's own start-up line went through the JSON configuration too.
    assertThat(lines).anyMatch(l -> l.contains("starting ttes-operator"));
    List<JsonNode> reconcile = reconcileLines(out);
    assertThat(reconcile).isNotEmpty();
    for (JsonNode line : reconcile) {
      assertThat(line.path("resource.namespace").asText()).as("%s", line).isEqualTo("logs");
      assertThat(line.path("resource.name").asText()).as("%s", line).isEqualTo("prod-eu1");
      assertThat(line.path("resource.kind").asText()).as("%s", line).isEqualTo("TTESCluster");
    }
  }

  /**
   * The operator container's environment as the chart renders it with default values (downward API
   * values filled in as the kubelet would), so the JVM starts as it does in the pod.
   */
  private static Map<String, String> chartEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode deployment = Charts.only(Charts.render(Map.of()), "Deployment");
    ChartTest.env(deployment)
        .forEach(
            (name, value) ->
                env.put(
                    name,
                    switch (value) {
                      case "fieldRef:metadata.namespace" -> "ttes-operator";
                      case "fieldRef:metadata.name" -> "ttes-operator-5d8f7c9b6-x2x7q";
                      default -> value;
                    }));
    return env;
  }

  /** Lines logged on JOSDK's reconciler threads, i.e. during a reconcile. */
  private static List<JsonNode> reconcileLines(Path out) throws IOException {
    List<JsonNode> result = new ArrayList<>();
    if (!Files.exists(out)) {
      return result;
    }
    for (String line : Files.readAllLines(out)) {
      JsonNode node = parse(line);
      if (node != null && node.path("thread_name").asText().startsWith("ReconcilerExecutor")) {
        result.add(node);
      }
    }
    return result;
  }

  private static JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
