package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.SecretStore;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the values of secretArgs: keys of Kubernetes Secrets in one namespace and keys of JSON
 * Secrets Manager secrets of the cluster's account. The one place where OpsTask and TenantBootstrap
 * turn a secret reference into a value or into a {@link SpecProblem} whose reason a person can act
 * on and whose message names the spec field ({@link Fields}) and never a value.
 *
 * <p>One GetSecretValue per Secrets Manager secret and call of {@link #resolve}, however many of
 * its keys the arguments use.
 */
public final class SecretArgResolver {

  /** The spec field a message names for argument {@code index}; {@code keyPart} for its key. */
  @FunctionalInterface
  public interface Fields {
    String of(int index, SecretArg arg, boolean keyPart);
  }

  /** The OpsTask's own fields: {@code spec.secretArgs[i].secretKeyRef} and the like. */
  public static final Fields OPS_TASK_FIELDS =
      (i, arg, keyPart) ->
          "spec.secretArgs["
              + i
              + "]."
              + (arg.getSecretKeyRef() != null ? "secretKeyRef" : "secretsManagerKeyRef");

  private final SecretReader secrets;
  private final String namespace;
  private final Supplier<SecretStore> secretsManager;

  /**
   * @param secrets Kubernetes Secrets of {@code namespace}
   * @param secretsManager the cluster's Secrets Manager; may throw {@link SpecProblem} (no cluster)
   */
  public SecretArgResolver(
      SecretReader secrets, String namespace, Supplier<SecretStore> secretsManager) {
    this.secrets = secrets;
    this.namespace = namespace;
    this.secretsManager = secretsManager;
  }

  /** Every argument's value by its name, in order; the values live only in the caller's hands. */
  public Map<String, String> resolve(List<SecretArg> args, Fields fields) {
    Map<String, String> values = new LinkedHashMap<>();
    if (args == null) {
      return values;
    }
    Map<String, Map<String, String>> fetched = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      SecretArg arg = args.get(i);
      if (arg.getSecretsManagerKeyRef() != null && arg.getSecretKeyRef() == null) {
        values.put(arg.getName(), readSecretsManager(arg, i, fields, fetched));
      } else if (arg.getSecretKeyRef() == null) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.secretArgs[" + i + "]",
            "set exactly one of secretKeyRef and secretsManagerKeyRef");
      } else {
        values.put(arg.getName(), readSecret(arg, i, fields));
      }
    }
    return values;
  }

  private String readSecret(SecretArg arg, int i, Fields fields) {
    String name = arg.getSecretKeyRef().getName();
    String key = arg.getSecretKeyRef().getKey();
    String value;
    try {
      value = secrets.read(name, key);
    } catch (SpecProblem p) {
      if (Reasons.SECRET_NOT_FOUND.equals(p.reason())) {
        throw new SpecProblem(
            Reasons.SECRET_NOT_FOUND,
            fields.of(i, arg, false),
            "Secret " + name + " not found in namespace " + namespace);
      }
      throw noKey(arg, i, fields);
    }
    if (value == null) {
      throw noKey(arg, i, fields);
    }
    return value;
  }

  private static SpecProblem noKey(SecretArg arg, int i, Fields fields) {
    return new SpecProblem(
        Reasons.SECRET_KEY_NOT_FOUND,
        fields.of(i, arg, true),
        "Secret "
            + arg.getSecretKeyRef().getName()
            + " has no key "
            + arg.getSecretKeyRef().getKey());
  }

  private String readSecretsManager(
      SecretArg arg, int i, Fields fields, Map<String, Map<String, String>> fetched) {
    String id = arg.getSecretsManagerKeyRef().getSecretId();
    String key = arg.getSecretsManagerKeyRef().getKey();
    String field = fields.of(i, arg, false);
    Map<String, String> json;
    try {
      json = fetched.computeIfAbsent(id, x -> secretsManager.get().jsonSecret(x));
    } catch (AwsException e) {
      // Only AWS trouble is retried; a missing, malformed or forbidden secret needs a person.
      switch (e.kind()) {
        case NOT_FOUND ->
            throw new SpecProblem(
                Reasons.SECRETS_MANAGER_SECRET_NOT_FOUND,
                field,
                "Secrets Manager secret " + id + " does not exist");
        case INVALID_INPUT ->
            throw new SpecProblem(
                Reasons.SECRETS_MANAGER_SECRET_INVALID,
                field,
                "Secrets Manager secret " + id + " is not a JSON object of strings");
        case ACCESS_DENIED ->
            throw new SpecProblem(
                Reasons.ACCESS_DENIED,
                field,
                "reading Secrets Manager secret " + id + " was denied");
        default -> throw e;
      }
    }
    String value = json.get(key);
    if (value == null || value.isEmpty()) {
      throw new SpecProblem(
          Reasons.SECRETS_MANAGER_SECRET_NOT_FOUND,
          fields.of(i, arg, true),
          "Secrets Manager secret " + id + " has no key " + key);
    }
    return value;
  }
}
