package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.TtesVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterPlannerTest {
  private static final String STACK = "prod-eu1-5-2-ecs-ops";
  private static final TtesVersion TARGET = TtesVersion.parse("3.33.2").orElseThrow();

  private final ParameterPlanner planner = new ParameterPlanner();

  private static TemplateParameter param(String key) {
    return new TemplateParameter(key, null, false, null);
  }

  private static TemplateParameter param(String key, String defaultValue) {
    return new TemplateParameter(key, defaultValue, false, null);
  }

  private static TemplateParameter secret(String key) {
    return new TemplateParameter(key, null, true, null);
  }

  private static TemplateSummary template(TemplateParameter... params) {
    return new TemplateSummary(List.of(params), List.of("CAPABILITY_IAM"));
  }

  private static StackInfo stack(Map<String, String> params) {
    return new StackInfo(
        STACK, "arn:stack", "UPDATE_COMPLETE", null, null, params, Map.of(), Map.of());
  }

  private static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void keepsPreviousValuesWithUsePreviousValueAndListsNothingForThem() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Network"), secret("DatabasePassword")),
            stack(map("Network", "prod", "DatabasePassword", "****")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.ok()).isTrue();
    assertThat(plan.values()).isEmpty();
    assertThat(plan.usePreviousValue()).containsExactly("Network", "DatabasePassword");
    assertThat(plan.changes()).isEmpty();
    assertThat(plan.noEcho()).containsExactly("DatabasePassword");
  }

  @Test
  void movesEveryTtesImageToTheTargetKeepingRepositoryAndSuffix() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Image"), param("ProxyImage"), param("PrometheusImage"), param("Other")),
            stack(
                map(
                    "Image", "docker.io/thethingsindustries/lorawan-stack:3.33.1-aws",
                    "ProxyImage", "thethingsindustries/lorawan-stack:3.32.0-aws-proxy",
                    "PrometheusImage",
                        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thethingsindustries/"
                            + "lorawan-stack:3.33.1-aws-prometheus",
                    "Other", "nginx:1.25")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.values())
        .containsExactly(
            Map.entry("Image", "docker.io/thethingsindustries/lorawan-stack:3.33.2-aws"),
            Map.entry("ProxyImage", "thethingsindustries/lorawan-stack:3.33.2-aws-proxy"),
            Map.entry(
                "PrometheusImage",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thethingsindustries/"
                    + "lorawan-stack:3.33.2-aws-prometheus"));
    assertThat(plan.usePreviousValue()).containsExactly("Other");
    assertThat(plan.changes())
        .extracting(ParameterChange::getKey, ParameterChange::getFrom, ParameterChange::getSource)
        .containsExactly(
            tuple("Image", "docker.io/thethingsindustries/lorawan-stack:3.33.1-aws", "Image"),
            tuple("ProxyImage", "thethingsindustries/lorawan-stack:3.32.0-aws-proxy", "Image"),
            tuple(
                "PrometheusImage",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thethingsindustries/"
                    + "lorawan-stack:3.33.1-aws-prometheus",
                "Image"));
  }

  @Test
  void imageAlreadyAtTargetIsKept() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Image")),
            stack(map("Image", "thethingsindustries/lorawan-stack:3.33.2-aws")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.usePreviousValue()).containsExactly("Image");
    assertThat(plan.changes()).isEmpty();
  }

  @Test
  void overridesBeatImageMovesAndPerStackBeatsGlobal() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Image"), param("EnableUDPGSRateLimiting"), param("LogLevel")),
            stack(
                map(
                    "Image", "thethingsindustries/lorawan-stack:3.33.1-aws",
                    "EnableUDPGSRateLimiting", "true",
                    "LogLevel", "info")),
            TARGET,
            map("EnableUDPGSRateLimiting", "false", "LogLevel", "warn", "NotDeclaredHere", "x"),
            map("Image", "registry.example/ttes:custom", "LogLevel", "debug"));

    assertThat(plan.ok()).isTrue();
    assertThat(plan.values())
        .containsExactly(
            Map.entry("Image", "registry.example/ttes:custom"),
            Map.entry("EnableUDPGSRateLimiting", "false"),
            Map.entry("LogLevel", "debug"));
    assertThat(plan.usePreviousValue()).isEmpty();
    assertThat(plan.changes())
        .extracting(ParameterChange::getKey, ParameterChange::getTo, ParameterChange::getSource)
        .containsExactly(
            tuple("Image", "registry.example/ttes:custom", "Override"),
            tuple("EnableUDPGSRateLimiting", "false", "Override"),
            tuple("LogLevel", "debug", "Override"));
  }

  @Test
  void overrideEqualToTheCurrentValueIsSentButNotListed() {
    ParameterPlan plan =
        planner.plan(
            STACK, template(param("A")), stack(map("A", "1")), TARGET, Map.of("A", "1"), Map.of());

    assertThat(plan.values()).containsExactly(Map.entry("A", "1"));
    assertThat(plan.changes()).isEmpty();
  }

  @Test
  void newParameterTakesItsDefaultIncludingANewImageParameter() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(
                param("Old"),
                param("NewFlag", "false"),
                param("NewImage", "thethingsindustries/lorawan-stack:3.33.2-aws-tbs")),
            stack(map("Old", "x")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.ok()).isTrue();
    assertThat(plan.values())
        .containsExactly(
            Map.entry("NewFlag", "false"),
            Map.entry("NewImage", "thethingsindustries/lorawan-stack:3.33.2-aws-tbs"));
    assertThat(plan.changes())
        .extracting(ParameterChange::getKey, ParameterChange::getFrom, ParameterChange::getSource)
        .containsExactly(tuple("NewFlag", null, "New"), tuple("NewImage", null, "New"));
  }

  @Test
  void newParameterWithoutDefaultOrOverrideIsAMissingParameterNamingStackAndKey() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Old"), param("TenantBillingUrl"), param("AnotherRequired")),
            stack(map("Old", "x")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.ok()).isFalse();
    assertThat(plan.problems())
        .extracting(PlanProblem::reason, PlanProblem::field)
        .containsExactly(
            tuple(
                "MissingParameter",
                "spec.stacks[prod-eu1-5-2-ecs-ops].parameters.TenantBillingUrl"),
            tuple(
                "MissingParameter",
                "spec.stacks[prod-eu1-5-2-ecs-ops].parameters.AnotherRequired"));
    assertThat(plan.problems().get(0).message())
        .contains("prod-eu1-5-2-ecs-ops", "TenantBillingUrl", "3.33.2");
  }

  @Test
  void globalOverrideSatisfiesANewRequiredParameter() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("TenantBillingUrl")),
            stack(map()),
            TARGET,
            Map.of("TenantBillingUrl", "https://billing.example"),
            Map.of());

    assertThat(plan.ok()).isTrue();
    assertThat(plan.changes())
        .extracting(ParameterChange::getFrom, ParameterChange::getTo, ParameterChange::getSource)
        .containsExactly(tuple(null, "https://billing.example", "Override"));
  }

  @Test
  void removedParametersAreDroppedAndListed() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("Kept")),
            stack(map("Zeta", "z", "Kept", "k", "Alpha", "a")),
            TARGET,
            Map.of(),
            Map.of());

    assertThat(plan.values()).isEmpty();
    assertThat(plan.usePreviousValue()).containsExactly("Kept");
    assertThat(plan.changes())
        .extracting(ParameterChange::getKey, ParameterChange::getFrom, ParameterChange::getSource)
        .containsExactly(tuple("Alpha", "a", "Removed"), tuple("Zeta", "z", "Removed"));
  }

  @Test
  void perStackOverrideOfAnUndeclaredKeyIsAnUnknownParameter() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(param("A")),
            stack(map("A", "1")),
            TARGET,
            Map.of("GlobalOnlyElsewhere", "x"),
            Map.of("Typo", "1"));

    assertThat(plan.problems())
        .containsExactly(
            new PlanProblem(
                "UnknownParameter",
                "spec.stacks[prod-eu1-5-2-ecs-ops].parameters.Typo",
                "stack prod-eu1-5-2-ecs-ops: the 3.33.2 template declares no parameter Typo"));
    assertThat(plan.values()).doesNotContainKey("GlobalOnlyElsewhere");
  }

  @Test
  void noEchoValuesNeverReachStatusOrToString() {
    ParameterPlan plan =
        planner.plan(
            STACK,
            template(secret("AdminPassword"), secret("NewSecret"), secret("Kept")),
            stack(map("AdminPassword", "****", "Kept", "****")),
            TARGET,
            Map.of(),
            Map.of("AdminPassword", "hunter2-new", "NewSecret", "s3cr3t"));

    assertThat(plan.usePreviousValue()).containsExactly("Kept");
    assertThat(plan.changes())
        .extracting(ParameterChange::getKey, ParameterChange::getFrom, ParameterChange::getTo)
        .containsExactly(tuple("AdminPassword", "****", "****"), tuple("NewSecret", null, "****"));
    assertThat(plan.toString()).doesNotContain("hunter2", "s3cr3t");
    assertThat(plan.changes().toString()).doesNotContain("hunter2", "s3cr3t");
  }

  @Test
  void withSnapshotParameterMovesItFromPreviousValueToValues() {
    ParameterPlan plan =
        planner.plan(
            "prod-eu1-2-1-db-aurora-master",
            template(param("DBSnapshotIdentifier", ""), param("EngineVersion")),
            stack(map("DBSnapshotIdentifier", "", "EngineVersion", "16.4")),
            TARGET,
            Map.of(),
            Map.of());

    ParameterPlan withSnapshot =
        plan.with("DBSnapshotIdentifier", "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:x");

    assertThat(plan.usePreviousValue()).containsExactly("DBSnapshotIdentifier", "EngineVersion");
    assertThat(withSnapshot.usePreviousValue()).containsExactly("EngineVersion");
    assertThat(withSnapshot.values())
        .containsEntry(
            "DBSnapshotIdentifier", "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:x");
  }

  @Test
  void globalOverridesNoTemplateDeclaresAreReported() {
    assertThat(
            ParameterPlanner.unusedGlobalOverrides(
                map("Typo", "1", "A", "2"), List.of(template(param("A")), template(param("B")))))
        .containsExactly("Typo");
  }
}
