package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drift baseline, the Drifted condition and its events never hold a NoEcho value, also when
 * DescribeStacks answers it unmasked (as moto 5.2.1 does): which parameters are NoEcho comes from
 * the stack's template (GetTemplateSummary by stack name, read once per stack and template), and a
 * baseline stored with a NoEcho value by an older version loses it on the next observation.
 */
class NoEchoDriftTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  private static final String URL = "https://templates.example/{version}/{template}.yml";
  private static final String OPS = "prod-5-2-ecs-ops";
  private static final String SERVICES = "prod-5-4-ecs-services";
  private static final String SECRET = "first-s3cret-value";
  private static final String SECOND = "second-s3cret-value";

  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void setUp() {
    aws = new FakeAws(Clock.systemUTC());
    aws.stacks().answerNoEchoUnmasked();
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
        .noEchoParameter("CookieHashKey", SECRET);
    for (String template : List.of("5-2-ecs-ops", "5-4-ecs-services")) {
      List<TemplateParameter> declared =
          aws.stacks().stack("prod-" + template).info().parameters().keySet().stream()
              .map(k -> new TemplateParameter(k, null, k.equals("CookieHashKey"), null))
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
  void anUnmaskedNoEchoValueReachesNeitherTheBaselineNorTheDriftConditionNorEvents() {
    assertThat(applied(cluster(), SERVICES).getParameters()).containsOnlyKeys("Image");
    assertThat(statusJson()).doesNotContain(SECRET);

    aws.stacks().stack(SERVICES).noEchoParameter("CookieHashKey", SECOND);
    aws.stacks().stack(OPS).parameter("OpsTaskMemory", "2048");

    TTESCluster c = awaitDrifted("True");
    assertThat(drifted(c).getMessage())
        .contains("stack " + OPS + ": OpsTaskMemory 1024 → 2048")
        .doesNotContain("CookieHashKey", SECRET, SECOND, SERVICES);
    assertThat(statusJson()).doesNotContain(SECRET, SECOND);
    await().atMost(WAIT).until(() -> !bed.events("prod").isEmpty());
    for (Event e : bed.events("prod")) {
      assertThat(e.getMessage()).doesNotContain(SECRET, SECOND);
    }
  }

  @Test
  void aBaselineStoredWithANoEchoValueLosesItOnTheNextObservation() {
    // As the older version wrote it on an answer that did not mask the value.
    AppliedStack old = new AppliedStack();
    old.setName(SERVICES);
    old.setVersion("3.33.1");
    old.setParameters(
        new LinkedHashMap<>(Map.of("Image", IMAGE + "3.33.1-aws", "CookieHashKey", SECRET)));
    old.setSource("FirstObservation");
    old.setRecordedAt("2025-01-01T00:00:00Z");
    new DriftBaseline(bed.client()).record("ns", "prod", old);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(applied(cluster(), SERVICES).getParameters()).containsOnlyKeys("Image"));
    assertThat(statusJson()).doesNotContain(SECRET);
    assertThat(drifted(cluster()).getStatus()).isEqualTo("False");
  }

  @Test
  void theNoEchoKeysOfAStackAreReadOncePerTemplateNotEveryPoll() {
    int reads = aws.stacks().readsByStack().get(OPS);
    // Two more full reads of the stacks: two more observations of the unchanged cluster.
    await().atMost(WAIT).until(() -> aws.stacks().readsByStack().get(OPS) >= reads + 2);
    assertThat(aws.calls().count(FakeChangeSets.GET_TEMPLATE_SUMMARY)).isEqualTo(2);
  }

  @Test
  void aStackWhoseNoEchoKeysCannotBeReadIsNeitherAdoptedNorComparedAndReadyStays() {
    aws.calls()
        .failAlways(
            FakeChangeSets.GET_TEMPLATE_SUMMARY,
            CallLog.accessDenied(FakeChangeSets.GET_TEMPLATE_SUMMARY));
    aws.stacks()
        .stack("other-5-2-ecs-ops")
        .status("UPDATE_COMPLETE")
        .parameter("Image", IMAGE + "3.33.1-aws")
        .noEchoParameter("OpsSecret", SECRET)
        .output(
            "OpsRunTaskArguments",
            "ops c1 subnet-0123456789abcdef0 subnet-0123456789abcdef1 sg-0123456789abcdef0");
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: other, namespace: ns}
        spec:
          region: eu-west-1
          naming: {network: other, environment: eu1, cluster: c1}
          stacks:
            - {name: other-5-2-ecs-ops, template: 5-2-ecs-ops}
          ops: {ecs: {stack: other-5-2-ecs-ops}}
          templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
        """,
        TTESCluster.class);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TTESCluster c = bed.get(TTESCluster.class, "other");
              assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
              assertThat(drifted(c).getReason()).isEqualTo("NotCompared");
              assertThat(drifted(c).getMessage())
                  .contains("other-5-2-ecs-ops", "GetTemplateSummary");
            });
    TTESCluster c = bed.get(TTESCluster.class, "other");
    assertThat(c.getStatus().getApplied()).isEmpty();
    assertThat(bed.client().getKubernetesSerialization().asJson(c.getStatus()))
        .doesNotContain(SECRET);

    aws.calls().clearFailures();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TTESCluster now = bed.get(TTESCluster.class, "other");
              assertThat(applied(now, "other-5-2-ecs-ops").getParameters())
                  .containsOnlyKeys("Image");
              assertThat(drifted(now).getReason()).isEqualTo("InSync");
            });
  }

  @Test
  void anUpgradeRecordsItsBaselineWithoutTheNoEchoValue() {
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

    AppliedStack services = applied(cluster(), SERVICES);
    assertThat(services.getSource()).isEqualTo("StackUpgrade/to-3-33-2");
    assertThat(services.getParameters()).containsOnlyKeys("Image");
    assertThat(statusJson()).doesNotContain(SECRET);
  }

  // ---- helpers

  private String statusJson() {
    return bed.client().getKubernetesSerialization().asJson(cluster().getStatus());
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
}
