package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.TtesOperator;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.OperatorTestBed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The liveness probe ({@code /healthz}) follows the Java Operator SDK's informer health: when the
 * Kubernetes API goes away the informers stop watching and the operator says so (the kubelet would
 * restart it after failureThreshold probes); when the API is back, so is the operator's health.
 */
class HealthEndpointsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void livenessAndReadinessFollowTheInformers() throws Exception {
    OperatorTestBed bed = OperatorTestBed.builder().aws(new FakeAws()).clientPerStart().start();
    KubeApi api = bed.api;
    int apiPort = URI.create(api.url()).getPort();
    KubeApi restarted = null;
    try (bed) {
      TtesOperator operator = bed.operator();
      assertThat(get(operator, "/healthz")).isEqualTo("200 ok\n");
      assertThat(get(operator, "/readyz")).isEqualTo("200 ready\n");

      api.close();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> get(operator, "/healthz").startsWith("503"));
      String unhealthy = get(operator, "/healthz");
      // Kept in target/ for people reading a failure.
      Files.createDirectories(Path.of("target", "health"));
      Files.writeString(Path.of("target", "health", "healthz-api-gone.txt"), unhealthy);
      assertThat(unhealthy)
          .as("the probe's body names the controller and what its informer lacks")
          .contains(
              "unhealthy event sources", "ttescluster/", "opstask/", "all namespaces not watching");
      assertThat(get(operator, "/readyz")).startsWith("503");

      restarted = KubeApi.start(apiPort);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> get(operator, "/healthz").equals("200 ok\n"));
      assertThat(get(operator, "/readyz")).isEqualTo("200 ready\n");
    } finally {
      if (restarted != null) {
        restarted.close();
      }
    }
  }

  /** "CODE body" of a GET on the operator's HTTP port. */
  private static String get(TtesOperator operator, String path) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }
}
