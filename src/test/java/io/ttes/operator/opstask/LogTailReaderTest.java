package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.TaskLogs;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeTaskLogs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogTailReaderTest {
  private final CallLog calls = new CallLog();
  private final FakeTaskLogs logs = new FakeTaskLogs(calls);

  @Test
  void theNewestPageWithLinesIsOneRead() {
    logs.append("g", "s", "a", "b", "c");
    assertThat(LogTailReader.read(logs, "g", "s", 2)).containsExactly("b", "c");
    assertThat(calls.count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(1);
  }

  @Test
  void emptyPagesAreFollowedUntilLinesAppear() {
    logs.append("g", "s", "a", "b");
    logs.answerEmptyPages(3);
    assertThat(LogTailReader.read(logs, "g", "s", 20)).containsExactly("a", "b");
    assertThat(calls.count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(4);
  }

  @Test
  void anEmptyStreamStopsWhereTheTokenRepeats() {
    assertThat(LogTailReader.read(logs, "g", "never-written", 20)).isEmpty();
    assertThat(calls.count(FakeTaskLogs.GET_LOG_EVENTS)).isEqualTo(2);
  }

  @Test
  void aLogServiceThatNeverEndsIsReadAtMostMaxPagesTimes() {
    List<String> tokens = new ArrayList<>();
    TaskLogs endless =
        new TaskLogs() {
          @Override
          public List<String> tail(String group, String stream, int max) {
            return List.of();
          }

          @Override
          public Page pageBackward(String group, String stream, String token, int limit) {
            tokens.add(token);
            return new Page(List.of(), "t" + tokens.size());
          }
        };
    assertThat(LogTailReader.read(endless, "g", "s", 20)).isEmpty();
    assertThat(tokens).hasSize(LogTailReader.MAX_PAGES);
  }

  @Test
  void anImplementationWithOnlyTailIsReadOnce() {
    List<Integer> reads = new ArrayList<>();
    TaskLogs tailOnly =
        (group, stream, max) -> {
          reads.add(max);
          return List.of();
        };
    assertThat(LogTailReader.read(tailOnly, "g", "s", 20)).isEmpty();
    assertThat(reads).containsExactly(20);
  }
}
