package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExpectedEndTest {
  private static final String MIGRATE = "tti-lw-stack is-db migrate";
  private static final Duration FAST = Duration.ofSeconds(5);
  private static final Duration SLOW = Duration.ofMinutes(5);
  private static final Duration TIMEOUT = Duration.ofHours(1);
  private static final Instant START = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void aCommandWithSuccessfulRunsIsObservedAtTheShortestOfTheLastFive() {
    TTESCluster cluster =
        cluster(
            run(MIGRATE, OpsTaskPhase.Succeeded, 22),
            run(MIGRATE, OpsTaskPhase.Failed, 3), // a failure says nothing of a run's length
            run("tti-lw-stack ns-db migrate", OpsTaskPhase.Succeeded, 2),
            run(MIGRATE, OpsTaskPhase.Succeeded, 21),
            run(MIGRATE, OpsTaskPhase.Succeeded, 25),
            run(MIGRATE, OpsTaskPhase.Succeeded, 30),
            run(MIGRATE, OpsTaskPhase.Succeeded, 24),
            run(MIGRATE, OpsTaskPhase.Succeeded, 10)); // the sixth: too old to count

    Optional<Duration> expected = ExpectedEnd.of(cluster, MIGRATE);

    assertThat(expected).contains(Duration.ofSeconds(21));
    // Just launched: the first observation is at the expected end, not after one fast poll.
    assertThat(next(START, expected)).isEqualTo(Duration.ofSeconds(21));
    assertThat(next(START.plusSeconds(6), expected)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void withoutHistoryOrPastTheExpectedEndEveryFastPoll() {
    assertThat(ExpectedEnd.of(cluster(), MIGRATE)).isEmpty();
    assertThat(next(START, Optional.empty())).isEqualTo(FAST);
    Optional<Duration> expected = Optional.of(Duration.ofSeconds(20));
    // Less than a fast poll before the expected end, and a task running longer than before.
    assertThat(next(START.plusSeconds(17), expected)).isEqualTo(FAST);
    assertThat(next(START.plusSeconds(40), expected)).isEqualTo(FAST);
  }

  @Test
  void neverLaterThanTheSlowPollOrTheTimeout() {
    Optional<Duration> hours = Optional.of(Duration.ofHours(2));
    assertThat(next(START, hours)).isEqualTo(SLOW);
    assertThat(ExpectedEnd.nextObservation(START, START, hours, FAST, SLOW, Duration.ofMinutes(2)))
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(
            ExpectedEnd.nextObservation(
                START.plusSeconds(118), START, hours, FAST, SLOW, Duration.ofMinutes(2)))
        .isEqualTo(FAST);
  }

  private static Duration next(Instant now, Optional<Duration> expected) {
    return ExpectedEnd.nextObservation(now, START, expected, FAST, SLOW, TIMEOUT);
  }

  private static TTESCluster cluster(Operation... newestFirst) {
    TTESCluster c = new TTESCluster();
    TTESClusterStatus s = new TTESClusterStatus();
    s.setOperations(new ArrayList<>(List.of(newestFirst)));
    c.setStatus(s);
    return c;
  }

  private static Operation run(String commandLine, OpsTaskPhase phase, int seconds) {
    Operation o = new Operation();
    o.setCommandLine(commandLine);
    o.setPhase(phase);
    Instant started = Instant.parse("2026-12-02T09:00:00Z");
    o.setStartedAt(started.toString());
    o.setFinishedAt(started.plusSeconds(seconds).toString());
    return o;
  }
}
