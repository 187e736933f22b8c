package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.CustomResource;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TenantBootstrap or StackUpgrade applied together with its TTESCluster (one {@code kubectl
 * apply}, the referencing resource first) is reconciled before the cluster is in the operator's
 * cache. It waits for the cluster (Reconciling WaitingForCluster, no Warning event) and converges
 * once the cluster is there; a cluster that never comes is Stalled ClusterNotFound after the grace.
 */
class AppliedWithItsClusterOperatorIT {
  private static final String NS = "together";
  private static final String CLUSTER = "prod-eu1";
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    aws = new FakeAws();
    FakeDeployment.seed(aws, CLUSTER, "3.33.1");
    bed = new OperatorTestBed(NS, aws);
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void aBootstrapAppliedBeforeItsClusterWaitsForItAndSucceedsWithoutAWarning() {
    bed.secret("acme-admin", Map.of("password", "admin-pw-marker-0d1e"));
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: acme}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: acme, name: ACME Corp}
          admin:
            email: admin@acme.example
            passwordSecretRef: {name: acme-admin, key: password}
        """,
        TenantBootstrap.class);
    appliedBeforeItsCluster(
        TenantBootstrap.class,
        "acme",
        tb -> tb.getStatus().getPhase() == BootstrapPhase.Pending,
        tb -> tb.getStatus().getPhase() == BootstrapPhase.Succeeded);
  }

  @Test
  void anUpgradeAppliedBeforeItsClusterWaitsForItAndFinishesWithoutAWarning() {
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: same}
        spec:
          clusterRef: {name: prod-eu1}
          targetVersion: 3.33.1
          approval: Automatic
        """,
        StackUpgrade.class);
    appliedBeforeItsCluster(
        StackUpgrade.class,
        "same",
        su -> su.getStatus().getPhase() == UpgradePhase.Pending,
        su -> su.getStatus().getPhase() == UpgradePhase.Succeeded);
  }

  @Test
  void aClusterThatNeverComesStallsAfterTheGraceWithOneWarningNamingTheField() {
    TenantBootstrap created =
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: TenantBootstrap
            metadata: {name: lost}
            spec:
              clusterRef: {name: nowhere}
              tenant: {id: lost}
            """,
            TenantBootstrap.class);
    bed.await(TenantBootstrap.class, "lost", CONVERGE, tb -> waitingToAppear(tb.getStatus()));

    TenantBootstrap stalled =
        bed.await(
            TenantBootstrap.class,
            "lost",
            CONVERGE,
            tb -> "True".equals(OperatorTestBed.condition(tb.getStatus(), "Stalled", false)));

    var condition = ConditionWriter.find(stalled.getStatus(), "Stalled");
    assertThat(condition.getReason()).isEqualTo("ClusterNotFound");
    assertThat(condition.getMessage()).startsWith("spec.clusterRef.name: TTESCluster nowhere");
    Duration waited =
        Duration.between(
            Instant.parse(created.getMetadata().getCreationTimestamp()),
            Instant.parse(condition.getLastTransitionTime()));
    // Both times are in whole seconds.
    assertThat(waited).isGreaterThanOrEqualTo(ReferencedCluster.GRACE.minusSeconds(1));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> bed.events("lost").stream().anyMatch(AppliedWithItsClusterOperatorIT::warning));
    // Stalled stays Stalled: the bootstrap is looked at again, and says it once.
    bed.client()
        .resources(TenantBootstrap.class)
        .inNamespace(NS)
        .withName("lost")
        .edit(
            tb -> {
              tb.getMetadata().setLabels(Map.of("touched", "yes"));
              return tb;
            });
    sleep(Duration.ofSeconds(2));
    assertThat(bed.events("lost"))
        .filteredOn(AppliedWithItsClusterOperatorIT::warning)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo("ClusterNotFound");
              assertThat(e.getCount()).isEqualTo(1);
            });
  }

  /**
   * The resource, created already, waits for its cluster to appear (in {@code pending}), then the
   * cluster is created and the resource gets {@code done}; it never had a Warning event.
   */
  private <T extends CustomResource<?, ? extends KindStatus>> void appliedBeforeItsCluster(
      Class<T> type, String name, Predicate<T> pending, Predicate<T> done) {
    T waiting = bed.await(type, name, CONVERGE, r -> waitingToAppear(r.getStatus()));
    assertThat(pending.test(waiting)).as(name + " pending while it waits").isTrue();

    createCluster();

    bed.await(type, name, CONVERGE, r -> r.getStatus() != null && done.test(r));
    assertThat(bed.events(name)).noneMatch(AppliedWithItsClusterOperatorIT::warning);
  }

  private void createCluster() {
    FakeDeployment.create(bed.client(), NS, FakeDeployment.clusterYaml(CLUSTER, CLUSTER, true, 4));
  }

  private static boolean waitingToAppear(KindStatus status) {
    var reconciling = ConditionWriter.find(status, "Reconciling");
    return reconciling != null
        && "True".equals(reconciling.getStatus())
        && "WaitingForCluster".equals(reconciling.getReason())
        && reconciling.getMessage().contains("to appear in namespace " + NS);
  }

  private static boolean warning(Event e) {
    return "Warning".equals(e.getType());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
