package io.ttes.operator.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StackVersionsTest {

  private static final String IMAGE = "ImageIdentityServer";

  @Test
  void theImageTheStackRunsOutranksAStaleVersionTag() {
    // An older operator tagged the stack 3.33.1; the stack was then upgraded by hand to 3.33.2.
    var version =
        StackVersions.of(
            Map.of(StackVersions.VERSION_TAG, "3.33.1"),
            Map.of(IMAGE, "docker.io/thethingsindustries/lorawan-stack:3.33.2-aws"));

    assertThat(version).map(Object::toString).contains("3.33.2");
  }

  @Test
  void aStackWithoutTtesImagesFallsBackToTheVersionTag() {
    var version =
        StackVersions.of(
            Map.of(StackVersions.VERSION_TAG, "3.33.1"), Map.of("InstanceType", "t3.medium"));

    assertThat(version).map(Object::toString).contains("3.33.1");
  }

  @Test
  void aStackWithNeitherHasNoVersion() {
    assertThat(StackVersions.of(Map.of(), Map.of("InstanceType", "t3.medium"))).isEmpty();
    assertThat(StackVersions.of(null, null)).isEmpty();
  }
}
