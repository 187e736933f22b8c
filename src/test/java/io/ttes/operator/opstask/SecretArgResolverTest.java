package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretsManagerKeySelector;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import io.ttes.operator.aws.SecretStore;
import io.ttes.operator.status.SpecProblem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one secret resolution of OpsTask and TenantBootstrap, with data in and data out. */
class SecretArgResolverTest {
  private final List<String> gets = new ArrayList<>();

  private SecretArgResolver resolver(SecretStore store) {
    var secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("admin")
            .endMetadata()
            .withData(
                Map.of(
                    "password",
                    Base64.getEncoder()
                        .encodeToString("pässwörd".getBytes(StandardCharsets.UTF_8))))
            .build();
    return new SecretArgResolver(
        SecretReader.fromSecrets(name -> name.equals("admin") ? secret : null),
        "ns",
        () ->
            id -> {
              gets.add(id);
              return store.jsonSecret(id);
            });
  }

  private static SecretArg k8s(String name, String secret, String key) {
    return new SecretArg(name, new SecretKeySelector(secret, key));
  }

  private static SecretArg sm(String name, String id, String key) {
    return new SecretArg(name, null, new SecretsManagerKeySelector(id, key));
  }

  @Test
  void decodesSecretDataAsUtf8AndReadsEachSecretsManagerSecretOnce() {
    var values =
        resolver(id -> Map.of("client_id", "console", "client_secret", "s3"))
            .resolve(
                List.of(
                    k8s("PW", "admin", "password"),
                    sm("ID", "oauth", "client_id"),
                    sm("SECRET", "oauth", "client_secret")),
                SecretArgResolver.OPS_TASK_FIELDS);

    assertThat(values)
        .containsExactly(
            Map.entry("PW", "pässwörd"), Map.entry("ID", "console"), Map.entry("SECRET", "s3"));
    assertThat(gets).containsExactly("oauth");
  }

  @Test
  void aMissingSecretOrKeyNamesTheCallersField() {
    SecretArgResolver.Fields fields = (i, arg, keyPart) -> "f" + i + (keyPart ? ".key" : ".name");
    var r = resolver(id -> Map.of());

    assertThatThrownBy(() -> r.resolve(List.of(k8s("A", "nope", "password")), fields))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("SecretNotFound");
              assertThat(p.getMessage())
                  .isEqualTo("f0.name: Secret nope not found in namespace ns");
            });
    assertThatThrownBy(() -> r.resolve(List.of(k8s("A", "admin", "pw")), fields))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("SecretKeyNotFound");
              assertThat(p.getMessage()).isEqualTo("f0.key: Secret admin has no key pw");
            });
  }

  @Test
  void eachSecretsManagerErrorKindHasItsOwnReasonAndOnlyAwsTroubleIsThrownOn() {
    Map<Kind, String> expected =
        Map.of(
            Kind.NOT_FOUND, "SecretsManagerSecretNotFound",
            Kind.INVALID_INPUT, "SecretsManagerSecretInvalid",
            Kind.ACCESS_DENIED, "AccessDenied");
    expected.forEach(
        (kind, reason) ->
            assertThatThrownBy(
                    () ->
                        resolver(
                                id -> {
                                  throw new AwsException(kind, "GetSecretValue", null, "x");
                                })
                            .resolve(
                                List.of(sm("ID", "oauth", "client_id")),
                                SecretArgResolver.OPS_TASK_FIELDS))
                .isInstanceOfSatisfying(
                    SpecProblem.class,
                    p -> {
                      assertThat(p.reason()).isEqualTo(reason);
                      assertThat(p.field()).isEqualTo("spec.secretArgs[0].secretsManagerKeyRef");
                      assertThat(p.getMessage()).contains("oauth");
                    }));
    assertThatThrownBy(
            () ->
                resolver(
                        id -> {
                          throw new AwsException(Kind.RETRYABLE, "GetSecretValue", null, "slow");
                        })
                    .resolve(
                        List.of(sm("ID", "oauth", "client_id")), SecretArgResolver.OPS_TASK_FIELDS))
        .isInstanceOf(AwsException.class);
  }

  @Test
  void anEmptySecretsManagerValueIsAMissingKey() {
    assertThatThrownBy(
            () ->
                resolver(id -> Map.of("client_id", ""))
                    .resolve(
                        List.of(sm("ID", "oauth", "client_id")), SecretArgResolver.OPS_TASK_FIELDS))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> assertThat(p.reason()).isEqualTo("SecretsManagerSecretNotFound"));
  }
}
