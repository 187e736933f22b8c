package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.sdk.StubAws.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Outcomes and retries as the SDK's adaptive retry strategy produces them over real HTTP. */
class AwsCallMetricsTest {
  private static final AwsTarget TARGET = new AwsTarget("eu-west-1", null);

  @BeforeAll
  static void dummyCredentials() {
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
  }

  private static double calls(SimpleMeterRegistry r, String operation, String outcome) {
    var c =
        r.find(AwsCallMetrics.CALLS)
            .tag("service", "SecretsManager")
            .tag("operation", operation)
            .tag("outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  private static double retries(SimpleMeterRegistry r, String operation) {
    var c =
        r.find(AwsCallMetrics.RETRIES)
            .tag("service", "SecretsManager")
            .tag("operation", operation)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void successIsCountedOnceWithoutRetries() {
    var registry = new SimpleMeterRegistry();
    try (var stub =
            new StubAws(
                op ->
                    Reply.json(
                        200,
                        "{\"ARN\":\"arn:x\",\"Name\":\"s\",\"SecretString\":\"{\\\"client_id\\\":\\\"console\\\"}\"}"));
        var factory = new SdkAwsServicesFactory(stub.endpoint(), registry)) {
      AwsServices aws = factory.forTarget(TARGET);
      assertThat(aws.secrets().jsonSecret("s")).containsEntry("client_id", "console");
      assertThat(calls(registry, "GetSecretValue", "success")).isEqualTo(1);
      assertThat(retries(registry, "GetSecretValue")).isZero();
      assertThat(factory.metrics().callsByOperation())
          .containsExactlyEntriesOf(java.util.Map.of("SecretsManager.GetSecretValue", 1L));
    }
  }

  @Test
  void throttlingIsRetriedByTheSdkAndCountedAsThrottled() {
    var registry = new SimpleMeterRegistry();
    try (var stub =
            new StubAws(op -> Reply.jsonError(400, "ThrottlingException", "Rate exceeded"));
        var factory = new SdkAwsServicesFactory(stub.endpoint(), registry)) {
      assertThatThrownBy(() -> factory.forTarget(TARGET).secrets().jsonSecret("s"))
          .isInstanceOfSatisfying(
              AwsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RETRYABLE));
      int attempts = stub.operations().size();
      assertThat(attempts).isGreaterThan(1);
      assertThat(calls(registry, "GetSecretValue", "throttled")).isEqualTo(1);
      assertThat(retries(registry, "GetSecretValue")).isEqualTo(attempts - 1);
    }
  }

  @Test
  void serverErrorsAreRetriedAndCountedAsServerError() {
    var registry = new SimpleMeterRegistry();
    try (var stub = new StubAws(op -> Reply.jsonError(500, "InternalServiceError", "boom"));
        var factory = new SdkAwsServicesFactory(stub.endpoint(), registry)) {
      assertThatThrownBy(() -> factory.forTarget(TARGET).secrets().jsonSecret("s"))
          .isInstanceOfSatisfying(
              AwsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RETRYABLE));
      assertThat(calls(registry, "GetSecretValue", "server_error")).isEqualTo(1);
      assertThat(retries(registry, "GetSecretValue")).isEqualTo(stub.operations().size() - 1);
      assertThat(stub.operations()).hasSizeGreaterThan(1);
    }
  }

  @Test
  void clientErrorsAreNotRetried() {
    var registry = new SimpleMeterRegistry();
    try (var stub =
            new StubAws(
                op ->
                    Reply.jsonError(
                        400, "ResourceNotFoundException", "Secrets Manager can't find it"));
        var factory = new SdkAwsServicesFactory(stub.endpoint(), registry)) {
      assertThatThrownBy(() -> factory.forTarget(TARGET).secrets().jsonSecret("s"))
          .isInstanceOfSatisfying(
              AwsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
      assertThat(stub.operations()).hasSize(1);
      assertThat(calls(registry, "GetSecretValue", "client_error")).isEqualTo(1);
      assertThat(retries(registry, "GetSecretValue")).isZero();
    }
  }

  @Test
  void unreachableEndpointIsANetworkError() throws IOException {
    int closedPort;
    try (var socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    var registry = new SimpleMeterRegistry();
    try (var factory =
        new SdkAwsServicesFactory(URI.create("http://127.0.0.1:" + closedPort), registry)) {
      assertThatThrownBy(() -> factory.forTarget(TARGET).secrets().jsonSecret("s"))
          .isInstanceOfSatisfying(
              AwsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RETRYABLE));
      assertThat(calls(registry, "GetSecretValue", "network_error")).isEqualTo(1);
    }
  }

  @Test
  void mutatingOperationsAreRecognisedByName() {
    assertThat(AwsCallMetrics.isMutating("RunTask")).isTrue();
    assertThat(AwsCallMetrics.isMutating("CreateChangeSet")).isTrue();
    assertThat(AwsCallMetrics.isMutating("SendCommand")).isTrue();
    assertThat(AwsCallMetrics.isMutating("DescribeTasks")).isFalse();
    assertThat(AwsCallMetrics.isMutating("GetSecretValue")).isFalse();
  }
}
