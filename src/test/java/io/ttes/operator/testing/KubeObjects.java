package io.ttes.operator.testing;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.status.ConditionWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * The objects of one namespace of a Kubernetes API as a test handles them: create from YAML, get,
 * await a condition, secrets and events. Whoever reconciles them (an in-process operator, a pod) is
 * not its business.
 */
public record KubeObjects(KubernetesClient client, String namespace) {
  /** How often {@link #await} reads the object again. */
  public static final Duration POLL = Duration.ofMillis(100);

  /** Creates the object the YAML describes, in this namespace. */
  public <T extends HasMetadata> T create(String yaml, Class<T> type) {
    T obj = client.getKubernetesSerialization().unmarshal(yaml, type);
    return client.resources(type).inNamespace(namespace).resource(obj).create();
  }

  /** Creates an Opaque secret with these string values. */
  public void secret(String name, Map<String, String> data) {
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withStringData(data)
                .build())
        .create();
  }

  /** The object, or null when there is none. */
  public <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }

  /** All objects of the kind. */
  public <T extends HasMetadata> List<T> list(Class<T> type) {
    return client.resources(type).inNamespace(namespace).list().getItems();
  }

  /**
   * The object once it exists and meets the condition, read every {@link #POLL}; fails after the
   * timeout. An exception the condition throws ends the wait at once.
   */
  public <T extends HasMetadata> T await(
      Class<T> type, String name, Duration timeout, Predicate<T> condition) {
    return Awaitility.await()
        .atMost(timeout)
        .pollInterval(POLL)
        .until(() -> get(type, name), o -> o != null && condition.test(o));
  }

  /** A cluster Ready for its current generation. */
  public static boolean ready(TTESCluster c) {
    return ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration());
  }

  /** Events on the named object. */
  public List<Event> events(String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
