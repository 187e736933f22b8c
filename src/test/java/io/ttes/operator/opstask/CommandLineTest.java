package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.status.SpecProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandLineTest {
  private static final String SECRET = "hunter2-'\"`$(x)";

  private static SecretArg arg(String name) {
    return new SecretArg(name, new SecretKeySelector("admin", "password"));
  }

  @Test
  void argvIsTheBinaryAndTheCommand() {
    CommandLine line = CommandLine.parse("tti-lw-stack", List.of("is-db", "migrate"), List.of());

    assertThat(line.argv(Map.of())).containsExactly("tti-lw-stack", "is-db", "migrate");
    assertThat(line.display()).isEqualTo("tti-lw-stack is-db migrate");
  }

  @Test
  void secretReferencesAreReplacedInArgvButShownAsWrittenInTheDisplay() {
    CommandLine line =
        CommandLine.parse(
            "tti-lw-stack",
            List.of(
                "is-db", "create-admin-user", "--password=$(ADMIN_PASSWORD)", "$$(ADMIN_PASSWORD)"),
            List.of(arg("ADMIN_PASSWORD")));

    assertThat(line.argv(Map.of("ADMIN_PASSWORD", "pw")))
        .containsExactly(
            "tti-lw-stack", "is-db", "create-admin-user", "--password=pw", "$(ADMIN_PASSWORD)");
    assertThat(line.display())
        .isEqualTo(
            "tti-lw-stack is-db create-admin-user --password=$(ADMIN_PASSWORD) $$(ADMIN_PASSWORD)");
    assertThat(line.referencedNames()).containsExactly("ADMIN_PASSWORD");
  }

  @Test
  void lowerCaseParenthesesAreLiteralLikeKubernetes() {
    CommandLine line = CommandLine.parse("b", List.of("$(reboot)", "a$b", "$("), List.of());

    assertThat(line.argv(Map.of())).containsExactly("b", "$(reboot)", "a$b", "$(");
  }

  @Test
  void displayQuotesWordsWithSpaces() {
    CommandLine line =
        CommandLine.parse("tti-lw-stack", List.of("--name=Command Line Interface"), List.of());

    assertThat(line.display()).isEqualTo("tti-lw-stack '--name=Command Line Interface'");
  }

  @Test
  void emptyCommandIsInvalid() {
    assertProblem(() -> CommandLine.parse("b", List.of(), List.of()), "spec.command");
  }

  @Test
  void emptyWordIsInvalid() {
    assertProblem(() -> CommandLine.parse("b", List.of("is-db", ""), List.of()), "spec.command[1]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\0b", "a\nb", "a\rb"})
  void controlCharactersAreInvalid(String word) {
    assertProblem(
        () -> CommandLine.parse("b", List.of("is-db", word), List.of()), "spec.command[1]");
  }

  @Test
  void undeclaredReferenceIsInvalid() {
    assertProblem(
        () ->
            CommandLine.parse(
                "b",
                List.of("is-db", "--password=$(ADMIN_PASWORD)"),
                List.of(arg("ADMIN_PASSWORD"))),
        "spec.command[1]");
  }

  @Test
  void duplicateSecretArgsAreInvalid() {
    assertProblem(
        () -> CommandLine.parse("b", List.of("x"), List.of(arg("A"), arg("A"))),
        "spec.secretArgs[1].name");
  }

  @Test
  void noSecretValueInMessagesOrToString() {
    CommandLine line = CommandLine.parse("b", List.of("--p=$(P)"), List.of(arg("P")));
    List<String> texts = new ArrayList<>();
    texts.add(line.toString());
    texts.add(line.display());
    try {
      line.shellLine(List.of(), Map.of("P", SECRET + "\0"));
    } catch (SpecProblem e) {
      texts.add(e.getMessage());
    }
    try {
      line.argv(Map.of());
    } catch (IllegalArgumentException e) {
      texts.add(e.getMessage());
    }

    assertThat(texts).hasSize(4).noneMatch(t -> t.contains("hunter2"));
  }

  @Test
  void amiShellLineQuotesEveryWord() {
    CommandLine line =
        CommandLine.parse("ttn-lw-stack", List.of("is-db", "--name=it's"), List.of());

    assertThat(line.shellLine(List.of("docker", "exec", "lorawan-stack"), Map.of()))
        .isEqualTo("'docker' 'exec' 'lorawan-stack' 'ttn-lw-stack' 'is-db' '--name=it'\\''s'");
  }

  /**
   * The real proof: a POSIX shell runs the line with printf in front, and every word, however
   * hostile, comes out as exactly one argument and nothing else runs.
   */
  @Test
  void amiShellLineCannotInjectCommands() throws Exception {
    List<String> hostile =
        List.of(
            "; rm -rf /",
            "$(reboot)",
            "`reboot`",
            "' ; touch /tmp/pwned ; '",
            "\" ; echo injected \"",
            "&& echo x || echo y | cat > out",
            "$HOME ${PATH} $$ \\ ",
            "--password=$(PW)");
    CommandLine line = CommandLine.parse("binary", hostile, List.of(arg("PW")));
    String secret = "a'b\"c`d$(e);f";
    String shell = line.shellLine(List.of("printf", "%s\\n"), Map.of("PW", secret));

    List<String> argv = line.argv(Map.of("PW", secret));

    assertThat(argv).contains("; rm -rf /", "`reboot`", "--password=" + secret);
    assertThat(runInSh(shell)).containsExactlyElementsOf(argv);
  }

  private static List<String> runInSh(String line) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("/bin/sh", "-c", line).redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return Arrays.asList(out.split("\n", -1)).subList(0, out.split("\n", -1).length - 1);
  }

  private static void assertProblem(Runnable call, String field) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("InvalidSpec");
              assertThat(p.field()).isEqualTo(field);
            });
  }
}
