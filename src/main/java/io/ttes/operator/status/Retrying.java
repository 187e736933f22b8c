package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.RetryStatus;
import io.ttes.operator.aws.AwsException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How every kind retries a transient error (AWS throttled or down, the Kubernetes API refusing a
 * write, an unexpected exception): forever, with exponential backoff capped at a few minutes, and
 * with the status saying what fails and since when ({@code status.retrying} and the Reconciling
 * condition). JOSDK's default gives up after five attempts (about 26 s) and then looks again only
 * after {@code maxReconciliationInterval} (hours): a resource that met an outage went quiet.
 *
 * <p>Errors a retry cannot fix (bad input, AccessDenied) never come here: the reconcilers turn them
 * into Stalled themselves.
 */
public final class Retrying {
  /** Reconciling reasons of transient errors; an outcome with one of them is being retried. */
  public static final Set<String> REASONS =
      Set.of(Reasons.AWS_UNAVAILABLE, Reasons.KUBERNETES_API_UNAVAILABLE, Reasons.RECONCILE_ERROR);

  private Retrying() {}

  /**
   * The retry every controller is registered with: {@code initial}, doubling, at most {@code cap}
   * between attempts, never giving up. The operator passes its fast and slow poll intervals (5 s
   * and 5 min by default): an error never makes it look at a resource less often than it polls a
   * stable one.
   */
  public static GenericRetry policy(Duration initial, Duration cap) {
    return new GenericRetry()
        .setInitialInterval(initial.toMillis())
        .setIntervalMultiplier(2)
        .setMaxInterval(Math.max(initial.toMillis(), cap.toMillis()))
        .withoutMaxAttempts();
  }

  /** What the status says about an exception that reached JOSDK; never a secret value. */
  public static Outcome outcomeOf(Exception e) {
    // JOSDK may hand the error over wrapped (in a ReconciliationException or a framework one).
    AwsException aws = find(e, AwsException.class);
    if (aws != null) {
      return Outcome.reconciling(Reasons.AWS_UNAVAILABLE, aws.getMessage());
    }
    KubernetesClientException k = find(e, KubernetesClientException.class);
    if (k != null) {
      // The client's message can quote the request body; the code and the API's reason suffice.
      String reason =
          k.getStatus() == null || k.getStatus().getReason() == null
              ? ""
              : " " + k.getStatus().getReason();
      return Outcome.reconciling(
          Reasons.KUBERNETES_API_UNAVAILABLE,
          "Kubernetes API answered "
              + (k.getCode() == 0 ? "no response" : "HTTP " + k.getCode())
              + reason);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return Outcome.reconciling(
        Reasons.RECONCILE_ERROR,
        "unexpected " + root.getClass().getSimpleName() + " (see the operator log)");
  }

  /**
   * Records {@code outcome} in {@code status.retrying}: kept (with its first failure time) while
   * transient errors go on, cleared by any other outcome. Returns the outcome to show, whose
   * message says since when the error is retried. Called by {@link ConditionWriter} only.
   */
  static Outcome note(KindStatus status, Outcome outcome, String now) {
    if (outcome.state() != Outcome.State.RECONCILING || !REASONS.contains(outcome.reason())) {
      status.setRetrying(null);
      return outcome;
    }
    RetryStatus before = status.getRetrying();
    RetryStatus retry = new RetryStatus();
    retry.setReason(outcome.reason());
    retry.setMessage(outcome.message());
    retry.setSince(before == null || before.getSince() == null ? now : before.getSince());
    if (!Objects.equals(before, retry)) {
      status.setRetrying(retry);
    }
    return new Outcome(
        outcome.state(),
        outcome.reason(),
        outcome.message() + "; retrying with backoff since " + retry.getSince());
  }

  /** Writes a status: {@link StatusUpdates#patch} or a reconciler's own wrapper of it. */
  @FunctionalInterface
  public interface StatusWriter<R extends HasMetadata, S> {
    void write(R resource, Context<R> context, S next);
  }

  /**
   * The {@code updateErrorStatus} of every reconciler: says on the status what is retried and since
   * when, and leaves the next attempt to JOSDK's retry ({@link #policy}). A status that cannot be
   * written (the Kubernetes API is what fails) is skipped: the retry goes on regardless.
   */
  public static <S extends KindStatus, R extends CustomResource<?, S>>
      ErrorStatusUpdateControl<R> onError(
          R resource,
          Context<R> context,
          Exception e,
          ConditionWriter conditions,
          StatusWriter<R, S> writer) {
    try {
      S next = StatusUpdates.copyStatus(resource, context);
      conditions.apply(next, resource.getMetadata().getGeneration(), outcomeOf(e));
      writer.write(resource, context, next);
    } catch (RuntimeException writeFailed) {
      // Nothing to add: JOSDK logs the original error, and the next attempt writes again.
    }
    return ErrorStatusUpdateControl.defaultErrorProcessing();
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
