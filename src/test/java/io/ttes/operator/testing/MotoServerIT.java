package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The pool of moto servers: a server given back and taken again is the same process, with none of
 * the state its earlier user left; two servers open at once are two processes.
 */
class MotoServerIT {
  @Test
  void aServerTakenAgainIsTheSameProcessWithNoneOfTheEarlierState() {
    int port;
    try (MotoServer first = MotoServer.start()) {
      port = first.port();
      try (SsmClient ssm = TtesFixture.configure(SsmClient.builder(), first.endpoint()).build()) {
        ssm.putParameter(b -> b.name("/left/behind").value("v").type("String"));
        assertThat(ssm.describeParameters().parameters()).hasSize(1);
      }
      try (MotoServer second = MotoServer.start()) {
        assertThat(second.port()).as("open at once: another process").isNotEqualTo(port);
      }
    }
    try (MotoServer again = MotoServer.start()) {
      assertThat(again.port()).as("the last one given back is taken first").isEqualTo(port);
      try (SsmClient ssm = TtesFixture.configure(SsmClient.builder(), again.endpoint()).build()) {
        assertThat(ssm.describeParameters().parameters()).as("reset when given back").isEmpty();
      }
    }
  }
}
