package io.ttes.operator.upgrade.window;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a maintenance window says at one instant, ready for a reconcile: start now, or wait until
 * {@link #opensAt()} and say so.
 *
 * @param open whether a stack may start executing now
 * @param opensAt now when open, else when the window next opens
 * @param closesAt when the open period ends; empty when closed or when the window never closes
 * @param message one line for a condition and an event
 */
public record WindowCheck(
    boolean open, Instant opensAt, Optional<Instant> closesAt, String message) {

  /** The check of {@code window} at {@code now}. */
  public static WindowCheck of(MaintenanceWindow window, Instant now) {
    if (window.isOpen(now)) {
      Optional<Instant> closes = window.closesAt(now);
      return new WindowCheck(
          true,
          now,
          closes,
          "inside the maintenance window "
              + window.describe()
              + closes.map(c -> ", which closes at " + c).orElse(""));
    }
    Instant opens = window.nextOpening(now);
    return new WindowCheck(
        false,
        opens,
        Optional.empty(),
        "outside the maintenance window " + window.describe() + "; it opens at " + opens);
  }

  /** How long to wait before looking again: zero when open, else until the window opens. */
  public Duration waitFor(Instant now) {
    return open || !opensAt.isAfter(now) ? Duration.ZERO : Duration.between(now, opensAt);
  }
}
