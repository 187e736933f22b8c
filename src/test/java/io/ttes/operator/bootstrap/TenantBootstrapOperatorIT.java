package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.aws.fake.FakeSecretStore;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.LogCapture;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TenantBootstrap through the real operator and in-process Kubernetes API, with in-memory AWS. */
class TenantBootstrapOperatorIT {
  private static final String NS = "boot";
  private static final String CLUSTER = "prod-eu1";
  private static final String DOMAIN = "eu1.example.com";
  private static final String ADMIN_PASSWORD = "admin-pw-marker-3c8d51";
  // The values FakeDeployment puts in Secrets Manager.
  private static final String CONSOLE_ID = "console";
  private static final String CONSOLE_SECRET = "console-secret-marker-7f3a";
  private static final String NOC_ID = "noc";
  private static final String NOC_SECRET = "noc-secret-marker-91bc";
  private static final List<String> MARKERS = List.of(ADMIN_PASSWORD, CONSOLE_SECRET, NOC_SECRET);
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  private FakeAws aws;
  private OperatorTestBed bed;
  private LogCapture logs;

  private void start(boolean multiTenant, int maxConcurrentTasks) {
    logs = LogCapture.attach();
    aws = new FakeAws();
    FakeDeployment.seed(aws, CLUSTER, "3.33.1");
    bed = new OperatorTestBed(NS, aws);
    FakeDeployment.create(
        bed.client(),
        NS,
        FakeDeployment.clusterYaml(CLUSTER, CLUSTER, multiTenant, maxConcurrentTasks));
    bed.awaitClusterReady(CLUSTER);
  }

  @AfterEach
  void stop() {
    if (bed != null) {
      bed.close();
    }
    if (logs != null) {
      logs.close();
    }
  }

