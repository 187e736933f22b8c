package io.ttes.operator.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.config.OperatorConfig.LeaseTimings;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.OperatorTestBed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas, each with its own Kubernetes client, against one in-process API and one
 * AWS: only the Lease holder reconciles, and when it stops the standby takes over and finishes the
 * work without repeating an AWS mutation.
 */
class LeaderElectionIT {
  private static final String NS = "ops";
  private static final String LEASE_NS = "ttes-system";
  private static final String LEASE = "ttes-operator-leader";
  // Short timings so the test runs in seconds; the production defaults are 15s / 10s / 2s.
  private static final LeaseTimings TIMINGS =
      new LeaseTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofSeconds(1));

  private OperatorTestBed bed;
  private FakeAws aws;

  @BeforeEach
  void start() {
    aws = new FakeAws();
    bed = OperatorTestBed.builder().namespace(NS).aws(aws).notStarted().start();
    bed.api.createNamespace(LEASE_NS);
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    // The first task runs until the test finishes it; others stop at their second describe.
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "migrate")).neverStop();
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void onlyTheLeaderReconcilesAndTheStandbyTakesOverWithoutRepeatingAwsWork() throws Exception {
    TtesOperator a = replica("replica-a");
    await().atMost(Duration.ofSeconds(10)).until(() -> holder().equals("replica-a"));
    TtesOperator b = replica("replica-b");
    assertThat(a.isLeader()).isTrue();

    bed.create(FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4), TTESCluster.class);
    createOpsTask("migrate", "is-db", "migrate");
    OpsTask running = awaitTask("migrate", t -> t.getStatus().getTaskArn() != null);
    assertThat(running.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Running);

    assertThat(b.isLeader()).isFalse();
    assertThat(readyz(a)).as("leader /readyz").isEqualTo(200);
    assertThat(readyz(b)).as("standby /readyz: it waits for the Lease").isEqualTo(200);
    assertThat(reconcilesStarted(a.registry())).isPositive();
    assertThat(reconcilesStarted(b.registry())).as("reconciles on the standby").isZero();
    assertThat(aws.ecs().runRequests()).hasSize(1);

    // The leader stops while its task runs on ECS; the task finishes while nobody leads, and a
    // second task arrives.
    Instant lastRenewal = renewTime();
    Instant closed = Instant.now();
    bed.stopReplica(a);
    aws.ecs().finish(running.getStatus().getTaskArn(), 0);
    createOpsTask("rebuild", "is-db", "rebuild-index");

    await()
        .atMost(TIMINGS.duration().plus(TIMINGS.retryPeriod().multipliedBy(3)))
        .pollInterval(Duration.ofMillis(50))
        .until(b::isLeader);
    Duration takeover = Duration.between(closed, Instant.now());
    Lease lease = lease();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-b");
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(4);
    Duration expiredAfterLastRenewal =
        Duration.between(lastRenewal, lease.getSpec().getAcquireTime().toInstant());
    System.out.printf(
        "takeover: %d ms after close, acquired %d ms after the old leader's last renewal%n",
        takeover.toMillis(), expiredAfterLastRenewal.toMillis());
    // The stopped leader neither renewed nor released: the standby waited for the Lease to expire.
    assertThat(expiredAfterLastRenewal).isGreaterThanOrEqualTo(TIMINGS.duration());

    OpsTask migrate = awaitTask("migrate", t -> finished(t));
    OpsTask rebuild = awaitTask("rebuild", t -> finished(t));
    assertThat(migrate.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(migrate.getStatus().getTaskArn()).isEqualTo(running.getStatus().getTaskArn());
    assertThat(rebuild.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);

    // One RunTask per OpsTask, across both replicas.
    assertThat(aws.calls().mutatingCalls())
        .containsExactly(FakeEcsTasks.RUN_TASK, FakeEcsTasks.RUN_TASK);
    assertThat(aws.ecs().runRequests())
        .extracting(RunRequest::command)
        .containsExactly(
            List.of("tti-lw-stack", "is-db", "migrate"),
            List.of("tti-lw-stack", "is-db", "rebuild-index"));
    assertThat(aws.ecs().startedTasks()).hasSize(2);
    // The new leader finished both: its own metrics count them (recorded just after the status).
    await().atMost(Duration.ofSeconds(5)).until(() -> opsTasksFinished(b.registry()) == 2);
    assertThat(opsTasksFinished(a.registry())).isZero();
    assertThat(reconcilesStarted(b.registry())).isPositive();
    assertThat(readyz(b)).isEqualTo(200);
  }

  @Test
  void aStandbyStaysReadyAndIdleWhileTheLeaderRuns() throws Exception {
    TtesOperator a = replica("replica-a");
    await().atMost(Duration.ofSeconds(10)).until(() -> holder().equals("replica-a"));
    TtesOperator b = replica("replica-b");
    bed.create(FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4), TTESCluster.class);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> KubeObjects.ready(bed.get(TTESCluster.class, "prod-eu1")));
    // Longer than a lease: the leader keeps renewing, the standby never gets it.
    Instant until = Instant.now().plus(TIMINGS.duration().plusSeconds(1));
    await()
        .atMost(TIMINGS.duration().plusSeconds(3))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(holder()).isEqualTo("replica-a");
              assertThat(b.isLeader()).isFalse();
              return Instant.now().isAfter(until);
            });
    assertThat(renewTime()).isAfter(Instant.now().minus(TIMINGS.renewDeadline()));
    assertThat(reconcilesStarted(b.registry())).isZero();
    assertThat(reconcilesStarted(a.registry())).isPositive();
    assertThat(readyz(b)).isEqualTo(200);
  }

  private TtesOperator replica(String identity) {
    return bed.replica(c -> c.withLeaderElection(LEASE_NS, LEASE).withLease(identity, TIMINGS));
  }

  private void createOpsTask(String name, String... command) {
    bed.create(Manifests.opsTask(name, "prod-eu1", List.of(command)), OpsTask.class);
  }

  private OpsTask awaitTask(String name, Predicate<OpsTask> condition) {
    return bed.await(
        OpsTask.class,
        name,
        Duration.ofSeconds(30),
        t -> t.getStatus() != null && condition.test(t));
  }

  private static boolean finished(OpsTask t) {
    return t.getStatus().getPhase() != null && t.getStatus().getPhase().isFinished();
  }

  private Lease lease() {
    return bed.client().leases().inNamespace(LEASE_NS).withName(LEASE).get();
  }

  private String holder() {
    Lease lease = lease();
    return lease == null || lease.getSpec().getHolderIdentity() == null
        ? ""
        : lease.getSpec().getHolderIdentity();
  }

  private Instant renewTime() {
    return lease().getSpec().getRenewTime().toInstant();
  }

  private static double reconcilesStarted(MeterRegistry registry) {
    return registry.find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static double opsTasksFinished(MeterRegistry registry) {
    return registry.find("ttes.opstasks").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static int readyz(TtesOperator operator) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + operator.httpPort() + "/readyz"))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
