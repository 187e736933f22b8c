package io.ttes.operator.upgrade.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a reconcile gets from a window at a fixed instant (2026-01-05 is a Monday). */
class WindowCheckTest {
  private static final MaintenanceWindow MONDAY_NIGHT =
      MaintenanceWindow.parse(List.of("Mon"), "02:00", "2h", "Europe/Amsterdam");

  @Test
  void outsideTheWindowItSaysWhenItOpensAndHowLongToWait() {
    Instant now = Instant.parse("2026-01-04T23:00:00Z");

    WindowCheck c = WindowCheck.of(MONDAY_NIGHT, now);

    assertThat(c.open()).isFalse();
    assertThat(c.opensAt()).isEqualTo(Instant.parse("2026-01-05T01:00:00Z"));
    assertThat(c.closesAt()).isEmpty();
    assertThat(c.waitFor(now)).isEqualTo(Duration.ofHours(2));
    assertThat(c.message())
        .isEqualTo(
            "outside the maintenance window Mon 02:00 for 2h (Europe/Amsterdam); it opens at"
                + " 2026-01-05T01:00:00Z");
  }

  @Test
  void insideTheWindowItSaysWhenItCloses() {
    Instant now = Instant.parse("2026-01-05T01:15:00Z");

    WindowCheck c = WindowCheck.of(MONDAY_NIGHT, now);

    assertThat(c.open()).isTrue();
    assertThat(c.opensAt()).isEqualTo(now);
    assertThat(c.closesAt()).contains(Instant.parse("2026-01-05T03:00:00Z"));
    assertThat(c.waitFor(now)).isZero();
    assertThat(c.message())
        .isEqualTo(
            "inside the maintenance window Mon 02:00 for 2h (Europe/Amsterdam), which closes at"
                + " 2026-01-05T03:00:00Z");
  }
}
