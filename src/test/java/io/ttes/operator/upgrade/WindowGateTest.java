package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.PhaseHarness.NS;
import static io.ttes.operator.upgrade.PhaseHarness.OPS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.status.Outcome;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The maintenance window on the phase handlers with a clock the test moves: planning and approval
 * any time, a pending step starts only inside the window, a started step finishes after it closes,
 * one event per wait and a reschedule at the opening or the slow poll, whichever comes first.
 */
class WindowGateTest {
  /** Saturdays 02:00-04:00 UTC; the test starts on Wednesday 2026-12-02. */
  static final String WINDOW =
      "  window: {days: [Sat], start: \"02:00\", duration: 2h, timeZone: UTC}\n";

  static final Instant SATURDAY = Instant.parse("2026-12-05T02:00:00Z");
  static final String EXECUTE = FakeChangeSets.EXECUTE_CHANGE_SET;

  final MutableClock clock = MutableClock.at("2026-12-02T17:00:00Z");
  PhaseHarness h;

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void outsideTheWindowThePlanIsMadeButNothingExecutesAndOneEventSaysWhenItOpens() {
    h = new PhaseHarness(WINDOW, clock);

    PhaseResult waiting = reconcileUntilOutsideWindow();

    assertThat(h.status().getPlan().getHash()).isNotBlank();
    assertThat(h.calls(FakeChangeSets.CREATE_CHANGE_SET)).isPositive();
    assertThat(h.calls(EXECUTE)).isZero();
    assertThat(h.aws.snapshots().created()).isEmpty();
    assertThat(waiting.outcome().message())
        .contains("outside the maintenance window Sat 02:00 for 2h (UTC)")
        .contains("opens at 2026-12-05T02:00:00Z");
    assertThat(h.status().getWindow().getNextOpening()).isEqualTo("2026-12-05T02:00:00Z");
    assertThat(h.status().getWindow().getStep()).isEqualTo(OPS);
    // Three days away: the slow poll (1 s in the harness) comes first.
    assertThat(waiting.reschedule()).isEqualTo(Duration.ofSeconds(1));

    for (int i = 0; i < 3; i++) {
      assertThat(h.reconcile().outcome().reason()).isEqualTo(UpgradeReasons.OUTSIDE_WINDOW);
    }
    assertThat(h.calls(EXECUTE)).isZero();
    assertThat(outsideWindowEvents()).isEqualTo(1);

    clock.set(SATURDAY.minusMillis(400));
    assertThat(h.reconcile().reschedule()).isEqualTo(Duration.ofMillis(400));
  }

  @Test
  void insideTheWindowAStepStartsAndFinishesAfterItClosesWhileTheNextOneWaitsForNextWeek() {
    h = new PhaseHarness(WINDOW, clock);
    reconcileUntilOutsideWindow();

    // One minute before it closes, the ops stack starts.
    clock.set(SATURDAY.plus(Duration.ofMinutes(119)));
    for (int i = 0; i < 20 && h.calls(EXECUTE) == 0; i++) {
      h.reconcile();
    }
    assertThat(h.calls(EXECUTE)).isEqualTo(1);
    assertThat(h.status().getWindow()).isNull();

    // The window closes while the stack updates: the update is followed to its end.
    clock.advance(Duration.ofMinutes(5));
    PhaseResult last = null;
    for (int i = 0; i < 50 && !stepSucceeded(OPS); i++) {
      last = h.reconcile();
      sleep();
    }
    assertThat(stepSucceeded(OPS)).isTrue();
    for (int i = 0; i < 5; i++) {
      last = h.reconcile();
    }
    assertThat(last.outcome().reason()).isEqualTo(UpgradeReasons.OUTSIDE_WINDOW);
    assertThat(h.opsTasks()).isEmpty();
    assertThat(h.calls(EXECUTE)).isEqualTo(1);
    assertThat(h.status().getWindow().getNextOpening()).isEqualTo("2026-12-12T02:00:00Z");
    assertThat(outsideWindowEvents()).isEqualTo(2);
  }

  @Test
  void withoutAWindowNothingWaits() {
    h = new PhaseHarness("", clock);
    for (int i = 0; i < 20 && h.calls(EXECUTE) == 0; i++) {
      assertThat(h.reconcile().outcome().reason()).isNotEqualTo(UpgradeReasons.OUTSIDE_WINDOW);
    }
    assertThat(h.calls(EXECUTE)).isEqualTo(1);
    assertThat(h.status().getWindow()).isNull();
  }

  @Test
  void aWindowThatDoesNotParseStallsNamingTheField() {
    h = new PhaseHarness("  window: {days: [Funday], start: \"02:00\", duration: 2h}\n", clock);
    Outcome outcome = h.reconcile().outcome();
    for (int i = 0; i < 5 && !"InvalidSpec".equals(outcome.reason()); i++) {
      outcome = h.reconcile().outcome();
    }
    assertThat(outcome.reason()).isEqualTo("InvalidSpec");
    assertThat(outcome.message())
        .contains("spec.window.days[0]: `Funday` is not a day of the week");
    assertThat(h.calls(FakeChangeSets.CREATE_CHANGE_SET)).isZero();
  }

  private PhaseResult reconcileUntilOutsideWindow() {
    for (int i = 0; i < 30; i++) {
      PhaseResult r = h.reconcile();
      if (UpgradeReasons.OUTSIDE_WINDOW.equals(r.outcome().reason())) {
        return r;
      }
    }
    throw new AssertionError("never OutsideWindow: " + h.status());
  }

  private boolean stepSucceeded(String name) {
    return h.status().getSteps().stream()
        .filter(s -> name.equals(s.getName()))
        .map(Step::getPhase)
        .anyMatch(UpgradeReasons.STEP_SUCCEEDED::equals);
  }

  private int outsideWindowEvents() {
    return h.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> UpgradeReasons.OUTSIDE_WINDOW.equals(e.getReason()))
        .mapToInt(Event::getCount)
        .sum();
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
