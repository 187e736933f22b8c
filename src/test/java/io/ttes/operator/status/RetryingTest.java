package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.retry.GenericRetryExecution;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.fake.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one retry mechanism of every kind: backoff that never gives up, and what status says. */
class RetryingTest {

  @Test
  void backoffDoublesUpToTheCapAndNeverGivesUp() {
    GenericRetryExecution retry =
        Retrying.policy(Duration.ofSeconds(5), Duration.ofMinutes(5)).initExecution();
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      waits.add(retry.nextDelay().orElseThrow(() -> new AssertionError("gave up")));
    }
    // JOSDK's GenericRetryExecution waits the initial interval twice before it starts doubling.
    assertThat(waits.subList(0, 9))
        .containsExactly(
            5_000L, 5_000L, 10_000L, 20_000L, 40_000L, 80_000L, 160_000L, 300_000L, 300_000L);
    assertThat(waits).allMatch(w -> w <= 300_000L);
  }

  @Test
  void theStatusSaysWhatIsRetriedAndSinceTheFirstFailureUntilAReconcileGetsThrough() {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T03:00:00Z"));
    ConditionWriter conditions = new ConditionWriter(clock);
    OpsTaskStatus status = new OpsTaskStatus();
    Outcome outage =
        Retrying.outcomeOf(
            new AwsException(
                AwsException.Kind.RETRYABLE,
                "DescribeTasks",
                "ThrottlingException",
                "Rate exceeded"));

    conditions.apply(status, 1L, outage);
    clock.advance(Duration.ofMinutes(7));
    conditions.apply(status, 1L, outage);

    assertThat(status.getRetrying().getReason()).isEqualTo(Reasons.AWS_UNAVAILABLE);
    assertThat(status.getRetrying().getMessage()).contains("DescribeTasks", "ThrottlingException");
    assertThat(status.getRetrying().getSince()).isEqualTo("2026-12-02T03:00:00Z");
    var reconciling = ConditionWriter.find(status, "Reconciling");
    assertThat(reconciling.getStatus()).isEqualTo("True");
    assertThat(reconciling.getReason()).isEqualTo(Reasons.AWS_UNAVAILABLE);
    assertThat(reconciling.getMessage())
        .endsWith("; retrying with backoff since 2026-12-02T03:00:00Z");

    conditions.apply(status, 1L, Outcome.reconciling(Reasons.RUNNING, "task RUNNING"));
    assertThat(status.getRetrying()).isNull();
    assertThat(ConditionWriter.find(status, "Reconciling").getMessage()).isEqualTo("task RUNNING");
  }

  @Test
  void wrappedErrorsAreClassifiedAndKubernetesMessagesAreNotQuoted() {
    AwsException aws =
        new AwsException(AwsException.Kind.RETRYABLE, "DescribeStacks", null, "(HTTP 502)");
    assertThat(Retrying.outcomeOf(new RuntimeException("wrapped", aws)).reason())
        .isEqualTo(Reasons.AWS_UNAVAILABLE);

    KubernetesClientException conflict =
        new KubernetesClientException(
            "Failure executing: PATCH ... body {\"password\":\"k8s-marker-secret\"}",
            409,
            new StatusBuilder().withReason("Conflict").build());
    Outcome k = Retrying.outcomeOf(new RuntimeException(conflict));
    assertThat(k.reason()).isEqualTo(Reasons.KUBERNETES_API_UNAVAILABLE);
    assertThat(k.message()).isEqualTo("Kubernetes API answered HTTP 409 Conflict");

    Outcome other = Retrying.outcomeOf(new IllegalStateException("k8s-marker-secret"));
    assertThat(other.reason()).isEqualTo(Reasons.RECONCILE_ERROR);
    assertThat(other.message())
        .doesNotContain("k8s-marker-secret")
        .contains("IllegalStateException");
  }
}
