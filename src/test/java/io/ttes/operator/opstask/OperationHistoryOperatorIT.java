package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TTESCluster's history of finished OpsTasks through the real operator, on the fakes' clock:
 * OpsTasks finishing together, the cluster's own status writes, a restart between an OpsTask's
 * finished status and its history entry, and the TTL of finished OpsTasks on the test clock.
 */
class OperationHistoryOperatorIT {
  private static final String CLUSTER = "prod-eu1";
  private static final String PASSWORD = "history-pw-5f1e9c";
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** The system's (tasks need time to pass to be observed), until a test stops it. */
  private final OpsTaskAwsAsDocumentedIT.ShiftedClock clock =
      new OpsTaskAwsAsDocumentedIT.ShiftedClock();

  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    aws = new FakeAws(clock);
    FakeDeployment.seed(aws, CLUSTER, "3.33.1");
    bed = OperatorTestBed.builder().namespace("ops").aws(aws).clock(clock).clientPerStart().start();
    FakeDeployment.create(
        bed.client(), "ops", FakeDeployment.clusterYaml(CLUSTER, CLUSTER, true, 16));
    bed.awaitClusterReady(CLUSTER);
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  private OpsTask task(String name, String extraSpec) {
    return bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          command: [is-db, migrate]
        %s
        """
            .formatted(name, CLUSTER, extraSpec.indent(2)),
        OpsTask.class);
  }

  private OpsTask awaitRecorded(String name) {
    return bed.await(
        OpsTask.class,
        name,
        WAIT,
        t ->
            t.getStatus() != null
                && t.getStatus().getPhase() != null
                && t.getStatus().getPhase().isFinished()
                && t.getStatus().getRecordedInHistory() != null);
  }

  private List<Operation> history() {
    TTESClusterStatus s = bed.get(TTESCluster.class, CLUSTER).getStatus();
    return s == null ? List.of() : s.getOperations();
  }

  @Test
  void opsTasksFinishingTogetherAreAllListedAndTheClustersOwnWritesKeepThem() {
    bed.secret("admin", Map.of("password", PASSWORD));
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: admin}
        spec:
          clusterRef: {name: %s}
          command: [is-db, create-admin-user, --password, $(PW)]
          secretArgs: [{name: PW, secretKeyRef: {name: admin, key: password}}]
        """
            .formatted(CLUSTER),
        OpsTask.class);
    List<String> names = IntStream.range(0, 12).mapToObj(i -> "batch-" + i).toList();
    names.forEach(n -> task(n, ""));

    awaitRecorded("admin");
    names.forEach(this::awaitRecorded);

    List<Operation> ops = history();
    assertThat(ops).hasSize(13).extracting(Operation::getUid).doesNotHaveDuplicates();
    assertThat(ops).extracting(Operation::getPhase).containsOnly(OpsTaskPhase.Succeeded);
    assertThat(ops).extracting(Operation::getOpsTask).containsAll(names).contains("admin");
    Operation admin = ops.stream().filter(o -> o.getOpsTask().equals("admin")).findFirst().get();
    assertThat(admin.getCommandLine())
        .isEqualTo("tti-lw-stack is-db create-admin-user --password $(PW)");
    assertThat(admin.getExitCode()).isZero();
    assertThat(admin.getTaskArn()).isNotNull();
    assertThat(admin.getOwnerKind()).isNull();
    String clusterJson =
        bed.client().getKubernetesSerialization().asJson(bed.get(TTESCluster.class, CLUSTER));
    assertThat(clusterJson).doesNotContain(PASSWORD);

    // The cluster reconciler writes its own fields of the same status: the history stays.
    aws.stacks().stack(CLUSTER + "-1-1-vpc").status("UPDATE_IN_PROGRESS");
    Awaitility.await()
        .atMost(WAIT)
        .until(
            () ->
                bed.get(TTESCluster.class, CLUSTER).getStatus().getStacks().stream()
                    .anyMatch(s -> "UPDATE_IN_PROGRESS".equals(s.getStatus())));
    aws.stacks().stack(CLUSTER + "-1-1-vpc").status("UPDATE_COMPLETE");
    Awaitility.await()
        .atMost(WAIT)
        .until(
            () ->
                bed.get(TTESCluster.class, CLUSTER).getStatus().getStacks().stream()
                    .noneMatch(s -> "UPDATE_IN_PROGRESS".equals(s.getStatus())));
    assertThat(history()).containsExactlyElementsOf(ops);
  }

  @Test
  void aRestartBetweenTheFinishedStatusAndTheHistoryRecordsTheRunOnce() {
    task("before-append", "");
    task("after-append", "");
    awaitRecorded("before-append");
    awaitRecorded("after-append");
    bed.stopOperator();
    // As a crash would leave them: one finished OpsTask whose entry never reached the cluster,
    // one whose entry did but whose marker did not.
    bed.client()
        .resources(TTESCluster.class)
        .inNamespace("ops")
        .withName(CLUSTER)
        .editStatus(
            c -> {
              c.getStatus().getOperations().removeIf(o -> o.getOpsTask().equals("before-append"));
              return c;
            });
    for (String name : List.of("before-append", "after-append")) {
      bed.client()
          .resources(OpsTask.class)
          .inNamespace("ops")
          .withName(name)
          .editStatus(
              t -> {
                t.getStatus().setRecordedInHistory(null);
                return t;
              });
    }
    assertThat(history()).extracting(Operation::getOpsTask).containsExactly("after-append");

    bed.startOperator();
    awaitRecorded("before-append");
    awaitRecorded("after-append");

    assertThat(history())
        .extracting(Operation::getOpsTask)
        .containsExactlyInAnyOrder("before-append", "after-append");
    assertThat(aws.ecs().startedTasks()).as("nothing ran again").hasSize(2);
  }

  @Test
  void aFinishedAdHocTaskIsDeletedOnceTheTestClockPassesItsTtlAndAnOwnedOneNever() {
    TTESCluster owner = bed.get(TTESCluster.class, CLUSTER);
    task("adhoc", "ttlSecondsAfterFinished: 60");
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata:
          name: owned
          ownerReferences:
            - {apiVersion: ops.ttes.io/v1alpha1, kind: TTESCluster, name: %s, uid: %s}
        spec: {clusterRef: {name: %s}, command: [is-db, migrate], ttlSecondsAfterFinished: 60}
        """
            .formatted(CLUSTER, owner.getMetadata().getUid(), CLUSTER),
        OpsTask.class);
    Instant finished = Instant.parse(awaitRecorded("adhoc").getStatus().getFinishedAt());
    awaitRecorded("owned");

    // 59 s after it finished: the restarted operator looks at both at once, and again every
    // second (the TTL left), and keeps them.
    clock.stopAt(finished.plusSeconds(59));
    bed.restartOperator();
    Awaitility.await()
        .during(Duration.ofSeconds(3))
        .atMost(WAIT)
        .until(() -> bed.get(OpsTask.class, "adhoc") != null);

    clock.stopAt(finished.plusSeconds(60));
    Awaitility.await().atMost(WAIT).until(() -> bed.get(OpsTask.class, "adhoc") == null);

    clock.stopAt(finished.plus(Duration.ofHours(1)));
    bed.restartOperator();
    Awaitility.await()
        .during(Duration.ofSeconds(3))
        .atMost(WAIT)
        .until(() -> bed.get(OpsTask.class, "owned") != null);
    // Deleting the OpsTask leaves its entry in the cluster's history.
    assertThat(history()).extracting(Operation::getOpsTask).contains("adhoc", "owned");
  }
}
