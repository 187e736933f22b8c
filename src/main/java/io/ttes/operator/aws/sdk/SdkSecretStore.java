package io.ttes.operator.aws.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import io.ttes.operator.aws.SecretStore;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** {@link SecretStore} on Secrets Manager. */
final class SdkSecretStore implements SecretStore {
  private static final String OPERATION = "GetSecretValue";

  private final SecretsManagerClient secrets;
  private final ObjectMapper json;

  SdkSecretStore(SecretsManagerClient secrets, ObjectMapper json) {
    this.secrets = secrets;
    this.json = json;
  }

  @Override
  public Map<String, String> jsonSecret(String secretId) {
    String value =
        AwsErrors.call(OPERATION, () -> secrets.getSecretValue(b -> b.secretId(secretId)))
            .secretString();
    if (value == null) {
      throw new AwsException(
          Kind.INVALID_INPUT, OPERATION, null, "secret " + secretId + " has no string value");
    }
    JsonNode node;
    try {
      node = json.readTree(value);
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the input: neither it nor the exception may travel further.
      node = null;
    }
    if (node == null || !node.isObject()) {
      throw new AwsException(
          Kind.INVALID_INPUT, OPERATION, null, "secret " + secretId + " is not a JSON object");
    }
    Map<String, String> result = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode v = field.getValue();
      if (v.isNull()) {
        continue;
      }
      result.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
    }
    return Collections.unmodifiableMap(result);
  }
}
