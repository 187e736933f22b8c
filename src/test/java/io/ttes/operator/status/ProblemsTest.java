package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.AwsException;
import org.junit.jupiter.api.Test;

/** The one classification of errors: Stalled with a reason, or back to JOSDK's retry. */
class ProblemsTest {

  @Test
  void aSpecProblemStallsWithItsReasonAndAMessageNamingTheField() {
    Outcome o =
        Problems.outcome(
            new SpecProblem(Reasons.CLUSTER_NOT_FOUND, "spec.clusterRef.name", "no such cluster"));
    assertThat(o.state()).isEqualTo(Outcome.State.STALLED);
    assertThat(o.reason()).isEqualTo("ClusterNotFound");
    assertThat(o.message()).isEqualTo("spec.clusterRef.name: no such cluster");
  }

  @Test
  void accessDeniedAndOtherRefusalsOfAwsStallWithTheirOwnReason() {
    Outcome denied = Problems.outcome(aws(AwsException.Kind.ACCESS_DENIED, "AccessDenied"));
    Outcome invalid = Problems.outcome(aws(AwsException.Kind.INVALID_INPUT, "ValidationError"));
    Outcome missing = Problems.outcome(aws(AwsException.Kind.NOT_FOUND, "NotFound"));
    assertThat(denied.state()).isEqualTo(Outcome.State.STALLED);
    assertThat(denied.reason()).isEqualTo("AccessDenied");
    assertThat(denied.message()).contains("DescribeStacks", "AccessDenied");
    assertThat(invalid.state()).isEqualTo(Outcome.State.STALLED);
    assertThat(invalid.reason()).isEqualTo("AwsRejected");
    assertThat(missing.reason()).isEqualTo("AwsRejected");
  }

  @Test
  void aRetryableAwsErrorAndAnythingElseGoBackToTheRetry() {
    AwsException throttled = aws(AwsException.Kind.RETRYABLE, "ThrottlingException");
    assertThatThrownBy(() -> Problems.outcome(throttled)).isSameAs(throttled);
    IllegalStateException bug = new IllegalStateException("bug");
    assertThatThrownBy(() -> Problems.outcome(bug)).isSameAs(bug);
    // and there it is shown as being retried
    assertThat(Retrying.outcomeOf(throttled).reason()).isEqualTo(Reasons.AWS_UNAVAILABLE);
  }

  private static AwsException aws(AwsException.Kind kind, String code) {
    return new AwsException(kind, "DescribeStacks", code, code + " (HTTP 400)");
  }
}
