package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
  @Test
  void masksEveryOccurrence() {
    SecretMasker masker = SecretMasker.of(List.of("s3cr3t"));

    assertThat(masker.mask("a s3cr3t and s3cr3ts")).isEqualTo("a **** and ****s");
  }

  @Test
  void longerValuesWinOverValuesTheyContain() {
    SecretMasker masker = SecretMasker.of(List.of("abc", "abcdef"));

    assertThat(masker.mask("x abcdef y abc")).isEqualTo("x **** y ****");
  }

  @Test
  void shortValuesAreMaskedToo() {
    SecretMasker masker = SecretMasker.of(List.of("q", "7z"));

    assertThat(masker.mask("q=7z")).isEqualTo("****=****");
  }

  @Test
  void theMaskIsNotMaskedAgain() {
    SecretMasker masker = SecretMasker.of(List.of("*", "**"));

    assertThat(masker.mask("a*b")).isEqualTo("a****b");
  }

  @Test
  void valuesWithATrailingNewlineAreMatchedWithoutIt() {
    SecretMasker masker = SecretMasker.of(List.of("pw-from-file\n"));

    assertThat(masker.mask("login with pw-from-file failed")).isEqualTo("login with **** failed");
  }

  @Test
  void regexCharactersAreLiteral() {
    SecretMasker masker = SecretMasker.of(List.of("a.b$(c)"));

    assertThat(masker.mask("axb a.b$(c)")).isEqualTo("axb ****");
  }

  @Test
  void noValuesAndNullText() {
    assertThat(SecretMasker.of(List.of("", "")).mask("text")).isEqualTo("text");
    assertThat(SecretMasker.of(List.of("x")).mask(null)).isNull();
    assertThat(SecretMasker.of(List.of("s3cr3t")).toString()).doesNotContain("s3cr3t");
  }
}
