package io.ttes.operator.testing;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.status.ConditionWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** An in-process Kubernetes API with the real operator on a given AWS, plus helpers to look. */
public final class OperatorTestBed implements AutoCloseable {
  public final KubeApi api;
  public final String namespace;
  private TtesOperator operator;
  private final AwsServicesFactory aws;

  public OperatorTestBed(String namespace, AwsServicesFactory aws) {
    this.api = KubeApi.start();
    this.namespace = namespace;
    this.aws = aws;
    api.createNamespace(namespace);
    this.operator = RunningOperator.start(api.client(), aws);
  }

  public KubernetesClient client() {
    return api.client();
  }

  public TtesOperator operator() {
    return operator;
  }

  /** Stops the operator (as a crash would, between two reconciles) and starts a new one. */
  public void restartOperator() {
    operator.close();
    operator = RunningOperator.start(api.client(), aws);
  }

  public void stopOperator() {
    operator.close();
  }

  public void startOperator() {
    operator = RunningOperator.start(api.client(), aws);
  }

  public <T extends HasMetadata> T create(String yaml, Class<T> type) {
    T obj = api.client().getKubernetesSerialization().unmarshal(yaml, type);
    return api.client().resources(type).inNamespace(namespace).resource(obj).create();
  }

  public void secret(String name, Map<String, String> data) {
    api.client()
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

  public <T extends HasMetadata> T get(Class<T> type, String name) {
    return api.client().resources(type).inNamespace(namespace).withName(name).get();
  }

  public <T extends HasMetadata> T await(
      Class<T> type, String name, Duration timeout, Predicate<T> condition) {
    return org.awaitility.Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(type, name), o -> o != null && condition.test(o));
  }

  public TTESCluster awaitClusterReady(String name) {
    return await(
        TTESCluster.class,
        name,
        Duration.ofSeconds(30),
        c -> ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()));
  }

  public static String condition(KindStatus status, String type, boolean reason) {
    var c = ConditionWriter.find(status, type);
    if (c == null) {
      return null;
    }
    return reason ? c.getReason() : c.getStatus();
  }

  /** Events on the named object. */
  public List<Event> events(String name) {
    return api.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** All events, statuses and specs of the namespace as text, for leak checks. */
  public String everythingAsText() {
    StringBuilder b = new StringBuilder();
    var ser = api.client().getKubernetesSerialization();
    api.client()
        .v1()
        .events()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(e -> b.append(ser.asYaml(e)));
    for (Class<? extends HasMetadata> type :
        List.of(
            io.ttes.operator.api.v1alpha1.OpsTask.class,
            io.ttes.operator.api.v1alpha1.TenantBootstrap.class,
            io.ttes.operator.api.v1alpha1.StackUpgrade.class,
            TTESCluster.class)) {
      api.client()
          .resources(type)
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(o -> b.append(ser.asYaml(o)));
    }
    b.append(operator.registry().scrape());
    return b.toString();
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      api.close();
    }
  }
}
