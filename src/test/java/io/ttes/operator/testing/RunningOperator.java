package io.ttes.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;

/** Starts the real operator for a test, with fast polling and a free HTTP port. */
public final class RunningOperator {
  private RunningOperator() {}

  public static OperatorConfig testConfig() {
    return OperatorConfig.defaults()
        .withHttpPort(0)
        .withPolling(Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  public static TtesOperator start(KubernetesClient client, AwsServicesFactory aws) {
    return start(client, aws, testConfig(), Clock.systemUTC());
  }

  public static TtesOperator start(
      KubernetesClient client, AwsServicesFactory aws, OperatorConfig config, Clock clock) {
    try {
      return TtesOperator.start(
          new TtesOperator.Dependencies(
              config, client, aws, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), clock));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
