package io.ttes.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;

/** Builds the production AWS factory (SDK v2 clients, adaptive retries, call metrics). */
final class AwsWiring {
  private AwsWiring() {}

  static AwsServicesFactory sdkFactory(OperatorConfig config, MeterRegistry registry) {
    // A null endpoint lets the SDK apply AWS_ENDPOINT_URL and the default endpoints itself.
    return new SdkAwsServicesFactory(config.awsEndpoint(), registry);
  }
}
