package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.Secret;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads one key of a Kubernetes Secret in the OpsTask's namespace. Returns the value, or throws
 * {@link SpecProblem} with reason {@code SecretNotFound} or {@code SecretKeyNotFound} (the flow
 * names the {@code spec.secretArgs[i].secretKeyRef} field). Implementations never put the value in
 * an exception or a log line.
 */
@FunctionalInterface
public interface SecretReader {
  String read(String secretName, String key);

  /** Reads from Secret objects, e.g. an informer cache: {@code name -> Secret or null}. */
  static SecretReader fromSecrets(Function<String, Secret> lookup) {
    return (name, key) -> {
      Secret secret = lookup.apply(name);
      if (secret == null) {
        throw new SpecProblem(Reasons.SECRET_NOT_FOUND, null, "Secret " + name + " not found");
      }
      if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
        return secret.getStringData().get(key);
      }
      if (secret.getData() != null && secret.getData().containsKey(key)) {
        return new String(
            Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
      }
      throw new SpecProblem(
          Reasons.SECRET_KEY_NOT_FOUND, null, "Secret " + name + " has no key " + key);
    };
  }

  /** Reads from plain maps: {@code secret name -> (key -> value)}. */
  static SecretReader fromMap(Map<String, Map<String, String>> secrets) {
    return (name, key) -> {
      Map<String, String> data = secrets.get(name);
      if (data == null) {
        throw new SpecProblem(Reasons.SECRET_NOT_FOUND, null, "Secret " + name + " not found");
      }
      String value = data.get(key);
      if (value == null) {
        throw new SpecProblem(
            Reasons.SECRET_KEY_NOT_FOUND, null, "Secret " + name + " has no key " + key);
      }
      return value;
    };
  }
}
