package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a phase of an upgrade ends the reconcile, shared by every handler: failing (with the retry
 * hint, the lock released), stalling on problems, or going on at once.
 */
final class UpgradeEndings {
  private static final Logger log = LoggerFactory.getLogger(StackUpgradeReconciler.class);

  final EventRecorder events;
  final UpgradeLock lock;
  final OperatorConfig config;
  private final Clock clock;

  UpgradeEndings(EventRecorder events, UpgradeLock lock, OperatorConfig config, Clock clock) {
    this.events = events;
    this.lock = lock;
    this.config = config;
    this.clock = clock;
  }

  PhaseResult fail(UpgradeRun run, Step rec, String reason, String message) {
    if (rec != null) {
      rec.setPhase(UpgradeReasons.STEP_FAILED);
      rec.setFinishedAt(now());
      rec.setMessage(message);
    }
    run.status.setPhase(UpgradePhase.Failed);
    lock.release(run.ns, run.clusterName(), run.name);
    String full =
        (RollbackPlanner.isRollback(run.status.getPlan()) ? "rollback failed: " : "")
            + (rec == null ? "" : "step " + rec.getName() + " failed: ")
            + message
            + "; annotate with "
            + ApiGroup.RETRY_ANNOTATION
            + "=<new value> to retry";
    events.warning(run.resource, reason, full);
    log.warn("upgrade {}/{} failed: {}", run.ns, run.name, full);
    return new PhaseResult(Outcome.failed(reason, full), config.slowPoll());
  }

  /** Go on at once: the next reconcile takes the next step (this one used its mutating call). */
  PhaseResult again(UpgradeRun run, String message) {
    return new PhaseResult(
        Outcome.reconciling(phaseReason(run.status), message), Duration.ofMillis(1));
  }

  static PhaseResult stalled(List<PlanProblem> problems) {
    String message = problems.stream().map(PlanProblem::describe).collect(Collectors.joining("; "));
    return new PhaseResult(Outcome.stalled(problems.get(0).reason(), message), null);
  }

  static String phaseReason(StackUpgradeStatus status) {
    return status.getPhase() == null ? UpgradeReasons.PLANNING : status.getPhase().name();
  }

  String now() {
    return instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  Instant instant() {
    return Instant.now(clock);
  }
}
