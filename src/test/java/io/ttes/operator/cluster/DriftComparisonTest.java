package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackStatus;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DriftComparisonTest {
  private static final String IMAGE_1 = "docker.io/thethingsindustries/lorawan-stack:3.33.1-aws";
  private static final String IMAGE_2 = "docker.io/thethingsindustries/lorawan-stack:3.33.2-aws";

  @Test
  void aBaselineLeavesNoEchoParametersOutAndReadsTheVersion() {
    AppliedStack a =
        DriftComparison.baseline(
            info("ops", "UPDATE_COMPLETE", params("Image", IMAGE_1, "DbPassword", "****")),
            Set.of(),
            "StackUpgrade/up",
            "2025-01-01T00:00:00Z");

    assertThat(a.getName()).isEqualTo("ops");
    assertThat(a.getVersion()).isEqualTo("3.33.1");
    assertThat(a.getParameters()).containsExactly(Map.entry("Image", IMAGE_1));
    assertThat(a.getSource()).isEqualTo("StackUpgrade/up");
  }

  @Test
  void anEditedParameterIsNamedWithItsOldAndNewValue() {
    var base = baseline("ops", params("Image", IMAGE_1, "OpsTaskMemory", "1024"));
    var now = info("ops", "UPDATE_COMPLETE", params("Image", IMAGE_1, "OpsTaskMemory", "2048"));

    List<StackDrift> drift = compare(now, base);

    assertThat(drift).hasSize(1);
    assertThat(drift.get(0).getName()).isEqualTo("ops");
    assertThat(drift.get(0).getReason()).isEqualTo(DriftComparison.PARAMETERS_CHANGED);
    assertThat(drift.get(0).getParameters())
        .extracting(ParameterDrift::getName, ParameterDrift::getApplied, ParameterDrift::getCurrent)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("OpsTaskMemory", "1024", "2048"));
    assertThat(DriftComparison.describe(drift)).isEqualTo("stack ops: OpsTaskMemory 1024 → 2048");
  }

  @Test
  void noEchoParametersAreNeverCompared() {
    // The baseline never holds a NoEcho value; CloudFormation shows it masked, changed or not.
    var base = baseline("ops", params("Image", IMAGE_1, "DbPassword", "****"));
    assertThat(base.getParameters()).doesNotContainKey("DbPassword");
    var now = info("ops", "UPDATE_COMPLETE", params("Image", IMAGE_1, "DbPassword", "****"));

    assertThat(compare(now, base)).isEmpty();
  }

  @Test
  void aNoEchoKeyIsLeftOutAndNeverComparedWhenTheAnswerDoesNotMaskIt() {
    // moto 5.2.1 answers a NoEcho value as it is: the template's declaration decides, not the mask.
    Set<String> noEcho = Set.of("DbPassword");
    var first = info("ops", "UPDATE_COMPLETE", params("Image", IMAGE_1, "DbPassword", "s3cret-1"));
    AppliedStack base = DriftComparison.baseline(first, noEcho, "FirstObservation", "t");
    assertThat(base.getParameters()).containsExactly(Map.entry("Image", IMAGE_1));

    var now =
        info(
            "ops",
            "UPDATE_COMPLETE",
            params("Image", IMAGE_1, "DbPassword", "s3cret-2", "OpsTaskMemory", "2048"));
    List<StackDrift> drift =
        DriftComparison.compare(
            List.of(status(now)), Map.of("ops", now), List.of(base), Map.of("ops", noEcho));
    assertThat(drift.get(0).getParameters())
        .extracting(ParameterDrift::getName)
        .containsExactly("OpsTaskMemory");
    assertThat(DriftComparison.describe(drift)).doesNotContain("DbPassword", "s3cret");
  }

  @Test
  void aBaselineStoredWithANoEchoValueLosesIt() {
    AppliedStack old = new AppliedStack();
    old.setName("ops");
    old.setParameters(
        new java.util.LinkedHashMap<>(params("Image", IMAGE_1, "DbPassword", "s3cret-1")));

    AppliedStack cleaned = DriftComparison.withoutHidden(old, Set.of("DbPassword"));

    assertThat(cleaned.getParameters()).containsExactly(Map.entry("Image", IMAGE_1));
    assertThat(DriftComparison.withoutHidden(cleaned, Set.of("DbPassword"))).isSameAs(cleaned);
  }

  @Test
  void aNewImageOutsideTheOperatorIsATemplateChange() {
    var base = baseline("ops", params("Image", IMAGE_1));
    var now = info("ops", "UPDATE_COMPLETE", params("Image", IMAGE_2, "NewParameter", "x"));

    List<StackDrift> drift = compare(now, base);

    assertThat(drift).hasSize(1);
    assertThat(drift.get(0).getReason()).isEqualTo(DriftComparison.TEMPLATE_CHANGED);
    assertThat(drift.get(0).getAppliedVersion()).isEqualTo("3.33.1");
    assertThat(drift.get(0).getCurrentVersion()).isEqualTo("3.33.2");
    assertThat(DriftComparison.describe(drift))
        .isEqualTo(
            "stack ops: version 3.33.1 → 3.33.2, Image "
                + IMAGE_1
                + " → "
                + IMAGE_2
                + ", NewParameter (none) → x");
  }

  @Test
  void aRevertedParameterClearsTheDrift() {
    var base = baseline("ops", params("OpsTaskMemory", "1024"));
    assertThat(compare(info("ops", "UPDATE_COMPLETE", params("OpsTaskMemory", "2048")), base))
        .hasSize(1);

    assertThat(compare(info("ops", "UPDATE_COMPLETE", params("OpsTaskMemory", "1024")), base))
        .isEmpty();
  }

  @Test
  void stacksWithoutBaselineOrInMotionAreNotCompared() {
    var base = baseline("ops", params("OpsTaskMemory", "1024"));
    var moving = info("ops", "UPDATE_IN_PROGRESS", params("OpsTaskMemory", "2048"));
    assertThat(compare(moving, base)).isEmpty();

    var other = info("vpc", "UPDATE_COMPLETE", params("VpcCidr", "10.1.0.0/16"));
    assertThat(
            DriftComparison.compare(
                List.of(status(other)),
                Map.of("vpc", other),
                List.of(base),
                Map.of("vpc", Set.of())))
        .isEmpty();
    // NoEcho keys not known (GetTemplateSummary refused): not compared.
    var edited = info("ops", "UPDATE_COMPLETE", params("OpsTaskMemory", "2048"));
    assertThat(
            DriftComparison.compare(
                List.of(status(edited)), Map.of("ops", edited), List.of(base), Map.of()))
        .isEmpty();
  }

  // ---- helpers

  private static List<StackDrift> compare(StackInfo now, AppliedStack base) {
    return DriftComparison.compare(
        List.of(status(now)), Map.of(now.name(), now), List.of(base), Map.of(now.name(), Set.of()));
  }

  private static AppliedStack baseline(String name, Map<String, String> parameters) {
    return DriftComparison.baseline(
        info(name, "CREATE_COMPLETE", parameters),
        Set.of(),
        "FirstObservation",
        "2025-01-01T00:00:00Z");
  }

  /** The observed stack as ClusterObservation lists it (name and version). */
  private static StackStatus status(StackInfo info) {
    StackStatus s = new StackStatus();
    s.setName(info.name());
    s.setStatus(info.status());
    s.setVersion(DriftComparison.baseline(info, Set.of(), "", "").getVersion());
    return s;
  }

  private static StackInfo info(String name, String status, Map<String, String> parameters) {
    return new StackInfo(
        name,
        "arn:" + name,
        status,
        null,
        Instant.parse("2025-01-01T00:00:00Z"),
        parameters,
        Map.of(),
        Map.of());
  }

  private static Map<String, String> params(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
