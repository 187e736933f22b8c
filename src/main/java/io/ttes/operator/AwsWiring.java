package io.ttes.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;

/** Builds the production AWS factory (SDK v2 clients). */
final class AwsWiring {
  private AwsWiring() {}

  static AwsServicesFactory sdkFactory(OperatorConfig config, MeterRegistry registry) {
    throw new UnsupportedOperationException("AWS SDK wiring lands with the aws.sdk package");
  }
}
