package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.rollback through the whole operator (reconciler, conditions, events, the cluster's lock) on
 * {@link FakeAws}: three stacks, the third one's update fails and CloudFormation rolls it back.
 */
class RollbackOperatorTest {
  static final String VPC = "prod-1-1-vpc";
  static final String OPS = "prod-5-2-ecs-ops";
  static final String SERVICES = "prod-5-4-ecs-services";
  static final String URL = "https://templates.example/%s/%s.yml";
  static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";

  OperatorTestBed bed;
  FakeAws aws;

  @BeforeEach
  void setUp() {
    aws = StackUpgradeOperatorTest.newAws();
    bed =
        OperatorTestBed.builder()
            .namespace("ns")
            .aws(aws)
            .config(c -> c.withPolling(Duration.ofMillis(50), Duration.ofSeconds(1)))
            .clock(aws.clock())
            .clientPerStart()
            .notStarted()
            .start();
    stack(VPC, "1-1-vpc", Map.of("CidrBlock", "10.0.0.0/16"));
    stack(OPS, "5-2-ecs-ops", Map.of("Image", IMAGE + "3.33.1-aws"));
    stack(SERVICES, "5-4-ecs-services", Map.of("Image", IMAGE + "3.33.1-aws"));
    aws.stacks()
        .stack(OPS)
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    aws.changeSets()
        .changesFor(
            VPC,
            List.of(new ResourceChange("Modify", "Thing", "vpc-thing", "AWS::EC2::VPC", "False")));
    aws.stacks()
        .nextUpdateEnds(
            SERVICES, "UPDATE_ROLLBACK_COMPLETE", "Service", "AWS::ECS::Service", "'boom'");
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: prod, namespace: ns}
        spec:
          region: eu-west-1
          naming: {network: prod, environment: eu1, cluster: c1}
          stacks:
            - {name: prod-5-4-ecs-services, template: 5-4-ecs-services}
            - {name: prod-1-1-vpc, template: 1-1-vpc}
            - {name: prod-5-2-ecs-ops, template: 5-2-ecs-ops}
          ops: {ecs: {stack: prod-5-2-ecs-ops}}
          templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
        """,
        TTESCluster.class);
    bed.startOperator();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ConditionWriter.isReady(bed.get(TTESCluster.class, "prod").getStatus(), null));
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void rollbackOfAFailedUpgradeEndsRolledBackWithTheStacksAtTheirEarlierVersion() {
    bed.create(upgrade(), StackUpgrade.class);
    awaitPhase(UpgradePhase.Failed);
    assertThat(executed()).containsExactly(VPC, OPS, SERVICES);

    askForRollback();
    StackUpgrade done = awaitPhase(UpgradePhase.Succeeded);

    assertThat(executed()).containsExactly(VPC, OPS, SERVICES, OPS, VPC);
    Condition ready = ConditionWriter.find(done.getStatus(), "Ready");
    assertThat(ready.getReason()).isEqualTo(RollbackPlanner.ROLLED_BACK);
    assertThat(ready.getMessage()).contains("database migrations are not undone");
    assertThat(aws.stacks().stack(OPS).info().parameters())
        .containsEntry("Image", IMAGE + "3.33.1-aws");
    assertThat(bed.get(TTESCluster.class, "prod").getStatus().getActiveUpgrade()).isNull();
    assertThat(bed.events("up"))
        .anyMatch(
            e ->
                e.getReason().equals(RollbackPlanner.ROLLBACK_PLANNED)
                    && e.getMessage().contains("database migrations are not undone"));
    assertThat(aws.timeline().stream().filter(e -> e.startsWith("migration:")).count())
        .as("the forward upgrade's migrations only")
        .isEqualTo(5);
  }

  @Test
  void rollbackOnAnUpgradeNotFinishedStallsNamingTheFieldAndDoesNothing() {
    bed.create(upgrade() + "  rollback: true\n", StackUpgrade.class);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              StackUpgrade su = bed.get(StackUpgrade.class, "up");
              Condition stalled = ConditionWriter.find(su.getStatus(), "Stalled");
              assertThat(stalled).isNotNull();
              assertThat(stalled.getReason()).isEqualTo(PlanProblem.ROLLBACK_NOT_ALLOWED);
              assertThat(stalled.getMessage()).contains("spec.rollback");
            });
    assertThat(aws.calls().mutatingCalls()).isEmpty();
    assertThat(bed.events("up"))
        .anyMatch(
            e ->
                e.getType().equals("Warning")
                    && e.getReason().equals(PlanProblem.ROLLBACK_NOT_ALLOWED));
  }

  private void stack(String name, String template, Map<String, String> params) {
    var s = aws.stacks().stack(name).status("UPDATE_COMPLETE").tag("cost-center", "lora-1");
    params.forEach(s::parameter);
    List<TemplateParameter> declared =
        params.keySet().stream().map(k -> new TemplateParameter(k, null, false, null)).toList();
    for (String version : List.of("3.33.1", "3.33.2")) {
      aws.changeSets()
          .template(URL.formatted(version, template), new TemplateSummary(declared, List.of()));
    }
  }

  private static String upgrade() {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: up, namespace: ns}
        spec:
          clusterRef: {name: prod}
          targetVersion: 3.33.2
        """;
  }

  /** As {@code kubectl patch su up --type merge -p '{"spec":{"rollback":true}}'}. */
  private void askForRollback() {
    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace("ns")
        .withName("up")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
  }

  private StackUpgrade awaitPhase(UpgradePhase phase) {
    return bed.await(
        StackUpgrade.class,
        "up",
        Duration.ofSeconds(30),
        su -> su.getStatus() != null && su.getStatus().getPhase() == phase);
  }

  private List<String> executed() {
    return aws.timeline().stream()
        .filter(e -> e.startsWith("execute:"))
        .map(e -> e.split(":")[1])
        .toList();
  }
}
