package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * A target's SDK clients are built when their service is first used: an operator that never takes a
 * snapshot or runs on the AMI platform never loads the RDS, ElastiCache, EC2 or SSM clients (about
 * 2,000 classes, docs/benchmarks.md "Footprint"). Building a client calls no AWS endpoint.
 */
class SdkAwsServicesFactoryTest {
  private static final URI NOWHERE = URI.create("http://127.0.0.1:9");

  @Test
  void onlyTheClientsOfTheServicesUsedAreBuiltEachOnce() {
    try (var factory = new SdkAwsServicesFactory(NOWHERE, new SimpleMeterRegistry())) {
      var services =
          (SdkAwsServicesFactory.Services) factory.forTarget(new AwsTarget("eu-west-1", null));
      assertThat(services.built()).isEmpty();

      services.stacks();
      services.changeSets();
      services.ecs();
      services.logs();
      services.ecs();

      assertThat(services.built()).containsExactly("cloudformation", "ecs", "logs");

      services.snapshots();
      services.secrets();
      services.ssm();

      assertThat(services.built())
          .containsExactly(
              "cloudformation",
              "ecs",
              "logs",
              "rds",
              "elasticache",
              "ec2",
              "secretsmanager",
              "ssm");
    }
  }
}
