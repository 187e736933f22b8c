package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster's history: newest first, capped, one entry per run. */
class OperationHistoryTest {
  private static Operation op(String task, int attempt, String finishedAt) {
    Operation o = new Operation();
    o.setOpsTask(task);
    o.setUid("uid-" + task);
    o.setAttempt(attempt);
    o.setPhase(OpsTaskPhase.Succeeded);
    o.setFinishedAt(finishedAt);
    return o;
  }

  private static List<String> names(TTESClusterStatus s) {
    return s.getOperations().stream().map(o -> o.getOpsTask() + "/" + o.getAttempt()).toList();
  }

  @Test
  void newestFirstWhateverOrderTheyArriveIn() {
    TTESClusterStatus s = new TTESClusterStatus();
    assertThat(OperationHistory.add(s, op("b", 1, "2026-01-01T00:02:00Z"), 50)).isTrue();
    assertThat(OperationHistory.add(s, op("a", 1, "2026-01-01T00:01:00Z"), 50)).isTrue();
    assertThat(OperationHistory.add(s, op("c", 1, "2026-01-01T00:03:00Z"), 50)).isTrue();
    // Finished in the same second as b, recorded later: listed before b.
    assertThat(OperationHistory.add(s, op("d", 1, "2026-01-01T00:02:00Z"), 50)).isTrue();

    assertThat(names(s)).containsExactly("c/1", "d/1", "b/1", "a/1");
  }

  @Test
  void aRunIsListedOnceAndARetriedRunIsANewEntry() {
    TTESClusterStatus s = new TTESClusterStatus();
    OperationHistory.add(s, op("a", 1, "2026-01-01T00:01:00Z"), 50);

    // The same run again (a restart between the append and the OpsTask's marker): no write.
    assertThat(OperationHistory.add(s, op("a", 1, "2026-01-01T00:01:05Z"), 50)).isFalse();
    assertThat(names(s)).containsExactly("a/1");

    // ops.ttes.io/retry ran it again: attempt 2 ended the new run.
    assertThat(OperationHistory.add(s, op("a", 2, "2026-01-01T00:05:00Z"), 50)).isTrue();
    assertThat(names(s)).containsExactly("a/2", "a/1");
  }

  @Test
  void theHistoryKeepsTheNewestLimitEntries() {
    TTESClusterStatus s = new TTESClusterStatus();
    for (int i = 0; i < 5; i++) {
      OperationHistory.add(s, op("t" + i, 1, "2026-01-01T00:0" + i + ":00Z"), 3);
    }
    assertThat(names(s)).containsExactly("t4/1", "t3/1", "t2/1");

    // Older than everything a full history keeps: nothing to write.
    assertThat(OperationHistory.add(s, op("old", 1, "2025-12-31T00:00:00Z"), 3)).isFalse();
    assertThat(names(s)).containsExactly("t4/1", "t3/1", "t2/1");

    // A lower limit (the setting changed) trims at the next append.
    assertThat(OperationHistory.add(s, op("t5", 1, "2026-01-01T00:06:00Z"), 2)).isTrue();
    assertThat(names(s)).containsExactly("t5/1", "t4/1");
  }

  @Test
  void anEntryWithoutFinishTimeGoesFirst() {
    TTESClusterStatus s = new TTESClusterStatus();
    OperationHistory.add(s, op("a", 1, "2026-01-01T00:01:00Z"), 50);
    OperationHistory.add(s, op("b", 1, null), 50);
    assertThat(names(s)).containsExactly("b/1", "a/1");
  }
}
