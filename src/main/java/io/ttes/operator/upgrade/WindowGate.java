package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.OUTSIDE_WINDOW;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_PENDING;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.WindowStatus;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.upgrade.window.MaintenanceWindow;
import io.ttes.operator.upgrade.window.WindowCheck;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The maintenance window in front of each step: a pending step (its snapshot, change set or
 * migration) starts only while spec.window is open; a step already started is never held. While
 * closed, status.window says when it opens and one Normal event per wait says so.
 */
final class WindowGate {
  private final UpgradeEndings endings;

  WindowGate(UpgradeEndings endings) {
    this.endings = endings;
  }

  /** Null when {@code rec} may go on; else the wait until the window opens. */
  PhaseResult hold(UpgradeRun run, Step rec) {
    MaintenanceWindow window = run.validation.window();
    if (window == null || !STEP_PENDING.equals(rec.getPhase())) {
      return null;
    }
    Instant now = endings.instant();
    WindowCheck check = WindowCheck.of(window, now);
    if (check.open()) {
      run.status.setWindow(null);
      return null;
    }
    String opens = check.opensAt().truncatedTo(ChronoUnit.SECONDS).toString();
    WindowStatus waiting = run.status.getWindow();
    boolean newWait =
        waiting == null
            || !Objects.equals(waiting.getNextOpening(), opens)
            || !Objects.equals(waiting.getStep(), rec.getName());
    if (newWait) {
      WindowStatus ws = new WindowStatus();
      ws.setWindow(window.describe());
      ws.setNextOpening(opens);
      ws.setStep(rec.getName());
      run.status.setWindow(ws);
      endings.events.normal(
          run.resource, OUTSIDE_WINDOW, "step " + rec.getName() + " waits: " + check.message());
    }
    rec.setMessage("waiting for the maintenance window, which opens at " + opens);
    Duration wait = check.waitFor(now);
    Duration slow = endings.config.slowPoll();
    return new PhaseResult(
        Outcome.reconciling(OUTSIDE_WINDOW, "step " + rec.getName() + " waits: " + check.message()),
        wait.compareTo(slow) < 0 ? wait : slow);
  }
}
