package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The line of a cluster moves by events, and only OpsTasks that ask for {@code stopOnDelete} carry
 * a finalizer: through the real operator and in-process Kubernetes API, with in-memory AWS. The
 * operator polls running tasks every second and waiting ones only every minute (its safety poll),
 * so a waiter that starts within the awaits below was woken, not polled.
 */
class OpsTaskLineIT {
  private static final Duration WOKEN = Duration.ofSeconds(20);
  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    aws = new FakeAws();
    aws.ecs().neverStop();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    bed =
        OperatorTestBed.builder()
            .namespace("ops")
            .aws(aws)
            .config(c -> c.withPolling(Duration.ofSeconds(1), Duration.ofMinutes(10)))
            .start();
    FakeDeployment.create(
        bed.client(), "ops", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 1));
    bed.awaitClusterReady("prod-eu1");
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void aFinishedTaskStartsTheNextAtOnceAndTheOnesBehindAreNotRewritten() {
    List.of("first", "second", "third").forEach(n -> create(n, false));
    OpsTask running = awaitOneRunning();
    List<String> waiting =
        List.of("first", "second", "third").stream()
            .filter(n -> !n.equals(running.getMetadata().getName()))
            .toList();
    OpsTask[] before = waiting.stream().map(this::awaitWaiting).toArray(OpsTask[]::new);

    aws.ecs().finish(running.getStatus().getTaskArn(), 0);
    awaitPhase(running.getMetadata().getName(), OpsTaskPhase.Succeeded);
    OpsTask next = awaitOneRunning();

    String last =
        waiting.stream().filter(n -> !n.equals(next.getMetadata().getName())).findFirst().get();
    OpsTask lastBefore = before[waiting.indexOf(last)];
    OpsTask lastNow = get(last);
    assertThat(lastNow.getStatus().getMessage())
        .isEqualTo(lastBefore.getStatus().getMessage())
        .contains("spec.ops.maxConcurrentTasks: 1");
    assertThat(lastNow.getMetadata().getResourceVersion())
        .as("no status patch for a waiter while the line moved")
        .isEqualTo(lastBefore.getMetadata().getResourceVersion());
  }

  @Test
  void onlyATaskThatStopsOnDeleteHasAFinalizerAndOnlyUntilItFinished() {
    create("plain", false);
    OpsTask plain = awaitPhase("plain", OpsTaskPhase.Running);
    assertThat(plain.getMetadata().getFinalizers()).isEmpty();

    aws.ecs().finish(plain.getStatus().getTaskArn(), 0);
    awaitPhase("plain", OpsTaskPhase.Succeeded);
    create("stopping", true);
    OpsTask stopping = awaitPhase("stopping", OpsTaskPhase.Running);
    assertThat(stopping.getMetadata().getFinalizers()).containsExactly(OpsTaskReconciler.FINALIZER);

    bed.client().resource(stopping).delete();
    Awaitility.await().atMost(WOKEN).until(() -> get("stopping") == null);
    assertThat(aws.ecs().stopReasons()).containsExactly("OpsTask stopping deleted");
  }

  @Test
  void aRunningTaskDeletedWithoutFinalizerGivesItsSlotToTheNext() {
    create("first", false);
    OpsTask first = awaitPhase("first", OpsTaskPhase.Running);
    create("second", false);
    awaitWaiting("second");

    bed.client().resource(first).delete();

    awaitPhase("second", OpsTaskPhase.Running);
    assertThat(aws.ecs().stopReasons()).as("no stopOnDelete: its ECS task runs on").isEmpty();
  }

  @Test
  void theFinalizerAnEarlierVersionPutOnEveryOpsTaskIsRemovedSoItCanBeDeleted() {
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: old, finalizers: [opstasks.ops.ttes.io/finalizer]}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    OpsTask old =
        bed.await(OpsTask.class, "old", WOKEN, t -> t.getMetadata().getFinalizers().isEmpty());

    bed.client().resource(old).delete();

    Awaitility.await().atMost(WOKEN).until(() -> get("old") == null);
  }

  private void create(String name, boolean stopOnDelete) {
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate], stopOnDelete: %s}
        """
            .formatted(name, stopOnDelete),
        OpsTask.class);
  }

  private OpsTask get(String name) {
    return bed.get(OpsTask.class, name);
  }

  private OpsTask awaitPhase(String name, OpsTaskPhase phase) {
    return bed.await(
        OpsTask.class,
        name,
        WOKEN,
        t -> t.getStatus() != null && t.getStatus().getPhase() == phase);
  }

  private OpsTask awaitWaiting(String name) {
    return bed.await(
        OpsTask.class,
        name,
        WOKEN,
        t -> t.getStatus() != null && "WaitingForSlot".equals(t.getStatus().getReason()));
  }

  /** The one task of the three that runs now (maxConcurrentTasks 1). */
  private OpsTask awaitOneRunning() {
    return Awaitility.await()
        .atMost(WOKEN)
        .until(
            () ->
                bed.client().resources(OpsTask.class).inNamespace("ops").list().getItems().stream()
                    .filter(
                        t ->
                            t.getStatus() != null
                                && t.getStatus().getPhase() == OpsTaskPhase.Running)
                    .toList(),
            l -> l.size() == 1)
        .get(0);
  }
}
