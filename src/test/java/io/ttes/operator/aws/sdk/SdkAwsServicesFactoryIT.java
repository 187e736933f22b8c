package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.testing.MotoServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

class SdkAwsServicesFactoryIT {
  private static final String ROLE = "arn:aws:iam::123456789012:role/ttes-operator";

  private static MotoServer moto;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    try (SecretsManagerClient sm = MotoClients.client(SecretsManagerClient.builder(), moto)) {
      sm.createSecret(b -> b.name("prod-noc-oauth-client").secretString("{\"client_id\":\"noc\"}"));
    }
  }

  @AfterAll
  static void stop() {
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void servicesAreBuiltOncePerTarget() {
    try (var factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry())) {
      AwsServices a = factory.forTarget(new AwsTarget(MotoServer.REGION, null));
      assertThat(factory.forTarget(new AwsTarget(MotoServer.REGION, " "))).isSameAs(a);
      assertThat(factory.forTarget(new AwsTarget("eu-central-1", null))).isNotSameAs(a);
      assertThat(factory.forTarget(new AwsTarget(MotoServer.REGION, ROLE))).isNotSameAs(a);
    }
  }

  @Test
  void withARoleCallsGoThroughAssumeRoleOnceAndWork() {
    try (var factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry())) {
      AwsServices aws = factory.forTarget(new AwsTarget(MotoServer.REGION, ROLE));
      assertThat(aws.secrets().jsonSecret("prod-noc-oauth-client"))
          .containsEntry("client_id", "noc");
      assertThat(aws.secrets().jsonSecret("prod-noc-oauth-client"))
          .containsEntry("client_id", "noc");
      assertThat(factory.metrics().callsByOperation())
          .containsEntry("Sts.AssumeRole", 1L)
          .containsEntry("SecretsManager.GetSecretValue", 2L);
    }
  }

  @Test
  void callsAreCountedByOperationAndOutcome() {
    var registry = new SimpleMeterRegistry();
    try (var factory = new SdkAwsServicesFactory(moto.endpoint(), registry)) {
      AwsServices aws = factory.forTarget(new AwsTarget(MotoServer.REGION, null));
      aws.secrets().jsonSecret("prod-noc-oauth-client");
      assertThatThrownBy(() -> aws.secrets().jsonSecret("missing"))
          .isInstanceOf(AwsException.class);
      aws.stacks().describe(List.of("no-such-stack"));
      aws.logs().tail("/no/group", "s", 10);

      assertThat(count(registry, "SecretsManager", "GetSecretValue", "success")).isEqualTo(1);
      assertThat(count(registry, "SecretsManager", "GetSecretValue", "client_error")).isEqualTo(1);
      assertThat(count(registry, "CloudFormation", "DescribeStacks", "client_error")).isEqualTo(1);
      assertThat(count(registry, "CloudWatchLogs", "GetLogEvents", "client_error")).isEqualTo(1);
      assertThat(factory.metrics().callsByOperation())
          .containsEntry("SecretsManager.GetSecretValue", 2L)
          .containsEntry("CloudFormation.DescribeStacks", 1L)
          .containsEntry("CloudWatchLogs.GetLogEvents", 1L);
      assertThat(factory.metrics().mutatingCalls()).isZero();
      assertThat(registry.find(AwsCallMetrics.RETRIES).counters()).isEmpty();
    }
  }

  private static double count(
      SimpleMeterRegistry registry, String service, String operation, String outcome) {
    var counter =
        registry
            .find(AwsCallMetrics.CALLS)
            .tags("service", service, "operation", operation, "outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aClosedFactoryBuildsNothing() {
    var factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    factory.forTarget(new AwsTarget(MotoServer.REGION, null));
    factory.close();
    assertThatThrownBy(() -> factory.forTarget(new AwsTarget(MotoServer.REGION, null)))
        .isInstanceOf(IllegalStateException.class);
  }
}
