package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Independent bootstrap steps run at once, through the real operator: ECS tasks run until the test
 * ends them, so each wave of tasks the bootstrap starts together can be seen and counted.
 */
class TenantBootstrapWavesOperatorIT {
  private static final String NS = "waves";
  private static final String CLUSTER = "prod-eu1";
  private static final Duration SETTLED = Duration.ofMillis(1500);

  private FakeAws aws;
  private OperatorTestBed bed;

  private void start(int maxConcurrentTasks) {
    aws = new FakeAws();
    FakeDeployment.seed(aws, CLUSTER, "3.33.1");
    aws.ecs().neverStop();
    bed = new OperatorTestBed(NS, aws);
    FakeDeployment.create(
        bed.client(), NS, FakeDeployment.clusterYaml(CLUSTER, CLUSTER, true, maxConcurrentTasks));
    bed.awaitClusterReady(CLUSTER);
    bed.secret("acme-admin", Map.of("password", "pw-waves-1"));
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: acme}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: acme, name: ACME Corp}
          storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
          noc: {init: true}
          oauthClients: {cli: true, console: true, noc: true}
          admin:
            email: admin@acme.example
            passwordSecretRef: {name: acme-admin, key: password}
        """,
        TenantBootstrap.class);
  }

  @AfterEach
  void stop() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void theBootstrapRunsInFourWavesWithTheThreeDatabaseStepsAtOnce() throws Exception {
    start(4);

    List<Set<String>> waves = new ArrayList<>();
    Set<String> ended = new HashSet<>();
    while (waves.size() < 10 && !succeeded()) {
      Set<String> wave = settledRunning(ended);
      if (wave.isEmpty()) {
        continue;
      }
      if (waves.isEmpty()) {
        // The three OpsTasks exist at the same time, each with its ECS task running.
        assertThat(opsTasks())
            .containsExactlyInAnyOrder(
                "prod-eu1-storage-db-init", "prod-eu1-noc-db-init", "prod-eu1-is-db-migrate");
      }
      waves.add(steps(wave));
      for (String arn : wave) {
        aws.ecs().finish(arn, 0);
        ended.add(arn);
      }
    }

    assertThat(waves)
        .containsExactly(
            Set.of("storage-db", "noc-db", "is-db migrate"),
            Set.of("oauth cli", "oauth console", "oauth noc"),
            Set.of("is-db create-tenant"),
            Set.of("is-db create-admin-user"));
    TenantBootstrap done = awaitSucceeded();
    assertThat(ConditionWriter.isReady(done.getStatus(), null)).isTrue();
    assertThat(aws.ecs().runRequests()).hasSize(8);
  }

  @Test
  void theDatabaseStepsWaitForSlotsWithinMaxConcurrentTasks() throws Exception {
    start(2);

    Set<String> first = settledRunning(Set.of());

    // Three OpsTasks exist, two of them run: the third waits for a slot.
    assertThat(opsTasks()).hasSize(3);
    assertThat(first).hasSize(2);
    assertThat(aws.ecs().maxRunningAtOnce()).isEqualTo(2);
    Set<String> ended = new HashSet<>(first);
    first.forEach(arn -> aws.ecs().finish(arn, 0));
    while (!succeeded()) {
      Set<String> wave = settledRunning(ended);
      wave.forEach(arn -> aws.ecs().finish(arn, 0));
      ended.addAll(wave);
    }
    assertThat(aws.ecs().maxRunningAtOnce()).isEqualTo(2);
    assertThat(aws.ecs().runRequests()).hasSize(8);
  }

  @Test
  void aFailedStepLetsItsRunningSiblingsFinishThenTheBootstrapIsFailed() throws Exception {
    start(4);
    Set<String> first = settledRunning(Set.of());
    assertThat(first).hasSize(3);
    String migrate =
        first.stream().filter(a -> steps(Set.of(a)).contains("is-db migrate")).findFirst().get();

    aws.ecs().finish(migrate, 1);

    TenantBootstrap meanwhile =
        bed.await(
            TenantBootstrap.class,
            "acme",
            Duration.ofSeconds(20),
            t ->
                t.getStatus() != null
                    && "StepFailed"
                        .equals(OperatorTestBed.condition(t.getStatus(), "Reconciling", true)));
    assertThat(meanwhile.getStatus().getPhase()).isEqualTo(BootstrapPhase.Running);
    assertThat(ConditionWriter.find(meanwhile.getStatus(), "Reconciling").getMessage())
        .contains("is-db-migrate failed", "storage-db-init", "noc-db-init");
    assertThat(bed.events("acme"))
        .anyMatch(e -> "Warning".equals(e.getType()) && "StepFailed".equals(e.getReason()));

    for (String arn : first) {
      if (!arn.equals(migrate)) {
        aws.ecs().finish(arn, 0);
      }
    }
    TenantBootstrap failed = awaitPhase(BootstrapPhase.Failed);
    assertThat(stepPhases(failed))
        .containsExactly(
            "storage-db-init=Succeeded",
            "noc-db-init=Succeeded",
            "is-db-migrate=Failed",
            "oauth-client-cli=Pending",
            "oauth-client-console=Pending",
            "oauth-client-noc=Pending",
            "create-tenant=Pending",
            "create-admin-user=Pending");
    assertThat(ConditionWriter.find(failed.getStatus(), "Ready").getReason())
        .isEqualTo("StepFailed");
    assertThat(aws.ecs().runRequests()).hasSize(3);
    assertThat(bed.get(io.ttes.operator.api.v1alpha1.TTESCluster.class, CLUSTER).getStatus())
        .satisfies(
            c -> {
              assertThat(c.getBootstrapHolder()).isNull();
              assertThat(c.getBootstrapSteps())
                  .extracting(s -> s.getName())
                  .containsExactlyInAnyOrder("storage-db-init", "noc-db-init");
            });
  }

  @Test
  void aFailedNocDbInitStopsTheTenantStepsOnlyAndARetryRunsItAlone() throws Exception {
    start(4);
    Set<String> first = settledRunning(Set.of());
    assertThat(first).hasSize(3);
    String noc = first.stream().filter(a -> steps(Set.of(a)).contains("noc-db")).findFirst().get();
    Set<String> ended = new HashSet<>();

    aws.ecs().finish(noc, 1);
    ended.add(noc);
    for (String arn : first) {
      if (!arn.equals(noc)) {
        aws.ecs().finish(arn, 0);
        ended.add(arn);
      }
    }
    // is-db migrate succeeded: the OAuth clients do not need noc-db init and start.
    Set<String> oauth = settledRunning(ended);
    assertThat(steps(oauth)).containsExactlyInAnyOrder("oauth cli", "oauth console", "oauth noc");
    TenantBootstrap meanwhile = bed.get(TenantBootstrap.class, "acme");
    assertThat(meanwhile.getStatus().getPhase()).isEqualTo(BootstrapPhase.Running);
    assertThat(ConditionWriter.find(meanwhile.getStatus(), "Ready").getMessage())
        .contains("noc-db-init failed", "it stops create-tenant, create-admin-user");
    oauth.forEach(arn -> aws.ecs().finish(arn, 0));
    ended.addAll(oauth);

    TenantBootstrap failed = awaitPhase(BootstrapPhase.Failed);
    assertThat(stepPhases(failed))
        .containsExactly(
            "storage-db-init=Succeeded",
            "noc-db-init=Failed",
            "is-db-migrate=Succeeded",
            "oauth-client-cli=Succeeded",
            "oauth-client-console=Succeeded",
            "oauth-client-noc=Succeeded",
            "create-tenant=Pending",
            "create-admin-user=Pending");
    assertThat(ConditionWriter.find(failed.getStatus(), "Ready").getMessage())
        .contains("noc-db-init failed", "it stopped create-tenant, create-admin-user");
    assertThat(aws.ecs().runRequests()).hasSize(6);

    bed.client()
        .resources(TenantBootstrap.class)
        .inNamespace(NS)
        .withName("acme")
        .edit(
            t -> {
              t.getMetadata().getAnnotations().put(ApiGroup.RETRY_ANNOTATION, "1");
              return t;
            });
    Set<String> retry = settledRunning(ended);
    assertThat(steps(retry)).containsExactly("noc-db");
    assertThat(opsTasks()).contains("prod-eu1-noc-db-init-r2");
    retry.forEach(arn -> aws.ecs().finish(arn, 0));
    ended.addAll(retry);
    while (!succeeded()) {
      Set<String> wave = settledRunning(ended);
      assertThat(steps(wave)).doesNotContain("storage-db", "is-db migrate", "oauth cli");
      wave.forEach(arn -> aws.ecs().finish(arn, 0));
      ended.addAll(wave);
    }
    assertThat(aws.ecs().runRequests()).as("6 + noc-db init again + the 2 tenant steps").hasSize(9);
  }

  // ---- helpers

  /**
   * The ECS tasks running and not ended by the test, once no new one started for {@link #SETTLED}
   * (empty if the bootstrap finished meanwhile).
   */
  private Set<String> settledRunning(Set<String> ended) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    int last = -1;
    Instant since = Instant.now();
    while (Instant.now().isBefore(deadline)) {
      int started = aws.ecs().startedTasks().size();
      if (started != last) {
        last = started;
        since = Instant.now();
      } else if (started > ended.size()
          && Duration.between(since, Instant.now()).compareTo(SETTLED) > 0) {
        Set<String> running = new HashSet<>(aws.ecs().startedTasks());
        running.removeAll(ended);
        return running;
      } else if (succeeded()) {
        return Set.of();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no ECS task started within 30 s; started: " + last);
  }

  /** A short name of what each task runs. */
  private Set<String> steps(Set<String> arns) {
    Set<String> names = new HashSet<>();
    for (String arn : arns) {
      List<String> c = aws.ecs().requestOf(arn).command();
      String line = String.join(" ", c.subList(1, c.size()));
      if (line.startsWith("is-db create-oauth-client")) {
        names.add(
            "oauth "
                + (line.contains("--id=cli")
                    ? "cli"
                    : line.contains("Network Operations Center") ? "noc" : "console"));
      } else if (line.startsWith("is-db")) {
        names.add(String.join(" ", c.subList(1, 3)));
      } else {
        names.add(c.get(1));
      }
    }
    return names;
  }

  private List<String> opsTasks() {
    return bed.client().resources(OpsTask.class).inNamespace(NS).list().getItems().stream()
        .map(t -> t.getMetadata().getName())
        .toList();
  }

  private boolean succeeded() {
    TenantBootstrap tb = bed.get(TenantBootstrap.class, "acme");
    return tb != null
        && tb.getStatus() != null
        && tb.getStatus().getPhase() == BootstrapPhase.Succeeded;
  }

  private TenantBootstrap awaitSucceeded() {
    return awaitPhase(BootstrapPhase.Succeeded);
  }

  private TenantBootstrap awaitPhase(BootstrapPhase phase) {
    return bed.await(
        TenantBootstrap.class,
        "acme",
        Duration.ofSeconds(20),
        t -> t.getStatus() != null && t.getStatus().getPhase() == phase);
  }

  /** The bootstrap's steps as "name=phase", in plan order. */
  private static List<String> stepPhases(TenantBootstrap tb) {
    return tb.getStatus().getSteps().stream().map(s -> s.getName() + "=" + s.getPhase()).toList();
  }
}
