package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.fake.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskSlotsTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final TaskSlots slots = new TaskSlots(clock, Duration.ofMinutes(10));
  private final Instant t0 = clock.instant();

  @Test
  void grantsUpToTheLimitThenQueuesByCreationTime() {
    assertThat(slots.tryAcquire("ns/c", "a", t0, 2).granted()).isTrue();
    assertThat(slots.tryAcquire("ns/c", "b", t0.plusSeconds(1), 2).granted()).isTrue();
    // Newer asks first, older second: the older one is ahead in line.
    TaskSlots.Decision newer = slots.tryAcquire("ns/c", "e", t0.plusSeconds(4), 2);
    slots.tryAcquire("ns/c", "c", t0.plusSeconds(2), 2);
    slots.tryAcquire("ns/c", "d", t0.plusSeconds(3), 2);
    TaskSlots.Decision e = slots.tryAcquire("ns/c", "e", t0.plusSeconds(4), 2);

    assertThat(newer.granted()).isFalse();
    assertThat(e.describe()).isEqualTo("3rd in line, 2 of 2 running");

    slots.release("a");
    assertThat(slots.tryAcquire("ns/c", "e", t0.plusSeconds(4), 2).granted()).isFalse();
    assertThat(slots.tryAcquire("ns/c", "c", t0.plusSeconds(2), 2).granted()).isTrue();
    assertThat(slots.running("ns/c")).isEqualTo(2);
  }

  @Test
  void aFreedSlotNamesTheWaitersThatMayTakeItOldestFirst() {
    List<String> told = new ArrayList<>();
    slots.onFreed((cluster, uids) -> told.add(cluster + " " + uids));
    slots.tryAcquire("ns/c", "a", t0, 2);
    slots.tryAcquire("ns/c", "b", t0.plusSeconds(1), 2);
    slots.tryAcquire("ns/c", "e", t0.plusSeconds(4), 2);
    slots.tryAcquire("ns/c", "d", t0.plusSeconds(3), 2);
    slots.tryAcquire("ns/c", "c", t0.plusSeconds(2), 2);

    slots.release("d"); // a waiter leaving the line frees nothing
    slots.release("a");
    slots.release("b");

    assertThat(told).containsExactly("ns/c [c]", "ns/c [c, e]");
  }

  @Test
  void clustersAreIndependentAndAskingAgainKeepsTheSlot() {
    assertThat(slots.tryAcquire("ns/c1", "a", t0, 1).granted()).isTrue();
    assertThat(slots.tryAcquire("ns/c2", "b", t0, 1).granted()).isTrue();
    assertThat(slots.tryAcquire("ns/c1", "a", t0, 1).granted()).isTrue();
    assertThat(slots.tryAcquire("ns/c1", "c", t0, 1).granted()).isFalse();
  }

  @Test
  void tasksFoundRunningCountAgainstTheLimit() {
    slots.markRunning("ns/c", "old-1");
    slots.markRunning("ns/c", "old-2");

    TaskSlots.Decision d = slots.tryAcquire("ns/c", "new", t0, 2);
    assertThat(d.granted()).isFalse();
    assertThat(d.describe()).isEqualTo("1st in line, 2 of 2 running");
  }

  @Test
  void aWaiterThatStopsAskingLeavesTheLine() {
    slots.tryAcquire("ns/c", "running", t0, 1);
    slots.tryAcquire("ns/c", "deleted", t0.plusSeconds(1), 1);
    clock.advance(Duration.ofMinutes(11));

    assertThat(slots.tryAcquire("ns/c", "later", t0.plusSeconds(2), 1).position()).isEqualTo(1);
    slots.release("running");
    assertThat(slots.tryAcquire("ns/c", "later", t0.plusSeconds(2), 1).granted()).isTrue();
  }

  @Test
  void ordinals() {
    assertThat(TaskSlots.ordinal(1)).isEqualTo("1st");
    assertThat(TaskSlots.ordinal(2)).isEqualTo("2nd");
    assertThat(TaskSlots.ordinal(3)).isEqualTo("3rd");
    assertThat(TaskSlots.ordinal(11)).isEqualTo("11th");
    assertThat(TaskSlots.ordinal(22)).isEqualTo("22nd");
  }
}
