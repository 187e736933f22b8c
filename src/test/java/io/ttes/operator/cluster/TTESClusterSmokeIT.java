package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.EcsTasks;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.testing.OperatorTestBed;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TTESClusterSmokeIT {
  @Test
  void clusterBecomesReady() throws Exception {
    Stacks stacks =
        new Stacks() {
          @Override
          public Map<String, StackInfo> describe(Collection<String> names) {
            return Map.of(
                "s-5-2-ecs-ops",
                new StackInfo(
                    "s-5-2-ecs-ops",
                    "id",
                    "CREATE_COMPLETE",
                    null,
                    Instant.parse("2026-01-01T00:00:00Z"),
                    Map.of("Image", "docker.io/thethingsindustries/lorawan-stack:3.33.1-aws"),
                    Map.of(
                        "OpsRunTaskArguments",
                        "ops-td c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1"
                            + " sg-0123456789abcdef0"),
                    Map.of()));
          }

          @Override
          public List<StackEvent> events(String stackName, int max) {
            return List.of();
          }
        };
    EcsTasks ecs =
        (EcsTasks)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {EcsTasks.class},
                (p, m, a) -> m.getName().equals("latestActiveRevision") ? "arn:td:ops-td:7" : null);
    // The drift baseline reads which parameters the stack's template declares NoEcho: none here.
    ChangeSets changeSets =
        (ChangeSets)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {ChangeSets.class},
                (p, m, a) ->
                    m.getName().equals("stackTemplateSummary")
                        ? new ChangeSets.TemplateSummary(List.of(), List.of())
                        : null);
    AwsServices services =
        (AwsServices)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {AwsServices.class},
                (p, m, a) ->
                    switch (m.getName()) {
                      case "stacks" -> stacks;
                      case "ecs" -> ecs;
                      case "changeSets" -> changeSets;
                      default -> null;
                    });
    AwsServicesFactory factory = t -> services;
    try (OperatorTestBed bed =
        OperatorTestBed.builder().namespace("ns").aws(factory).notStarted().start()) {
      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: TTESCluster
          metadata: {name: prod, namespace: ns}
          spec:
            region: eu-west-1
            naming: {network: prod, environment: eu1, cluster: c1}
            stacks: [{name: s-5-2-ecs-ops, template: 5-2-ecs-ops}]
            ops: {ecs: {stack: s-5-2-ecs-ops}}
          """,
          TTESCluster.class);
      bed.startOperator();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                TTESCluster got = bed.get(TTESCluster.class, "prod");
                assertThat(got.getStatus()).isNotNull();
                assertThat(got.getStatus().getVersion()).isEqualTo("3.33.1");
                assertThat(got.getStatus().getOps().getTaskDefinition())
                    .isEqualTo("arn:td:ops-td:7");
                assertThat(
                        Optional.ofNullable(
                                io.ttes.operator.status.ConditionWriter.find(
                                    got.getStatus(), "Ready"))
                            .map(x -> x.getStatus()))
                    .contains("True");
              });
    }
  }
}
