package io.ttes.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The footprint benchmark at CI size: the operator started from the image's command line as a
 * process of its own gets ready on an empty API, then starts with 40 finished custom resources
 * present, converges without touching them (no OpsTask of its own, every phase still Succeeded) and
 * stops on SIGTERM each time. Figures are printed and must exist; none is compared to a limit. One
 * start with the resources keeps it short (CI's whole build has a time budget).
 */
class FootprintBenchmarkIT {
  @Test
  void theOperatorProcessStartsConvergesRestartsAndStopsWithEveryFigurePrinted() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    FootprintBenchmark.Result result =
        FootprintBenchmark.run(
            FootprintBenchmark.Options.parse(
                new String[] {
                  "--resources=40", "--settle=2s", "--timeout=2m", "--label=it", "--starts=1"
                }),
            out);

    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(result.command()).as(printed).anyMatch(a -> a.startsWith("-XX:MaxRAM="));
    assertThat(result.resources()).as(printed).isEqualTo(40);
    assertThat(result.withN()).as(printed).hasSize(1);
    List<FootprintBenchmark.Start> starts = new ArrayList<>(result.withN());
    starts.add(0, result.first());
    for (FootprintBenchmark.Start s : starts) {
      assertThat(s.converged()).as(printed).isTrue();
      assertThat(s.untouched().operatorOpsTasks()).as(printed).isEmpty();
      assertThat(s.untouched().notSucceeded()).as(printed).isEmpty();
      assertThat(s.stoppedCleanly()).as(printed).isTrue();
      assertThat(s.toReady()).as(printed).isPositive();
      assertThat(s.marks())
          .as(printed)
          .containsKeys(FootprintBenchmark.MARKS.toArray(String[]::new));
      assertThat(s.quiet().rssBytes()).as(printed).isPositive();
      assertThat(s.quiet().heapAfterGcBytes()).as(printed).isPositive();
      assertThat(s.quiet().threads()).as(printed).isPositive();
    }
  }
}
