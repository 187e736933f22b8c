package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark at CI size: bootstraps, OpsTasks and one upgrade per cluster at once must
 * converge, with exactly one ECS task per OpsTask (counted in moto by launch token). Timings are
 * printed, never asserted.
 */
class ScaleBenchmarkIT {
  @Test
  void bootstrapsTasksAndUpgradesOnTwoClustersConvergeWithOneRunTaskPerOpsTask() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    ScaleBenchmark.Options options =
        ScaleBenchmark.Options.parse(
            new String[] {
              "--bootstraps=10", "--tasks=20", "--clusters=2", "--fast-poll=1s", "--timeout=5m"
            });

    ScaleBenchmark.Result result = ScaleBenchmark.run(options, out);

    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(result.converged()).as(printed).isTrue();
    assertThat(result.ecsTasksByStartedBy().values())
        .as("ECS tasks per launch token")
        .allMatch(n -> n == 1);
    assertThat(result.ecsTasks()).as("ECS tasks == OpsTasks").isEqualTo(result.allOpsTasks());
    assertThat(result.allOpsTasks()).isGreaterThanOrEqualTo(20 + 10);
    assertThat(result.awsCalls()).containsKey("CloudFormation.ExecuteChangeSet");
  }
}
