package io.ttes.operator.aws;

import java.util.Map;

/** Secrets Manager secrets holding JSON objects (OAuth client ids and secrets). */
public interface SecretStore {
  /**
   * The secret's JSON object as a map. Throws {@link AwsException} with kind NOT_FOUND when the
   * secret does not exist. The values are secret: callers never log or store them.
   */
  Map<String, String> jsonSecret(String secretId);
}
