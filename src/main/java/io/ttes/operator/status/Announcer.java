package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.KindStatus;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people what a reconcile concluded: a Kubernetes event and a log line, on a change of
 * outcome only, so that a resource that stays Stalled for a day says so once.
 *
 * <ul>
 *   <li>Stalled: a Warning event with the outcome's reason, unless the status before was already
 *       Stalled with the same reason;
 *   <li>Ready: a Normal event, for the kinds that announce it, unless the kind says the status
 *       before had reached it already ({@link #announcingReady});
 *   <li>everything else (progress, failures) is announced by the kind's own events.
 * </ul>
 *
 * @param <S> the status of the kind
 */
public final class Announcer<S extends KindStatus> {
  private final EventRecorder events;
  private final Logger log;
  private final String noun;
  private final Predicate<S> readyBefore;

  private Announcer(EventRecorder events, Logger log, String noun, Predicate<S> readyBefore) {
    this.events = events;
    this.log = log;
    this.noun = noun;
    this.readyBefore = readyBefore;
  }

  /**
   * An announcer that logs as {@code owner} (the reconciler) and names the resource {@code noun}
   * ("upgrade", "cluster") in its log lines; it announces Stalled only.
   */
  public static <S extends KindStatus> Announcer<S> of(
      EventRecorder events, Class<?> owner, String noun) {
    return new Announcer<>(events, LoggerFactory.getLogger(owner), noun, null);
  }

  /**
   * The same announcer that also announces reaching Ready, unless {@code readyBefore} says the
   * status before had reached it (the Ready condition, or a final phase).
   */
  public Announcer<S> announcingReady(Predicate<S> readyBefore) {
    return new Announcer<>(events, log, noun, readyBefore);
  }

  /** Announces {@code outcome} when it differs from what {@code before} says. */
  public void announce(HasMetadata resource, S before, Outcome outcome) {
    if (outcome.state() == Outcome.State.STALLED && !stalledWith(before, outcome.reason())) {
      events.warning(resource, outcome.reason(), outcome.message());
      log.warn("{} stalled: {}: {}", noun, outcome.reason(), outcome.message());
    } else if (outcome.state() == Outcome.State.READY
        && readyBefore != null
        && (before == null || !readyBefore.test(before))) {
      events.normal(resource, outcome.reason(), outcome.message());
      log.info("{} ready: {}", noun, outcome.message());
    }
  }

  /** A Warning event and log line outside the outcome (a kind's own event). */
  public void warning(HasMetadata resource, String reason, String message) {
    events.warning(resource, reason, message);
    log.warn("{}: {}", reason, message);
  }

  /** A Normal event and log line outside the outcome (a kind's own event). */
  public void normal(HasMetadata resource, String reason, String message) {
    events.normal(resource, reason, message);
    log.info("{}: {}", reason, message);
  }

  /** Whether {@code status} says Stalled=True with {@code reason}. */
  static boolean stalledWith(KindStatus status, String reason) {
    var stalled = ConditionWriter.find(status, ConditionTypes.STALLED);
    return stalled != null
        && "True".equals(stalled.getStatus())
        && Objects.equals(stalled.getReason(), reason);
  }
}
