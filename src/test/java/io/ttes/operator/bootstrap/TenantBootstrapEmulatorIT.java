package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.testing.LogCapture;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import io.ttes.operator.testing.TtesFixture.Deployment;
import io.ttes.operator.testing.TtesFixture.OAuthClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * TenantBootstrap through the real operator, the SDK implementations and moto: what reaches ECS is
 * read back from moto's tasks (their container command overrides), not from the operator.
 */
class TenantBootstrapEmulatorIT {
  private static final String NS = "emu";
  private static final String ADMIN_PASSWORD = "emu-admin-pw-9b07e1";
  private static final OAuthClient CONSOLE = new OAuthClient("console", "emu-console-secret-5e2a");
  private static final OAuthClient NOC = new OAuthClient("noc", "emu-noc-secret-c41f");
  private static final List<String> MARKERS =
      List.of(ADMIN_PASSWORD, CONSOLE.clientSecret(), NOC.clientSecret());

  private static MotoServer moto;
  private static LogCapture logs;
  private static SdkAwsServicesFactory aws;
  private static OperatorTestBed bed;
  private static Deployment single;
  private static Deployment multi;

  @BeforeAll
  static void bootstrapBoth() {
    logs = LogCapture.attach();
    moto = MotoServer.start();
    TtesFixture.Options options = TtesFixture.Options.defaults().withSecrets(CONSOLE, NOC);
    single =
        TtesFixture.deploy(
            moto.endpoint(), "st-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES, options);
    multi =
        TtesFixture.deploy(
            moto.endpoint(), "mt-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES, options);
    aws = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    bed = new OperatorTestBed(NS, aws);
    createCluster("single", single, false);
    createCluster("multi", multi, true);
    bed.awaitClusterReady("single");
    bed.awaitClusterReady("multi");
    bed.secret("admin", Map.of("password", ADMIN_PASSWORD));
    bed.create(bootstrap("solo", "single", "solo"), TenantBootstrap.class);
    bed.create(bootstrap("acme", "multi", "acme"), TenantBootstrap.class);
    for (String name : List.of("solo", "acme")) {
      bed.await(
          TenantBootstrap.class,
          name,
          Duration.ofSeconds(40),
          t ->
              t.getStatus() != null
                  && (t.getStatus().getPhase() == BootstrapPhase.Succeeded
                      || t.getStatus().getPhase() == BootstrapPhase.Failed));
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (bed != null) {
        bed.close();
      }
      if (aws != null) {
        aws.close();
      }
    } finally {
      if (moto != null) {
        moto.close();
      }
      if (logs != null) {
        logs.close();
      }
    }
  }

  @Test
  void singleTenantRanTheRunbookCommandsInOrderWithItsTenantId() {
    assertSucceeded("solo");
    List<List<String>> expected =
        argv(Runbook.full(false, "solo", "Solo Corp", domain(single), "admin@solo.example"));

    assertRanInWaves(commandsInEcs(single.ecsCluster()), expected);
    assertThat(commandsInStepOrder("solo", single.ecsCluster()))
        .containsExactlyElementsOf(expected);
    assertThat(expected).noneMatch(c -> c.contains("--tenant-id=NULL"));
  }

  @Test
  void multiTenantRanTheRunbookCommandsInOrderWithNullTenantForOAuthClients() {
    assertSucceeded("acme");
    List<List<String>> expected =
        argv(Runbook.full(true, "acme", "Acme Corp", domain(multi), "admin@acme.example"));

    assertRanInWaves(commandsInEcs(multi.ecsCluster()), expected);
    assertThat(commandsInStepOrder("acme", multi.ecsCluster())).containsExactlyElementsOf(expected);
  }

  @Test
  void theSecretsAppearNowhereButInTheEcsCommands() {
    String everything = bed.everythingAsText();
    String log = logs.all();
    for (String marker : MARKERS) {
      assertThat(everything).as("statuses, events, specs, metrics").doesNotContain(marker);
      assertThat(log).as("operator log").doesNotContain(marker);
    }
    // ...while ECS did receive them: the check above is not vacuous.
    assertThat(commandsInEcs(multi.ecsCluster()).stream().flatMap(List::stream))
        .contains("--secret=" + CONSOLE.clientSecret(), "--secret=" + NOC.clientSecret())
        .contains(ADMIN_PASSWORD);
  }

  // ---- helpers

  /**
   * ECS got exactly the runbook's commands, wave after wave: the database inits and is-db migrate
   * (at once, in any order), then the OAuth clients (at once), then the tenant's steps.
   */
  private static void assertRanInWaves(List<List<String>> ran, List<List<String>> expected) {
    assertThat(ran).containsExactlyInAnyOrderElementsOf(expected);
    List<Integer> waves = ran.stream().map(TenantBootstrapEmulatorIT::wave).toList();
    assertThat(waves).as("waves in the order ECS started them: " + ran).isSorted();
  }

  private static int wave(List<String> argv) {
    String command = String.join(" ", argv);
    if (command.contains(" init") || command.contains("is-db migrate")) {
      return 0;
    }
    return command.contains("create-oauth-client") ? 1 : 2;
  }

  private static void createCluster(String name, Deployment d, boolean multiTenant) {
    TTESClusterSpec spec = d.clusterSpec();
    spec.setMultiTenant(multiTenant);
    TTESCluster cluster = new TTESCluster();
    cluster.getMetadata().setName(name);
    cluster.getMetadata().setNamespace(NS);
    cluster.setSpec(spec);
    bed.client().resource(cluster).create();
  }

  private static String bootstrap(String name, String cluster, String tenant) {
    String display = Character.toUpperCase(tenant.charAt(0)) + tenant.substring(1) + " Corp";
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          tenant: {id: %s, name: %s}
          storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
          noc: {init: true}
          oauthClients: {cli: true, console: true, noc: true}
          admin:
            email: admin@%s.example
            passwordSecretRef: {name: admin, key: password}
        """
        .formatted(name, cluster, tenant, display, tenant);
  }

  private static String domain(Deployment d) {
    return d.clusterSpec().getDomain();
  }

  private static List<List<String>> argv(List<List<String>> commands) {
    List<List<String>> argv = new ArrayList<>();
    for (List<String> c : commands) {
      OAuthClient client = c.contains("--name=Network Operations Center") ? NOC : CONSOLE;
      argv.add(Runbook.substituted(c, client.clientId(), client.clientSecret(), ADMIN_PASSWORD));
    }
    return argv;
  }

  private static void assertSucceeded(String name) {
    TenantBootstrap tb = bed.get(TenantBootstrap.class, name);
    assertThat(tb.getStatus().getPhase())
        .as("%s: %s", name, tb.getStatus().getSteps())
        .isEqualTo(BootstrapPhase.Succeeded);
  }

  /**
   * Every task moto has in the ECS cluster, oldest first, as container command arrays. moto 5.2.1
   * sets no createdAt on tasks; its ListTasks without desiredStatus lists every task of the cluster
   * in the order RunTask created them.
   */
  private static List<List<String>> commandsInEcs(String ecsCluster) {
    return tasks(ecsCluster).stream().map(TenantBootstrapEmulatorIT::command).toList();
  }

  /** The command of each step's task, following status.steps[].opsTask to the task in moto. */
  private static List<List<String>> commandsInStepOrder(String bootstrap, String ecsCluster) {
    Map<String, Task> byArn = new java.util.HashMap<>();
    tasks(ecsCluster).forEach(t -> byArn.put(t.taskArn(), t));
    List<List<String>> commands = new ArrayList<>();
    for (Step step : bed.get(TenantBootstrap.class, bootstrap).getStatus().getSteps()) {
      OpsTask task = bed.get(OpsTask.class, step.getOpsTask());
      Task ecs = byArn.get(task.getStatus().getTaskArn());
      assertThat(ecs).as(step.getName()).isNotNull();
      commands.add(command(ecs));
    }
    return commands;
  }

  private static List<String> command(Task t) {
    return t.overrides().containerOverrides().stream()
        .filter(o -> "ttes".equals(o.name()))
        .findFirst()
        .orElseThrow()
        .command();
  }

  private static List<Task> tasks(String ecsCluster) {
    try (EcsClient ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build()) {
      List<String> all = new ArrayList<>();
      ecs.listTasksPaginator(b -> b.cluster(ecsCluster)).taskArns().forEach(all::add);
      List<Task> tasks = new ArrayList<>();
      for (int from = 0; from < all.size(); from += 100) {
        List<String> chunk = all.subList(from, Math.min(all.size(), from + 100));
        tasks.addAll(ecs.describeTasks(b -> b.cluster(ecsCluster).tasks(chunk)).tasks());
      }
      return tasks;
    }
  }
}
