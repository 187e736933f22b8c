package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.status.Outcome;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A cluster applied together with the resource that references it is waited for, briefly. */
class ReferencedClusterTest {
  private static final Instant CREATED = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void aResourceYoungerThanTheGraceWaitsAnOlderOneIsNot() {
    TenantBootstrap tb = created(CREATED.toString());
    assertThat(ReferencedCluster.withinGrace(tb, CREATED)).isTrue();
    assertThat(ReferencedCluster.withinGrace(tb, CREATED.plusSeconds(9))).isTrue();
    assertThat(ReferencedCluster.withinGrace(tb, CREATED.plus(ReferencedCluster.GRACE))).isFalse();
    assertThat(ReferencedCluster.withinGrace(tb, CREATED.plusSeconds(3600))).isFalse();
  }

  @Test
  void anApiServerClockAheadOfOursIsWithinTheGraceAFarOffOneAndNoTimeAreNot() {
    assertThat(ReferencedCluster.withinGrace(created(CREATED.toString()), CREATED.minusSeconds(2)))
        .isTrue();
    assertThat(
            ReferencedCluster.withinGrace(created(CREATED.toString()), CREATED.minusSeconds(86400)))
        .isFalse();
    assertThat(ReferencedCluster.withinGrace(created(null), CREATED)).isFalse();
    assertThat(ReferencedCluster.withinGrace(created("yesterday"), CREATED)).isFalse();
  }

  @Test
  void waitingIsReconcilingAndNamesTheCluster() {
    Outcome o = ReferencedCluster.waiting("ns", "prod-eu1");
    assertThat(o.state()).isEqualTo(Outcome.State.RECONCILING);
    assertThat(o.reason()).isEqualTo("WaitingForCluster");
    assertThat(o.message()).isEqualTo("waiting for TTESCluster prod-eu1 to appear in namespace ns");
  }

  private static TenantBootstrap created(String timestamp) {
    TenantBootstrap tb = new TenantBootstrap();
    tb.setMetadata(
        new ObjectMetaBuilder()
            .withName("acme")
            .withNamespace("ns")
            .withCreationTimestamp(timestamp)
            .build());
    return tb;
  }
}