  @Test
  void multiTenantAcmeRunsExactlyTheRunbookAndNeverShowsASecret() {
    start(true, 4);
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap done = awaitPhase("acme", BootstrapPhase.Succeeded);

    assertRanInWaves(
        expectedArgv(Runbook.full(true, "acme", "ACME Corp", DOMAIN, "admin@acme.example")),
        3,
        3,
        1,
        1);
    assertThat(ConditionWriter.isReady(done.getStatus(), done.getMetadata().getGeneration()))
        .isTrue();
    assertThat(done.getStatus().getSteps())
        .extracting(Step::getName, Step::getPhase, Step::getScope)
        .containsExactly(
            tuple("storage-db-init", "cluster"),
            tuple("noc-db-init", "cluster"),
            tuple("is-db-migrate", "cluster"),
            tuple("oauth-client-cli", "cluster"),
            tuple("oauth-client-console", "cluster"),
            tuple("oauth-client-noc", "cluster"),
            tuple("create-tenant", "tenant"),
            tuple("create-admin-user", "tenant"));
    // The OpsTasks hold references, never values.
    OpsTask console = bed.get(OpsTask.class, "prod-eu1-oauth-client-console");
    assertThat(console.getSpec().getCommand()).contains("--secret=$(CLIENT_SECRET)");
    assertThat(console.getSpec().getSecretArgs())
        .extracting(a -> a.getSecretsManagerKeyRef().getSecretId())
        .containsOnly("prod-eu1-c1-console-oauth-client");
    TTESCluster cluster = bed.get(TTESCluster.class, CLUSTER);
    assertThat(cluster.getStatus().getBootstrapSteps())
        .extracting(s -> s.getName() + "=" + s.getPhase() + " by " + s.getBootstrap())
        .containsExactlyInAnyOrder(
            "storage-db-init=Succeeded by boot/acme",
            "noc-db-init=Succeeded by boot/acme",
            "is-db-migrate=Succeeded by boot/acme",
            "oauth-client-cli=Succeeded by boot/acme",
            "oauth-client-console=Succeeded by boot/acme",
            "oauth-client-noc=Succeeded by boot/acme");
    assertThat(cluster.getStatus().getBootstrapHolder()).isNull();
    assertNoSecretAnywhere();

    // Re-applying the same manifest, and an operator restart, start nothing.
    int tasks = opsTaskCount();
    int runs = aws.ecs().runRequests().size();
    reapply("acme", bootstrap("acme", "acme", "acme-admin"));
    bed.restartOperator();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                opsTaskCount() == tasks
                    && aws.ecs().runRequests().size() == runs
                    && phase("acme") == BootstrapPhase.Succeeded);
    assertThat(tasks).isEqualTo(8);
    assertNoSecretAnywhere();
  }

  @Test
  void singleTenantGivesTheTenantIdToOAuthClientsAndCreatesNoTenant() {
    start(false, 4);
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    awaitPhase("acme", BootstrapPhase.Succeeded);

    assertRanInWaves(
        expectedArgv(Runbook.full(false, "acme", "ACME Corp", DOMAIN, "admin@acme.example")),
        3,
        3,
        1);
    assertNoSecretAnywhere();
  }

  @Test
  void aCreateWhoseObjectAlreadyExistsCountsAsDoneAndSaysSo() {
    start(true, 4);
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-tenant"))
        .exitCode(1)
        .logs(
            "creating tenant acme", "error:pkg/identityserver:id_taken (ID `acme` already taken)");

    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap done = awaitPhase("acme", BootstrapPhase.Succeeded);

    Step tenant = step(done, "create-tenant");
    assertThat(tenant.getPhase()).isEqualTo("Succeeded");
    assertThat(tenant.getExitCode()).isEqualTo(1);
    assertThat(tenant.getMessage()).contains("already existed");
    assertThat(bed.events("acme"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains("create-tenant") && m.contains("already existed"));
    assertThat(step(done, "create-admin-user").getPhase()).isEqualTo("Succeeded");
    assertThat(countRuns())
        .containsEntry("create-tenant", 1L)
        .containsEntry("create-admin-user", 1L);
  }

  @Test
  void aFailureStopsWithExitCodeAndMaskedLastLineAndTheRetryAnnotationResumesThere() {
    start(true, 4);
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user"))
        .exitCode(2)
        .logs("creating admin user", "error: password " + ADMIN_PASSWORD + " rejected: too weak");
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap failed = awaitPhase("acme", BootstrapPhase.Failed);

    Step admin = step(failed, "create-admin-user");
    assertThat(admin.getPhase()).isEqualTo("Failed");
    assertThat(admin.getExitCode()).isEqualTo(2);
    assertThat(admin.getMessage())
        .contains("exit code 2")
        .endsWith("error: password **** rejected: too weak");
    assertThat(admin.getOpsTask()).isEqualTo("acme-create-admin-user");
    var ready = ConditionWriter.find(failed.getStatus(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("StepFailed");
    assertThat(ready.getMessage()).contains("create-admin-user", ApiGroup.RETRY_ANNOTATION);
    assertThat(bed.events("acme"))
        .anyMatch(e -> "Warning".equals(e.getType()) && "StepFailed".equals(e.getReason()));
    assertThat(countRuns()).containsEntry("create-admin-user", 1L);
    assertNoSecretAnywhere();

    // The person fixes the cause, then asks for a retry.
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user")).exitCode(0);
    annotate("acme", ApiGroup.RETRY_ANNOTATION, "1");

    TenantBootstrap retried = awaitPhase("acme", BootstrapPhase.Succeeded);

    Step again = step(retried, "create-admin-user");
    assertThat(again.getOpsTask()).isEqualTo("acme-create-admin-user-r2");
    assertThat(again.getAttempt()).isEqualTo(2);
    assertThat(again.getExitCode()).isZero();
    assertThat(bed.get(OpsTask.class, "acme-create-admin-user"))
        .as("the failed run stays")
        .isNotNull();
    Map<String, Long> runs = countRuns();
    assertThat(runs).containsEntry("create-admin-user", 2L);
    assertThat(runs)
        .allSatisfy(
            (step, n) ->
                assertThat(n).as(step).isEqualTo(step.equals("create-admin-user") ? 2L : 1L));
    assertNoSecretAnywhere();
  }

  @Test
  void aMissingSecretStallsWithoutAnyTask() {
    start(true, 4);
    bed.create(bootstrap("acme", "acme", "no-such-secret"), TenantBootstrap.class);

    TenantBootstrap stalled = awaitStalled("acme");

    var c = ConditionWriter.find(stalled.getStatus(), "Stalled");
    assertThat(c.getReason()).isEqualTo("SecretNotFound");
    assertThat(c.getMessage()).contains("spec.admin.passwordSecretRef", "no-such-secret");
    assertThat(bed.events("acme")).anyMatch(e -> "SecretNotFound".equals(e.getReason()));
    assertNoTaskRan();
  }

  @Test
  void aSecretWithoutThePasswordKeyStallsWithoutAnyTask() {
    start(true, 4);
    bed.secret("acme-admin", Map.of("passwd", ADMIN_PASSWORD));
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap stalled = awaitStalled("acme");

    var c = ConditionWriter.find(stalled.getStatus(), "Stalled");
    assertThat(c.getReason()).isEqualTo("SecretKeyNotFound");
    assertThat(c.getMessage()).contains("password");
    assertNoTaskRan();
    assertNoSecretAnywhere();
  }

  @Test
  void aMissingSecretsManagerSecretStallsWithoutAnyTask() {
    start(true, 4);
    aws.secrets().remove("prod-eu1-c1-noc-oauth-client");
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap stalled = awaitStalled("acme");

    var c = ConditionWriter.find(stalled.getStatus(), "Stalled");
    assertThat(c.getReason()).isEqualTo("SecretsManagerSecretNotFound");
    assertThat(c.getMessage()).contains("prod-eu1-c1-noc-oauth-client");
    assertNoTaskRan();
    assertNoSecretAnywhere();
  }

  @Test
  void aMalformedSecretsManagerSecretStallsAsTheOpsTaskWouldWithoutAnyTask() {
    start(true, 4);
    aws.secrets().putMalformed("prod-eu1-c1-noc-oauth-client");
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("acme", "acme", "acme-admin"), TenantBootstrap.class);

    TenantBootstrap stalled = awaitStalled("acme");

    // The OpsTask's reason and message, not a "not found" for a secret that exists.
    var c = ConditionWriter.find(stalled.getStatus(), "Stalled");
    assertThat(c.getReason()).isEqualTo("SecretsManagerSecretInvalid");
    assertThat(c.getMessage())
        .contains("TTESCluster spec.naming", "prod-eu1-c1-noc-oauth-client", "not a JSON object");
    assertThat(bed.events("acme"))
        .anyMatch(e -> "SecretsManagerSecretInvalid".equals(e.getReason()));
    assertNoTaskRan();
    assertNoSecretAnywhere();
  }

  @Test
  void aBadTenantIdStallsWithoutAnyTask() {
    start(true, 4);
    bed.secret("acme-admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("evil", "acme;rm -rf /", "acme-admin"), TenantBootstrap.class);
    bed.create(bootstrap("upper", "ACME", "acme-admin"), TenantBootstrap.class);

    for (String name : List.of("evil", "upper")) {
      TenantBootstrap stalled = awaitStalled(name);
      var c = ConditionWriter.find(stalled.getStatus(), "Stalled");
      assertThat(c.getReason()).isEqualTo("InvalidSpec");
      assertThat(c.getMessage()).startsWith("spec.tenant.id: ").contains("lowercase");
      assertThat(bed.events(name)).anyMatch(e -> "Warning".equals(e.getType()));
    }
    assertNoTaskRan();
  }

  @Test
  void fiftyBootstrapsRunTheClusterStepsOnceAndQueueBehindMaxConcurrentTasks() {
    start(true, 3);
    aws.ecs().stopAfterDescribes(0);
    bed.secret("admins", Map.of("password", ADMIN_PASSWORD));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String name = String.format("tenant-%02d", i);
      names.add(name);
      bed.create(bootstrap(name, name, "admins"), TenantBootstrap.class);
    }

    await()
        .atMost(Duration.ofSeconds(50))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                bed
                    .client()
                    .resources(TenantBootstrap.class)
                    .inNamespace(NS)
                    .list()
                    .getItems()
                    .stream()
                    .filter(t -> t.getStatus() != null)
                    .filter(t -> t.getStatus().getPhase() == BootstrapPhase.Succeeded)
                    .count(),
            n -> n == 50);

    Map<List<String>, Long> byCommand =
        aws.ecs().runRequests().stream()
            .collect(Collectors.groupingBy(RunRequest::command, Collectors.counting()));
    for (List<String> clusterWide :
        expectedArgv(Runbook.full(true, "x", "x", DOMAIN, "x@x.io")).subList(0, 6)) {
      assertThat(byCommand).as(String.join(" ", clusterWide)).containsEntry(clusterWide, 1L);
    }
    for (String name : names) {
      assertThat(byCommand)
          .containsEntry(
              Runbook.substituted(Runbook.createTenant(name, "ACME Corp"), null, null, ""), 1L)
          .containsEntry(
              Runbook.substituted(
                  Runbook.createAdmin(name, "admin@acme.example"), null, null, ADMIN_PASSWORD),
              1L);
    }
    assertThat(aws.ecs().runRequests()).hasSize(6 + 2 * 50);
    assertThat(aws.ecs().maxRunningAtOnce()).isBetween(1, 3);
    assertThat(opsTaskCount()).isEqualTo(6 + 2 * 50);
    TenantBootstrap late = bed.get(TenantBootstrap.class, "tenant-49");
    assertThat(late.getStatus().getSteps())
        .filteredOn(s -> "cluster".equals(s.getScope()))
        .allSatisfy(s -> assertThat(s.getPhase()).isEqualTo("Succeeded"));
    assertThat(bed.get(TTESCluster.class, CLUSTER).getStatus().getBootstrapHolder()).isNull();
    // Bootstraps waiting behind the cluster-wide steps do not read Secrets Manager on every poll.
    assertThat(aws.calls().count(FakeSecretStore.GET_SECRET_VALUE)).isLessThan(3 * 50);
  }

  // ---- helpers

  private static String bootstrap(String name, String tenantId, String secret) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: "%s", name: ACME Corp}
          storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
          noc: {init: true}
          oauthClients: {cli: true, console: true, noc: true}
          admin:
            email: admin@acme.example
            passwordSecretRef: {name: %s, key: password}
        """
        .formatted(name, tenantId, secret);
  }

  /** The runbook commands as ECS receives them from this deployment's secrets. */
  private static List<List<String>> expectedArgv(List<List<String>> commands) {
    List<List<String>> argv = new ArrayList<>();
    for (List<String> c : commands) {
      boolean noc = c.contains("--name=Network Operations Center");
      argv.add(
          Runbook.substituted(
              c, noc ? NOC_ID : CONSOLE_ID, noc ? NOC_SECRET : CONSOLE_SECRET, ADMIN_PASSWORD));
    }
    return argv;
  }

  /**
   * The runbook's commands ran exactly, each once, wave by wave: the steps of one wave start
   * together, in any order among themselves.
   */
  private void assertRanInWaves(List<List<String>> expected, int... waveSizes) {
    List<List<String>> ran = ranCommands();
    assertThat(ran).hasSameSizeAs(expected);
    int from = 0;
    for (int size : waveSizes) {
      assertThat(ran.subList(from, from + size))
          .containsExactlyInAnyOrderElementsOf(expected.subList(from, from + size));
      from += size;
    }
    assertThat(from).isEqualTo(expected.size());
  }

  private List<List<String>> ranCommands() {
    return aws.ecs().runRequests().stream().map(RunRequest::command).toList();
  }

  /** RunTask requests by the bootstrap step whose command they carry. */
  private Map<String, Long> countRuns() {
    Map<String, String> stepByPrefix = new HashMap<>();
    stepByPrefix.put("storage-db init", "storage-db-init");
    stepByPrefix.put("noc-db init", "noc-db-init");
    stepByPrefix.put("is-db migrate", "is-db-migrate");
    stepByPrefix.put("is-db create-oauth-client --tenant-id=NULL --id=cli", "oauth-client-cli");
    stepByPrefix.put(
        "is-db create-oauth-client --tenant-id=NULL --id=console", "oauth-client-console");
    stepByPrefix.put("is-db create-oauth-client --tenant-id=NULL --id=noc", "oauth-client-noc");
    stepByPrefix.put("is-db create-tenant", "create-tenant");
    stepByPrefix.put("is-db create-admin-user", "create-admin-user");
    Function<RunRequest, String> step =
        r -> {
          String line = String.join(" ", r.command().subList(1, r.command().size()));
          return stepByPrefix.entrySet().stream()
              .filter(e -> line.startsWith(e.getKey()))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(line);
        };
    return aws.ecs().runRequests().stream()
        .collect(Collectors.groupingBy(step, Collectors.counting()));
  }

  private void assertNoSecretAnywhere() {
    String everything = bed.everythingAsText();
    String log = logs.all();
    for (String marker : MARKERS) {
      assertThat(everything).as("status, events, specs, metrics").doesNotContain(marker);
      assertThat(log).as("operator log").doesNotContain(marker);
    }
  }

  private void assertNoTaskRan() {
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> aws.calls().count(FakeEcsTasks.RUN_TASK) == 0 && opsTaskCount() == 0);
  }

  private int opsTaskCount() {
    return bed.client().resources(OpsTask.class).inNamespace(NS).list().getItems().size();
  }

  private BootstrapPhase phase(String name) {
    TenantBootstrap tb = bed.get(TenantBootstrap.class, name);
    return tb == null || tb.getStatus() == null ? null : tb.getStatus().getPhase();
  }

  private TenantBootstrap awaitPhase(String name, BootstrapPhase phase) {
    return bed.await(
        TenantBootstrap.class,
        name,
        CONVERGE,
        t -> t.getStatus() != null && t.getStatus().getPhase() == phase);
  }

  private TenantBootstrap awaitStalled(String name) {
    return bed.await(
        TenantBootstrap.class,
        name,
        CONVERGE,
        t ->
            t.getStatus() != null
                && "True".equals(OperatorTestBed.condition(t.getStatus(), "Stalled", false)));
  }

  private static Step step(TenantBootstrap tb, String name) {
    return tb.getStatus().getSteps().stream()
        .filter(s -> name.equals(s.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static org.assertj.core.groups.Tuple tuple(String name, String scope) {
    return org.assertj.core.groups.Tuple.tuple(name, "Succeeded", scope);
  }

  /** What kubectl apply does with an unchanged manifest: an update carrying the same spec. */
  private void reapply(String name, String yaml) {
    TenantBootstrap current = bed.get(TenantBootstrap.class, name);
    TenantBootstrap again =
        bed.client().getKubernetesSerialization().unmarshal(yaml, TenantBootstrap.class);
    again.getMetadata().setNamespace(NS);
    again.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    long generation = current.getMetadata().getGeneration();
    TenantBootstrap updated = bed.client().resource(again).update();
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(generation);
  }

  private void annotate(String name, String key, String value) {
    bed.client()
        .resources(TenantBootstrap.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            t -> {
              t.getMetadata().getAnnotations().put(key, value);
              return t;
            });
  }
}
