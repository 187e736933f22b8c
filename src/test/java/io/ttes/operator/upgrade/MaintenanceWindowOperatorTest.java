package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.RunningOperator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The running operator with a test clock: an upgrade created outside its maintenance window plans,
 * says when the window opens, executes nothing, and runs to the end once the clock reaches it.
 */
class MaintenanceWindowOperatorTest {
  static final String NS = "ns";
  static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  static final String OPS = "prod-5-2-ecs-ops";
  static final String SERVICES = "prod-5-4-ecs-services";

  final MutableClock clock = MutableClock.at("2026-12-02T17:00:00Z");
  final KubeApi api = KubeApi.start();
  final KubernetesClient client = api.client();
  FakeAws aws;
  TtesOperator operator;

  @AfterEach
  void tearDown() {
    if (operator != null) {
      operator.close();
    }
    api.close();
  }

  @Test
  void anUpgradeCreatedOutsideItsWindowExecutesNothingUntilTheWindowOpens() {
    aws = StackUpgradeOperatorTest.newAws();
    stack(OPS, Map.of("Image", IMAGE + "3.33.1-aws"));
    stack(SERVICES, Map.of("Image", IMAGE + "3.33.1-aws"));
    aws.stacks()
        .stack(OPS)
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    api.createNamespace(NS);
    operator = RunningOperator.start(client, aws, RunningOperator.testConfig(), clock);
    create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: prod}
        spec:
          region: eu-west-1
          naming: {network: prod, environment: eu1, cluster: c1}
          stacks:
            - {name: prod-5-4-ecs-services, template: 5-4-ecs-services}
            - {name: prod-5-2-ecs-ops, template: 5-2-ecs-ops}
          ops: {ecs: {stack: prod-5-2-ecs-ops}}
          templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
        """,
        TTESCluster.class);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> get(TTESCluster.class, "prod"),
            c -> ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()));
    create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: up}
        spec:
          clusterRef: {name: prod}
          targetVersion: 3.33.2
          window: {days: [Saturday], start: "03:00", duration: 1h, timeZone: Europe/Amsterdam}
        """,
        StackUpgrade.class);

    StackUpgrade waiting =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get(StackUpgrade.class, "up"),
                su ->
                    su.getStatus() != null
                        && UpgradeReasons.OUTSIDE_WINDOW.equals(
                            ConditionWriter.find(su.getStatus(), "Reconciling") == null
                                ? null
                                : ConditionWriter.find(su.getStatus(), "Reconciling").getReason()));
    // 03:00 in Amsterdam in December is 02:00 UTC.
    assertThat(waiting.getStatus().getWindow().getNextOpening()).isEqualTo("2026-12-05T02:00:00Z");
    assertThat(ConditionWriter.find(waiting.getStatus(), "Reconciling").getMessage())
        .contains("opens at 2026-12-05T02:00:00Z");
    assertThat(waiting.getStatus().getPlan().getHash()).isNotBlank();
    // A few slow polls (2 s here) later: still nothing executed, still one event.
    sleep(Duration.ofSeconds(5));
    assertThat(aws.calls().count(FakeChangeSets.EXECUTE_CHANGE_SET)).isZero();
    assertThat(outsideWindowEvents()).hasSize(1);
    assertThat(outsideWindowEvents().get(0).getCount()).isEqualTo(1);
    assertThat(outsideWindowEvents().get(0).getType()).isEqualTo("Normal");

    clock.set(Instant.parse("2026-12-05T02:00:00Z"));
    StackUpgrade done =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get(StackUpgrade.class, "up"),
                su -> {
                  // The fake ECS tasks of the migrations end as the clock moves (still inside).
                  clock.advance(Duration.ofSeconds(5));
                  return su.getStatus().getPhase() == UpgradePhase.Succeeded;
                });
    assertThat(aws.calls().count(FakeChangeSets.EXECUTE_CHANGE_SET)).isEqualTo(2);
    assertThat(done.getStatus().getWindow()).isNull();
  }

  private List<Event> outsideWindowEvents() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> UpgradeReasons.OUTSIDE_WINDOW.equals(e.getReason()))
        .toList();
  }

  private void stack(String name, Map<String, String> params) {
    var s = aws.stacks().stack(name).status("UPDATE_COMPLETE");
    params.forEach(s::parameter);
    s.tag("cost-center", "lora-1").resource("Thing", "AWS::SSM::Parameter");
    aws.changeSets()
        .template(
            "https://templates.example/3.33.2/" + name.substring("prod-".length()) + ".yml",
            new TemplateSummary(
                params.keySet().stream()
                    .map(k -> new TemplateParameter(k, null, false, null))
                    .toList(),
                List.of("CAPABILITY_IAM")));
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void create(
      String yaml, Class<T> type) {
    T obj = client.getKubernetesSerialization().unmarshal(yaml, type);
    client.resources(type).inNamespace(NS).resource(obj).create();
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(Class<T> type, String n) {
    return client.resources(type).inNamespace(NS).withName(n).get();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
