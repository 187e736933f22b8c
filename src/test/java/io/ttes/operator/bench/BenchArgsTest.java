package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchArgsTest {
  private static final BenchArgs.Spec SPEC =
      new BenchArgs.Spec(
          "SomeBenchmark",
          BenchArgs.ordered("tasks", "how many (200)", "fast-poll", "poll interval (5s)"),
          BenchArgs.ordered("verbose", "keep logs"));

  @Test
  void readsValuesAndFallsBackToDefaults() {
    BenchArgs a = BenchArgs.parse(new String[] {"--tasks=20"}, SPEC);

    assertThat(a.integer("tasks", 200)).isEqualTo(20);
    assertThat(a.duration("fast-poll", Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(a.flag("verbose")).isFalse();
    assertThat(a.help()).isFalse();
  }

  @Test
  void readsAWordAsGivenOrTheFallback() {
    BenchArgs a = BenchArgs.parse(new String[] {"--tasks=-Xss256k,-Xshare:auto"}, SPEC);

    assertThat(a.string("tasks", "")).isEqualTo("-Xss256k,-Xshare:auto");
    assertThat(a.string("fast-poll", "none")).isEqualTo("none");
  }

  @Test
  void splitsOneQuotedArgumentAsExecJavaPassesIt() {
    BenchArgs a =
        BenchArgs.parse(new String[] {"  --tasks=7   --fast-poll=500ms --verbose "}, SPEC);

    assertThat(a.integer("tasks", 200)).isEqualTo(7);
    assertThat(a.duration("fast-poll", null)).isEqualTo(Duration.ofMillis(500));
    assertThat(a.flag("verbose")).isTrue();
  }

  @Test
  void rejectsAWordThatIsNotAnOption() {
    assertThatThrownBy(() -> BenchArgs.parse(new String[] {"tasks=20"}, SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected --name=value, got tasks=20");
    assertThatThrownBy(() -> BenchArgs.parse(new String[] {"--tasks"}, SPEC))
        .hasMessage("expected --tasks=value, got --tasks");
  }

  @Test
  void rejectsAnUnknownOptionListingTheKnownOnes() {
    assertThatThrownBy(() -> BenchArgs.parse(new String[] {"--task=20"}, SPEC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown option --task; known: --tasks --fast-poll --verbose --help");
  }

  @Test
  void namesTheOptionWhoseValueHasTheWrongType() {
    BenchArgs a = BenchArgs.parse(new String[] {"--tasks=many", "--fast-poll=soon"}, SPEC);

    assertThatThrownBy(() -> a.integer("tasks", 1))
        .hasMessage("--tasks is a whole number, got many");
    assertThatThrownBy(() -> a.duration("fast-poll", null))
        .hasMessage("--fast-poll is a duration such as 5s, 15m or 500ms, got soon");
  }

  @Test
  void helpListsEveryOptionAndFlagInOrder() {
    BenchArgs a = BenchArgs.parse(new String[] {"--help"}, SPEC);

    assertThat(a.help()).isTrue();
    String usage = a.usage();
    assertThat(usage).contains("-Dbench.class=io.ttes.operator.bench.SomeBenchmark");
    assertThat(usage.indexOf("--tasks=")).isLessThan(usage.indexOf("--fast-poll="));
    assertThat(usage.indexOf("--fast-poll=")).isLessThan(usage.indexOf("--verbose"));
    assertThat(usage).contains("how many (200)").contains("--help");
  }

  @Test
  void everyBenchmarkParsesItsDocumentedOptionsAndRejectsATypo() {
    assertThat(OpsTaskBenchmark.Options.parse(new String[] {"--tasks=20 --max-concurrent=5"}))
        .extracting(o -> o.tasks(), o -> o.maxConcurrent(), o -> o.clusters())
        .containsExactly(20, 5, 1);
    assertThat(UpgradeBenchmark.Options.parse(new String[] {"--stacks=26"}).stacks()).isEqualTo(26);
    assertThatThrownBy(() -> UpgradeBenchmark.Options.parse(new String[] {"--stacks=7"}))
        .hasMessage("--stacks is 5 or 26, got 7");
    assertThat(ScaleBenchmark.Options.parse(new String[] {"--timeout=5m"}).timeout())
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(BootstrapBenchmark.Settings.parse(new String[] {"--timeout=90"}).timeout())
        .isEqualTo(Duration.ofSeconds(90));
    // The bootstrap benchmark used to ignore unknown names: --tenant=5 ran 200 tenants.
    assertThatThrownBy(() -> BootstrapBenchmark.Settings.parse(new String[] {"--tenant=5"}))
        .hasMessageStartingWith("unknown option --tenant; known: --tenants");
  }
}
