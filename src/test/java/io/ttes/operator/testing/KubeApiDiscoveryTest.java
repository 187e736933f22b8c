package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.APIResource;
import org.junit.jupiter.api.Test;

/** The in-process API describes itself as a real one does, so discovering clients can use it. */
class KubeApiDiscoveryTest {
  @Test
  void servesVersionGroupsAndResources() {
    try (KubeApi api = KubeApi.start()) {
      var client = api.client();
      assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v1.30.0");
      assertThat(client.getApiGroups().getGroups())
          .extracting(g -> g.getName())
          .contains("ops.ttes.io", "coordination.k8s.io");
      assertThat(client.getApiResources("ops.ttes.io/v1alpha1").getResources())
          .filteredOn(r -> r.getName().equals("ttesclusters"))
          .singleElement()
          .satisfies(
              (APIResource r) -> {
                assertThat(r.getKind()).isEqualTo("TTESCluster");
                assertThat(r.getShortNames()).containsExactly("ttc");
                assertThat(r.getVerbs()).contains("get", "list", "watch");
              });
      assertThat(client.getApiResources("v1").getResources())
          .extracting(APIResource::getName)
          .contains("secrets", "events");
      // The store behind it still works: discovery did not shadow real objects.
      api.createNamespace("d");
      assertThat(client.namespaces().withName("d").get()).isNotNull();
    }
  }
}
