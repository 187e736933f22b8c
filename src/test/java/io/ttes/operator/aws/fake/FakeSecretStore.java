package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.SecretStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Secrets Manager JSON secrets in memory. Thread-safe. */
public final class FakeSecretStore implements SecretStore {
  public static final String GET_SECRET_VALUE = "SecretsManager.GetSecretValue";

  private final CallLog calls;
  private final Map<String, Map<String, String>> secrets = new HashMap<>();
  private final Set<String> malformed = new HashSet<>();

  public FakeSecretStore(CallLog calls) {
    this.calls = calls;
  }

  public synchronized FakeSecretStore put(String secretId, Map<String, String> json) {
    secrets.put(secretId, Map.copyOf(json));
    return this;
  }

  public synchronized void remove(String secretId) {
    secrets.remove(secretId);
    malformed.remove(secretId);
  }

  /**
   * A secret whose SecretString is not a JSON object (GetSecretValue returns whatever was stored:
   * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html); the
   * SDK store reports it as INVALID_INPUT, and so does this one.
   */
  public synchronized FakeSecretStore putMalformed(String secretId) {
    secrets.remove(secretId);
    malformed.add(secretId);
    return this;
  }

  @Override
  public Map<String, String> jsonSecret(String secretId) {
    calls.call(GET_SECRET_VALUE);
    synchronized (this) {
      if (malformed.contains(secretId)) {
        throw new AwsException(
            AwsException.Kind.INVALID_INPUT,
            GET_SECRET_VALUE,
            null,
            "secret " + secretId + " is not a JSON object");
      }
      Map<String, String> json = secrets.get(secretId);
      if (json == null) {
        // Like AWS: the id is named, never a value.
        throw CallLog.notFound(
            GET_SECRET_VALUE, "Secrets Manager can't find the specified secret: " + secretId);
      }
      return json;
    }
  }
}
