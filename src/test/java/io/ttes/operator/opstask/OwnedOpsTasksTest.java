package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.testing.KubeApi;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The owners' informers watch only the OpsTasks labelled with their kind: every task {@link
 * OwnedOpsTasks#ensure} creates is selected by its owner kind's selector, and neither selector
 * takes a task a person created or one of the other kind.
 */
class OwnedOpsTasksTest {
  private final KubeApi api = KubeApi.start();
  private final KubernetesClient client = api.client();

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void eachOwnerKindsSelectorTakesExactlyTheTasksEnsureCreatedForIt() {
    api.createNamespace("ns");
    OwnedOpsTasks owned = new OwnedOpsTasks(client);
    owned.ensure(owner(new StackUpgrade(), "up"), request("migrate-1"));
    owned.ensure(owner(new TenantBootstrap(), "acme"), request("tenant-acme"));
    OpsTask byHand = new OpsTask();
    byHand.setMetadata(new ObjectMetaBuilder().withName("by-hand").withNamespace("ns").build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef("prod"));
    spec.setCommand(List.of("tti-lw-stack", "is-db", "migrate"));
    byHand.setSpec(spec);
    client.resource(byHand).create();

    assertThat(names(OwnedOpsTasks.ownedBy(StackUpgrade.class))).containsExactly("migrate-1");
    assertThat(names(OwnedOpsTasks.ownedBy(TenantBootstrap.class))).containsExactly("tenant-acme");
  }

  private List<String> names(String selector) {
    return client
        .resources(OpsTask.class)
        .inNamespace("ns")
        .withLabelSelector(selector)
        .list()
        .getItems()
        .stream()
        .map(t -> t.getMetadata().getName())
        .toList();
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T owner(T o, String name) {
    o.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid(name + "-uid").build());
    return o;
  }

  private static OwnedOpsTasks.Request request(String name) {
    return new OwnedOpsTasks.Request(
        "ns", name, "prod", List.of("tti-lw-stack", "is-db", "migrate"), List.of(), null, Map.of());
  }
}
