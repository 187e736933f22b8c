package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.SecretStore;
import java.util.HashMap;
import java.util.Map;

/** Secrets Manager JSON secrets in memory. Thread-safe. */
public final class FakeSecretStore implements SecretStore {
  public static final String GET_SECRET_VALUE = "SecretsManager.GetSecretValue";

  private final CallLog calls;
  private final Map<String, Map<String, String>> secrets = new HashMap<>();

  public FakeSecretStore(CallLog calls) {
    this.calls = calls;
  }

  public synchronized FakeSecretStore put(String secretId, Map<String, String> json) {
    secrets.put(secretId, Map.copyOf(json));
    return this;
  }

  public synchronized void remove(String secretId) {
    secrets.remove(secretId);
  }

  @Override
  public Map<String, String> jsonSecret(String secretId) {
    calls.call(GET_SECRET_VALUE);
    synchronized (this) {
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
