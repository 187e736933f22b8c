package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks.Ending;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Job-like parts of OpsTask through the real operator: retries after an infrastructure stop,
 * suspend, the retry annotation and the TTL deletion (in real seconds; the unit tests drive the
 * same decisions on a test clock).
 */
class OpsTaskJobLikeIT {
  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    aws = new FakeAws();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    bed = new OperatorTestBed("ops", aws);
    FakeDeployment.create(
        bed.client(), "ops", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
    bed.awaitClusterReady("prod-eu1");
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  private static boolean finished(OpsTask t) {
    return t.getStatus() != null
        && t.getStatus().getPhase() != null
        && t.getStatus().getPhase().isFinished();
  }

  @Test
  void aTaskThatFailedToStartIsRetriedUnderANewToken() {
    aws.ecs().endNextTasks(Ending.failedToStart("CannotPullContainerError: timeout"));
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: pull}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    OpsTask waiting =
        bed.await(
            OpsTask.class,
            "pull",
            Duration.ofSeconds(30),
            t -> t.getStatus() != null && t.getStatus().getNextAttemptAt() != null);
    assertThat(waiting.getStatus().getReason()).isEqualTo(OpsTaskFlow.WAITING_TO_RETRY);
    assertThat(waiting.getStatus().getAttempts()).hasSize(1);
    // The backoff is 10 s before the second attempt.
    OpsTask done = bed.await(OpsTask.class, "pull", Duration.ofSeconds(40), t -> finished(t));
    assertThat(done.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(done.getStatus().getAttempts())
        .extracting(a -> a.getAction())
        .containsExactly("Ignore", "None");
    assertThat(aws.ecs().startedTasks()).hasSize(2);
    assertThat(aws.ecs().runRequests()).extracting(r -> r.startedBy()).doesNotHaveDuplicates();
  }

  @Test
  void suspendHoldsUntilClearedThenTheRetryAnnotationRunsItAgainThenTheTtlDeletesIt() {
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: held}
        spec:
          clusterRef: {name: prod-eu1}
          command: [is-db, migrate]
          suspend: true
          ttlSecondsAfterFinished: 4
        """,
        OpsTask.class);
    OpsTask held =
        bed.await(
            OpsTask.class,
            "held",
            Duration.ofSeconds(30),
            t -> t.getStatus() != null && OpsTaskFlow.SUSPENDED.equals(t.getStatus().getReason()));
    assertThat(held.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(aws.ecs().runRequests()).isEmpty();

    bed.client()
        .resources(OpsTask.class)
        .inNamespace("ops")
        .withName("held")
        .edit(
            t -> {
              t.getSpec().setSuspend(false);
              return t;
            });
    bed.await(OpsTask.class, "held", Duration.ofSeconds(30), t -> finished(t));
    assertThat(aws.ecs().runRequests()).hasSize(1);

    bed.client()
        .resources(OpsTask.class)
        .inNamespace("ops")
        .withName("held")
        .edit(
            t -> {
              t.getMetadata().getAnnotations().put("ops.ttes.io/retry", "1");
              return t;
            });
    OpsTask again =
        bed.await(
            OpsTask.class,
            "held",
            Duration.ofSeconds(30),
            t -> finished(t) && t.getStatus().getAttempts().size() == 2);
    assertThat(again.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(aws.ecs().startedTasks()).hasSize(2);

    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.get(OpsTask.class, "held") == null);
  }
}
