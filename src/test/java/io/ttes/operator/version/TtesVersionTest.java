package io.ttes.operator.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Version order as SemVer 2.0 defines it (semver.org, item 11). */
class TtesVersionTest {

  private static TtesVersion v(String text) {
    return TtesVersion.parse(text).orElseThrow(() -> new AssertionError("not a version: " + text));
  }

  @Test
  void numericPreReleaseIdentifiersCompareAsNumbers() {
    assertThat(v("3.34.0-rc.10")).isGreaterThan(v("3.34.0-rc.2"));
    assertThat(v("3.34.0-rc.2")).isLessThan(v("3.34.0-rc.10"));
  }

  @Test
  void theSemverSpecExampleIsInOrder() {
    List<String> ordered =
        List.of(
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "2.0.0");
    for (int i = 1; i < ordered.size(); i++) {
      assertThat(v(ordered.get(i)))
          .as(ordered.get(i) + " > " + ordered.get(i - 1))
          .isGreaterThan(v(ordered.get(i - 1)));
    }
  }

  @Test
  void equalVersionsCompareEqual() {
    assertThat(v("3.34.0-rc.2").compareTo(v("3.34.0-rc.2"))).isZero();
    assertThat(v("3.33.1").compareTo(v("3.33.1"))).isZero();
  }

  @Test
  void whatSemverForbidsIsNoVersion() {
    for (String bad : List.of("3.34.0-rc.01", "3.34.0-rc..1", "3.34.0-", "3.34.0-rc.", "03.1.0")) {
      assertThat(TtesVersion.parse(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void imageTagsWithDottedReleaseCandidatesAreRead() {
    String image = "docker.io/thethingsindustries/lorawan-stack:3.34.0-rc.10-aws";
    assertThat(StackVersions.imageVersion(image)).contains(v("3.34.0-rc.10"));
    assertThat(StackVersions.of(Map.of(), Map.of("Image", image))).contains(v("3.34.0-rc.10"));
    assertThat(StackVersions.withVersion(image, v("3.34.0-rc.11")))
        .contains("docker.io/thethingsindustries/lorawan-stack:3.34.0-rc.11-aws");
  }
}
