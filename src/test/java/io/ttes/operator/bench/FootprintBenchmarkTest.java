package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapStep;
import io.ttes.operator.bootstrap.BootstrapSteps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's finished TenantBootstraps are finished for the operator: their step records are
 * the steps it plans for their spec, each Succeeded. Step names it does not plan made it plan and
 * run the whole bootstrap again on every start with the resources present.
 */
class FootprintBenchmarkTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFinishedBootstrapRecordsEveryPlannedStepAsSucceeded(boolean multiTenant) {
    TTESClusterSpec cluster = cluster(multiTenant);

    TenantBootstrap tb =
        SERIALIZATION.unmarshal(
            FootprintBenchmark.bootstrap("tenant-0001", "cluster-000", cluster),
            TenantBootstrap.class);

    assertThat(tb.getStatus().getPhase()).isEqualTo(BootstrapPhase.Succeeded);
    assertThat(tb.getStatus().getSteps())
        .extracting(Step::getName)
        .containsExactlyElementsOf(
            BootstrapSteps.plan(cluster, tb.getSpec()).stream().map(BootstrapStep::name).toList());
    assertThat(tb.getStatus().getSteps())
        .allSatisfy(
            s -> {
              assertThat(s.getPhase()).isEqualTo("Succeeded");
              assertThat(s.getOpsTask()).isNotBlank();
            });
    assertThat(tb.getStatus().getSteps())
        .filteredOn(s -> s.getName().equals(BootstrapSteps.IS_MIGRATE))
        .extracting(Step::getOpsTask, Step::getScope)
        .containsExactly(tuple("cluster-000-is-db-migrate", "cluster"));
  }

  private static TTESClusterSpec cluster(boolean multiTenant) {
    return SERIALIZATION
        .unmarshal(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: TTESCluster
            metadata: {name: cluster-000}
            spec:
              region: eu-west-1
              platform: ECS
              multiTenant: %s
              naming: {network: fp, environment: eu1, cluster: c1}
              domain: fp.example.com
              stacks: [{name: fp-eu1-c1-db, template: db}]
              ops: {ecs: {stack: fp-eu1-c1-ops}}
            """
                .formatted(multiTenant),
            TTESCluster.class)
        .getSpec();
  }
}
