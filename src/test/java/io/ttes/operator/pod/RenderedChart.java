package io.ttes.operator.pod;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * charts/ttes-operator rendered in-process by helm-java, as {@code helm install} would render it,
 * and parsed into Kubernetes objects. Only values the caller names are set; everything else is the
 * chart's default.
 */
public record RenderedChart(List<HasMetadata> objects) {
  static final Path CHART = Path.of("charts/ttes-operator");
  static final String RELEASE = "ttes-operator";
  public static final String NAMESPACE = "ttes-operator";
  // helm template pretends to be Kubernetes 1.20 unless told otherwise; the chart needs 1.25+.
  private static final String KUBE_VERSION = "v1.30.0";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  public static RenderedChart render(Map<String, Object> sets) {
    TemplateCommand template =
        new Helm(CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    for (Map.Entry<String, Object> set : sets.entrySet()) {
      template = template.set(set.getKey(), set.getValue());
    }
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : template.call().split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        objects.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return new RenderedChart(List.copyOf(objects));
  }

  public Deployment deployment() {
    List<Deployment> found = ofType(Deployment.class);
    if (found.size() != 1) {
      throw new AssertionError("the chart renders " + found.size() + " Deployments, expected 1");
    }
    return found.get(0);
  }

  /** Every Service the chart creates: the kubelet injects service links for each. */
  List<Service> services() {
    return ofType(Service.class);
  }

  ServiceAccount serviceAccount() {
    return ofType(ServiceAccount.class).stream().findFirst().orElse(null);
  }

  private <T> List<T> ofType(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
