package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The benchmark at CI size: it must keep running, and every task must run exactly once. Timings are
 * printed, never asserted (a shared CI machine decides them).
 */
class OpsTaskBenchmarkIT {
  @Test
  void twentyTasksAllSucceedWithOneRunTaskEach() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    OpsTaskBenchmark.Options options =
        OpsTaskBenchmark.Options.parse(new String[] {"--tasks=20", "--max-concurrent=20"})
            .withFastPoll(Duration.ofSeconds(1));

    OpsTaskBenchmark.Result result = OpsTaskBenchmark.run(options, out);

    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(result.succeeded()).as(printed).isEqualTo(20);
    assertThat(result.awsCalls("Ecs.RunTask")).as(printed).isEqualTo(20);
    assertThat(printed).contains("AWS calls, the runbook way", "heap used after GC");
  }
}
