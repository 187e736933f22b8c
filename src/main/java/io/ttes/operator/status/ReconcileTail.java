package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.ttes.operator.api.v1alpha1.KindStatus;
import java.time.Duration;

/**
 * How every reconcile ends: the outcome goes into the conditions (with the generation it was
 * computed for), a change of outcome is announced ({@link Announcer}), the status is written, and
 * the next look is asked for. The error path ({@code updateErrorStatus}) ends here too.
 *
 * @param <S> the status of the kind
 * @param <R> the kind
 */
public final class ReconcileTail<S extends KindStatus, R extends CustomResource<?, S>> {
  private final ConditionWriter conditions;
  private final Announcer<S> announcer;
  private final Retrying.StatusWriter<R, S> writer;

  /**
   * @param writer {@link StatusUpdates#patch}, or a reconciler's wrapper of it (metrics)
   */
  public ReconcileTail(
      ConditionWriter conditions, Announcer<S> announcer, Retrying.StatusWriter<R, S> writer) {
    this.conditions = conditions;
    this.announcer = announcer;
    this.writer = writer;
  }

  /**
   * Applies {@code outcome} to {@code next}, announces it against {@code before} (the status the
   * reconcile started from), writes {@code next} and reschedules.
   *
   * @param resource the resource as last stored (a checkpoint may have written it meanwhile)
   * @param reschedule when to look again; null: only when an event source says something changed
   */
  public UpdateControl<R> finish(
      R resource, Context<R> context, S before, S next, Outcome outcome, Duration reschedule) {
    conditions.apply(next, resource.getMetadata().getGeneration(), outcome);
    announcer.announce(resource, before, outcome);
    return write(resource, context, next, reschedule);
  }

  /**
   * Writes {@code next}, whose conditions the kind's state machine applied itself (OpsTask), and
   * reschedules; the caller announces the machine's events after the write.
   */
  public UpdateControl<R> write(R resource, Context<R> context, S next, Duration reschedule) {
    writer.write(resource, context, next);
    return after(reschedule);
  }

  /** The {@code updateErrorStatus} of the kind: see {@link Retrying#onError}. */
  public ErrorStatusUpdateControl<R> onError(R resource, Context<R> context, Exception e) {
    return Retrying.onError(resource, context, e, conditions, writer);
  }

  /** The announcer of this kind, for its own events. */
  public Announcer<S> announcer() {
    return announcer;
  }

  /**
   * No status update by JOSDK (the status was patched already), and a look again after {@code
   * reschedule} when one is given. Zero means now: JOSDK is asked for one millisecond.
   */
  public static <R extends HasMetadata> UpdateControl<R> after(Duration reschedule) {
    if (reschedule == null) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.<R>noUpdate()
        .rescheduleAfter(reschedule.isZero() ? Duration.ofMillis(1) : reschedule);
  }
}
