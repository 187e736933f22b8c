package io.ttes.operator.digest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Sha256Test {
  @Test
  void isTheFipsTestVectorCutToTheAskedLength() {
    // FIPS 180-2 appendix B.1: SHA-256("abc").
    String full = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertThat(Sha256.hex("abc", 64)).isEqualTo(full);
    assertThat(Sha256.hex("abc", 28)).isEqualTo(full.substring(0, 28));
    assertThat(Sha256.hex("abc", 10)).isEqualTo(full.substring(0, 10));
  }
}
