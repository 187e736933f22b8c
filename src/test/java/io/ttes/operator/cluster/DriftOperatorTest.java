package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drift through the real operator against the in-process Kubernetes API and the in-memory AWS: the
 * first observation is the baseline, a parameter edited outside the operator makes the cluster
 * Drifted (Ready unchanged), a NoEcho parameter is never compared, a revert or an upgrade clears
 * it, and the upgrade's plan lists what it finds.
 */
class DriftOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  private static final String URL = "https://templates.example/{version}/{template}.yml";
  private static final String OPS = "prod-5-2-ecs-ops";
  private static final String SERVICES = "prod-5-4-ecs-services";

  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void setUp() {
    aws = new FakeAws(Clock.systemUTC());
    aws.changeSets().defaultChanges(FakeChangeSets::parameterDiff);
    aws.ecs().taskDefinition("ops", 1);
    aws.stacks()
        .stack(OPS)
        .status("UPDATE_COMPLETE")
        .parameter("Image", IMAGE + "3.33.1-aws")
        .parameter("OpsTaskMemory", "1024")
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    aws.stacks()
        .stack(SERVICES)
        .status("UPDATE_COMPLETE")
        .parameter("Image", IMAGE + "3.33.1-aws")
        .noEchoParameter("DbPassword", "first-secret");
    for (String template : List.of("5-2-ecs-ops", "5-4-ecs-services")) {
      String stack = "prod-" + template;
      List<TemplateParameter> declared =
          aws.stacks().stack(stack).info().parameters().keySet().stream()
              .map(k -> new TemplateParameter(k, null, k.equals("DbPassword"), null))
              .toList();
      aws.changeSets()
          .template(
              URL.replace("{version}", "3.33.2").replace("{template}", template),
              new TemplateSummary(declared, List.of()));
    }
    bed =
        OperatorTestBed.builder()
            .namespace("ns")
            .aws(aws)
            .config(c -> c.withPolling(Duration.ofMillis(50), Duration.ofSeconds(1)))
            .clock(aws.clock())
            .start();
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: prod, namespace: ns}
        spec:
          region: eu-west-1
          naming: {network: prod, environment: eu1, cluster: c1}
          stacks:
            - {name: prod-5-2-ecs-ops, template: 5-2-ecs-ops}
            - {name: prod-5-4-ecs-services, template: 5-4-ecs-services}
          ops: {ecs: {stack: prod-5-2-ecs-ops}}
          templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
        """,
        TTESCluster.class);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TTESCluster c = cluster();
              assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
              assertThat(c.getStatus().getApplied()).hasSize(2);
              assertThat(drifted(c).getStatus()).isEqualTo("False");
            });
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void theFirstObservationIsTheBaselineWithoutNoEchoValues() {
    TTESCluster c = cluster();
    assertThat(c.getStatus().getApplied())
        .extracting(AppliedStack::getName, AppliedStack::getVersion, AppliedStack::getSource)
        .containsExactlyInAnyOrder(
            tuple(OPS, "3.33.1", "FirstObservation"),
            tuple(SERVICES, "3.33.1", "FirstObservation"));
    assertThat(applied(c, SERVICES).getParameters()).containsOnlyKeys("Image");
    assertThat(drifted(c).getReason()).isEqualTo("InSync");
    assertThat(c.getStatus().getDrift()).isEmpty();
  }

  @Test
  void aParameterEditedOutsideTheOperatorIsDriftNamedInStatusAndAnEventUntilReverted() {
    aws.stacks().stack(OPS).parameter("OpsTaskMemory", "2048");
    // A NoEcho value changed too: CloudFormation shows it masked, so nothing is said about it.
    aws.stacks().stack(SERVICES).noEchoParameter("DbPassword", "second-secret");

    TTESCluster c = awaitDrifted("True");
    assertThat(drifted(c).getReason()).isEqualTo("ParametersChanged");
    assertThat(drifted(c).getMessage()).contains("stack " + OPS + ": OpsTaskMemory 1024 → 2048");
    assertThat(drifted(c).getMessage()).doesNotContain(SERVICES, "secret");
    assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
    assertThat(c.getStatus().getDrift()).hasSize(1);
    assertThat(c.getStatus().getDrift().get(0).getParameters())
        .extracting(ParameterDrift::getName, ParameterDrift::getApplied, ParameterDrift::getCurrent)
        .containsExactly(tuple("OpsTaskMemory", "1024", "2048"));
    await().atMost(WAIT).until(() -> events("Drifted").size() == 1);
    assertThat(events("Drifted").get(0).getMessage()).contains("OpsTaskMemory 1024 → 2048");
    assertThat(events("Drifted").get(0).getType()).isEqualTo("Warning");

    aws.stacks().stack(OPS).parameter("OpsTaskMemory", "1024");

    c = awaitDrifted("False");
    assertThat(c.getStatus().getDrift()).isEmpty();
    await().atMost(WAIT).until(() -> events("DriftResolved").size() == 1);
    // One event per change of the drifted set, not one per poll.
    assertThat(events("Drifted")).hasSize(1);
    assertThat(events("Drifted").get(0).getCount()).isEqualTo(1);
  }

  @Test
  void theNextUpgradeListsTheDriftInItsPlanAndRecordsWhatItAppliedAsTheBaseline() {
    aws.stacks().stack(OPS).parameter("OpsTaskMemory", "2048");
    awaitDrifted("True");

    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: to-3-33-2, namespace: ns}
        spec:
          clusterRef: {name: prod}
          targetVersion: 3.33.2
        """,
        StackUpgrade.class);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              StackUpgrade su = bed.get(StackUpgrade.class, "to-3-33-2");
              return su.getStatus() != null && su.getStatus().getPhase() == UpgradePhase.Succeeded;
            });

    StackUpgrade su = bed.get(StackUpgrade.class, "to-3-33-2");
    assertThat(su.getStatus().getPlan().getDrift())
        .extracting(
            PlannedDrift::getStack,
            PlannedDrift::getParameter,
            PlannedDrift::getApplied,
            PlannedDrift::getCurrent,
            PlannedDrift::getPlanned,
            PlannedDrift::getOutcome)
        .containsExactly(tuple(OPS, "OpsTaskMemory", "1024", "2048", "2048", "Kept"));
    TTESCluster c = awaitDrifted("False");
    assertThat(applied(c, OPS).getSource()).isEqualTo("StackUpgrade/to-3-33-2");
    assertThat(applied(c, OPS).getVersion()).isEqualTo("3.33.2");
    assertThat(applied(c, OPS).getParameters()).containsEntry("OpsTaskMemory", "2048");
    assertThat(c.getStatus().getDrift()).isEmpty();
  }

  @Test
  void driftDetectionReportsResourcesCloudFormationFindsDrifted() {
    aws.stacks().drift().resourceDrifted(SERVICES, "Service", "AWS::ECS::Service", "MODIFIED");
    editDriftDetection("1h");

    TTESCluster c = awaitDrifted("True");
    assertThat(drifted(c).getReason()).isEqualTo("ResourcesDrifted");
    assertThat(drifted(c).getMessage())
        .contains("stack " + SERVICES + ": resource Service MODIFIED");
    assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
    assertThat(c.getStatus().getDriftDetection().getStacks())
        .extracting(s -> s.getName(), s -> s.getStackDriftStatus())
        .containsExactly(tuple(OPS, "IN_SYNC"), tuple(SERVICES, "DRIFTED"));
    // One run per interval: every stack detected once, nothing changed on them.
    assertThat(aws.stacks().drift().detectedStacks()).containsExactly(OPS, SERVICES);
    assertThat(aws.calls().mutatingCalls()).isEmpty();
  }

  @Test
  void aBadIntervalStallsNamingTheField() {
    editDriftDetection("30s");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition stalled =
                  ConditionWriter.find(cluster().getStatus(), ConditionTypes.STALLED);
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getReason()).isEqualTo("InvalidSpec");
              assertThat(stalled.getMessage()).contains("spec.driftDetection.interval");
            });
    assertThat(aws.stacks().drift().detectedStacks()).isEmpty();
  }

  // ---- helpers

  private void editDriftDetection(String interval) {
    bed.client()
        .resources(TTESCluster.class)
        .inNamespace("ns")
        .withName("prod")
        .edit(
            c -> {
              c.getSpec().setDriftDetection(new TTESClusterSpec.DriftDetection(interval));
              return c;
            });
  }

  private TTESCluster cluster() {
    return bed.get(TTESCluster.class, "prod");
  }

  private TTESCluster awaitDrifted(String status) {
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(drifted(cluster()).getStatus()).isEqualTo(status));
    return cluster();
  }

  private static Condition drifted(TTESCluster c) {
    Condition d = ConditionWriter.find(c.getStatus(), ConditionTypes.DRIFTED);
    assertThat(d).as("Drifted condition in %s", c.getStatus().getConditions()).isNotNull();
    return d;
  }

  private static AppliedStack applied(TTESCluster c, String stack) {
    return c.getStatus().getApplied().stream()
        .filter(a -> stack.equals(a.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no baseline for " + stack));
  }

  private List<Event> events(String reason) {
    return bed.events("prod").stream().filter(e -> reason.equals(e.getReason())).toList();
  }
}
