package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.UpgradePhase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The upgrade benchmark at CI size (the five-stack set): it must keep running, and each stack with
 * changes must be executed exactly once. Timings are printed, never asserted.
 */
class UpgradeBenchmarkIT {
  @Test
  void fiveStackUpgradeSucceedsWithOneExecuteChangeSetPerChangedStack() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    UpgradeBenchmark.Options options =
        UpgradeBenchmark.Options.parse(new String[] {"--stacks=5"})
            .withFastPoll(Duration.ofSeconds(1))
            .withEcsStateSeconds(0);

    UpgradeBenchmark.Result result = UpgradeBenchmark.run(options, out);

    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(result.phase()).as(printed).isEqualTo(UpgradePhase.Succeeded);
    // With the production slow poll (5 min) the cluster must still report the new version right
    // after the upgrade ends: releasing the upgrade lock wakes it.
    assertThat(result.clusterWall())
        .as("cluster reported the target version within 15 s")
        .isNotNull();
    // 5-2-ecs-ops and 5-4-ecs-services change in 3.33.2; the other three are byte-identical.
    assertThat(result.changedStacks()).as(printed).isEqualTo(2);
    assertThat(result.awsCalls("CloudFormation.ExecuteChangeSet")).as(printed).isEqualTo(2);
    assertThat(printed).contains("runbook / operator calls", "runbook minimum wall time");
  }
}
