package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.SecretStore;
import io.ttes.operator.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

class SdkSecretStoreIT {
  private static final String NOT_JSON = "plain-text-oauth-secret-value";

  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static SecretStore secrets;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    secrets = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).secrets();
    try (SecretsManagerClient sm = MotoClients.client(SecretsManagerClient.builder(), moto)) {
      sm.createSecret(
          b ->
              b.name("prod-eu1-c1-console-oauth-client")
                  .secretString(
                      "{\"client_id\":\"console\",\"client_secret\":\"s3cr3t\",\"rotation\":3}"));
      sm.createSecret(b -> b.name("prod-eu1-c1-not-json").secretString(NOT_JSON));
      sm.createSecret(b -> b.name("prod-eu1-c1-array").secretString("[\"a\"]"));
    }
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void aJsonObjectSecretIsAMap() {
    assertThat(secrets.jsonSecret("prod-eu1-c1-console-oauth-client"))
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of("client_id", "console", "client_secret", "s3cr3t", "rotation", "3"));
  }

  @Test
  void aMissingSecretIsNotFound() {
    assertThatThrownBy(() -> secrets.jsonSecret("prod-eu1-c1-noc-oauth-client"))
        .isInstanceOfSatisfying(
            AwsException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
              assertThat(e.operation()).isEqualTo("GetSecretValue");
            });
  }

  @Test
  void aValueThatIsNotAJsonObjectIsInvalidInputWithoutTheValue() {
    assertThatThrownBy(() -> secrets.jsonSecret("prod-eu1-c1-not-json"))
        .isInstanceOfSatisfying(
            AwsException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
              assertThat(e.getMessage()).contains("prod-eu1-c1-not-json").doesNotContain(NOT_JSON);
              assertThat(e.getCause()).isNull();
            });
    assertThatThrownBy(() -> secrets.jsonSecret("prod-eu1-c1-array"))
        .isInstanceOfSatisfying(
            AwsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT));
  }
}
