package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.KindStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The one place conditions are built. Each condition carries the generation it was computed for;
 * {@code lastTransitionTime} moves only when the condition's status flips, so an unchanged outcome
 * yields an equal status and no patch.
 */
public final class ConditionWriter {
  private final Clock clock;

  public ConditionWriter(Clock clock) {
    this.clock = clock;
  }

  /**
   * Writes Ready, Reconciling and Stalled for {@code given} into {@code status}, and {@code
   * status.retrying} while the outcome is a transient error being retried ({@link Retrying}).
   */
  public void apply(KindStatus status, long generation, Outcome given) {
    status.setObservedGeneration(generation);
    Outcome outcome = Retrying.note(status, given, now());
    boolean ready = outcome.state() == Outcome.State.READY;
    boolean reconciling = outcome.state() == Outcome.State.RECONCILING;
    // A failed task or upgrade is finished and will not progress by itself: Stalled=True, so that
    // kstatus (Flux, kubectl wait) computes Failed, never Current.
    boolean stalled =
        outcome.state() == Outcome.State.STALLED || outcome.state() == Outcome.State.FAILED;
    set(status, generation, ConditionTypes.READY, ready, outcome.reason(), outcome.message());
    set(
        status,
        generation,
        ConditionTypes.RECONCILING,
        reconciling,
        reconciling ? outcome.reason() : "Idle",
        reconciling ? outcome.message() : "");
    set(
        status,
        generation,
        ConditionTypes.STALLED,
        stalled,
        stalled ? outcome.reason() : "Progressing",
        stalled ? outcome.message() : "");
  }

  /**
   * Writes a condition other than the three kstatus ones (a TTESCluster's Drifted), with the same
   * rules: the generation it was computed for, a transition time that moves only on a flip.
   */
  public void setCondition(
      KindStatus status, long generation, String type, boolean value, String reason, String msg) {
    set(status, generation, type, value, reason, msg);
  }

  private void set(
      KindStatus status, long generation, String type, boolean value, String reason, String msg) {
    String newStatus = value ? "True" : "False";
    List<Condition> conditions = status.getConditions();
    Condition existing =
        conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String transition =
        existing != null && newStatus.equals(existing.getStatus())
            ? existing.getLastTransitionTime()
            : now();
    Condition next =
        new ConditionBuilder()
            .withType(type)
            .withStatus(newStatus)
            .withReason(reason == null || reason.isBlank() ? "Unknown" : reason)
            .withMessage(msg == null ? "" : msg)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    if (existing == null) {
      conditions.add(next);
    } else if (!same(existing, next)) {
      conditions.set(conditions.indexOf(existing), next);
    }
  }

  private static boolean same(Condition a, Condition b) {
    return Objects.equals(a.getStatus(), b.getStatus())
        && Objects.equals(a.getReason(), b.getReason())
        && Objects.equals(a.getMessage(), b.getMessage())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Objects.equals(a.getLastTransitionTime(), b.getLastTransitionTime());
  }

  /** The operator's clock, the one condition times are read from. */
  public Clock clock() {
    return clock;
  }

  /** Current time in RFC 3339 seconds, the form Kubernetes uses for condition times. */
  public String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Finds a condition by type, or null. */
  public static Condition find(KindStatus status, String type) {
    if (status == null || status.getConditions() == null) {
      return null;
    }
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  /** True when the status says Ready=True for the current generation. */
  public static boolean isReady(KindStatus status, Long generation) {
    Condition ready = find(status, ConditionTypes.READY);
    return ready != null
        && "True".equals(ready.getStatus())
        && (generation == null || Objects.equals(status.getObservedGeneration(), generation));
  }
}
