package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keeps the benchmark runnable: 10 tenants converge, with one RunTask per command. */
class BootstrapBenchmarkIT {
  @Test
  void tenTenantsConvergeWithSixClusterTasksAndTwoPerTenant() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    BootstrapBenchmark.Result r =
        BootstrapBenchmark.run(
            out, new BootstrapBenchmark.Settings(10, 10, 1, Duration.ofSeconds(90)));

    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(r.converged()).as(printed).isTrue();
    assertThat(r.runTasks()).as(printed).isEqualTo(6 + 2 * 10);
    assertThat(printed)
        .contains("converged after", "cluster-wide steps done after", "per tenant", "heap used");
    assertThat(r.clusterWide()).as(printed).isNotNull();
    // Bootstraps waiting for the cluster-wide steps must not read Secrets Manager on every poll.
    assertThat(r.awsCalls().getOrDefault("SecretsManager.GetSecretValue", 0L))
        .as(printed)
        .isLessThan(8L * 10);
  }
}
