package io.ttes.operator.status;

import io.ttes.operator.aws.AwsException;

/**
 * The one classification of the errors a reconcile meets: what no retry fixes ends Stalled until a
 * person acts, anything else goes to JOSDK's retry with backoff ({@link Retrying}).
 *
 * <ul>
 *   <li>{@link SpecProblem}: Stalled with its reason and a message naming the field;
 *   <li>{@link AwsException} of kind ACCESS_DENIED: Stalled, reason {@code AccessDenied};
 *   <li>other non-retryable {@link AwsException}s: Stalled, reason {@code AwsRejected};
 *   <li>a retryable {@link AwsException} (and anything else): rethrown, so that {@code
 *       updateErrorStatus} shows Reconciling {@code AwsUnavailable} while JOSDK retries.
 * </ul>
 */
public final class Problems {
  private Problems() {}

  /** The Stalled outcome of {@code e}, or {@code e} rethrown when a retry may fix it. */
  public static Outcome outcome(RuntimeException e) {
    if (e instanceof SpecProblem p) {
      return Outcome.stalled(p.reason(), p.getMessage());
    }
    if (e instanceof AwsException aws && !aws.isRetryable()) {
      return Outcome.stalled(reason(aws), aws.getMessage());
    }
    throw e;
  }

  /** The Stalled reason of an AWS error no retry fixes. */
  public static String reason(AwsException e) {
    return e.kind() == AwsException.Kind.ACCESS_DENIED
        ? Reasons.ACCESS_DENIED
        : Reasons.AWS_REJECTED;
  }
}
