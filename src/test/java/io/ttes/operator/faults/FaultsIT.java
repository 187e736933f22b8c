package io.ttes.operator.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.testing.FaultyAwsProxy;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Faults while real work runs: AWS throttling and 5xx bursts (in AWS's own error shapes), the
 * emulator going away and coming back, Kubernetes write conflicts from a concurrent editor, and
 * operator restarts at random points. Everything must converge with nothing run twice and no step
 * skipped, counted in the emulator itself.
 */
class FaultsIT {
  private static final int TASKS = 24;
  private static final int TENANTS = 6;
  private static final String NS = "faults";

  @Test
  void everythingConvergesOnceThroughThrottlingOutagesConflictsAndRestarts() throws Exception {
    Random random = new Random(20261122L);
    try (MotoServer moto = MotoServer.start();
        FaultyAwsProxy proxy = new FaultyAwsProxy(moto.endpoint(), 42L);
        OperatorTestBed bed = operators(proxy)) {
      KubeApi api = bed.api;
      TtesFixture.uploadTemplates(moto.endpoint());
      TtesFixture.Deployment d =
          TtesFixture.deploy(moto.endpoint(), "prod-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      bed.create(d.clusterYaml("prod-eu1", NS), TTESCluster.class);
      bed.secret("admin", Map.of("password", "fault-marker-secret"));

      bed.startOperator();
      for (int i = 0; i < TASKS; i++) {
        bed.create(
            Manifests.opsTask("task-" + i, "prod-eu1", List.of("ns-db", "migrate", "--n=" + i)),
            OpsTask.class);
      }
      for (int i = 0; i < TENANTS; i++) {
        bed.create(bootstrap("tenant-" + i), TenantBootstrap.class);
      }

      AtomicBoolean running = new AtomicBoolean(true);
      Thread editor = new Thread(() -> editLoop(api, running), "conflict-editor");
      editor.start();
      Instant start = Instant.now();
      // Phase 1: 40% throttling, 15% 5xx, operator restarts at random points.
      proxy.faults(0.40, 0.15);
      for (int r = 0; r < 3; r++) {
        Thread.sleep(1500 + random.nextInt(2500));
        bed.restartOperator();
      }
      // Phase 2: the emulator goes away for a while and comes back.
      proxy.gone(true);
      Thread.sleep(6000);
      proxy.gone(false);
      bed.restartOperator();
      // Phase 3: faults stop; everything must converge.
      proxy.faults(0, 0);
      Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
      while (Instant.now().isBefore(deadline) && !converged(api)) {
        Thread.sleep(500);
      }
      running.set(false);
      editor.join();
      Duration took = Duration.between(start, Instant.now());
      bed.stopOperator();

      assertThat(converged(api)).as("all OpsTasks and bootstraps converged").isTrue();

      // Count in the emulator: one ECS task per OpsTask, never two.
      List<Task> tasks = allTasks(moto, d.ecsCluster());
      Map<String, Long> byStartedBy =
          tasks.stream().collect(Collectors.groupingBy(Task::startedBy, Collectors.counting()));
      assertThat(byStartedBy.values()).as("ECS tasks per launch token").allMatch(n -> n == 1);
      List<OpsTask> all = api.client().resources(OpsTask.class).inNamespace(NS).list().getItems();
      assertThat(tasks).as("ECS tasks == OpsTasks").hasSize(all.size());
      Map<String, Long> commands =
          tasks.stream()
              .map(t -> String.join(" ", t.overrides().containerOverrides().get(0).command()))
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      for (String clusterStep : List.of("tti-lw-stack is-db migrate", "tti-lw-stack noc-db init")) {
        assertThat(commands.get(clusterStep)).as(clusterStep + " ran once").isEqualTo(1L);
      }
      for (int i = 0; i < TENANTS; i++) {
        String admin =
            "tti-lw-stack is-db create-admin-user --tenant-id tenant-"
                + i
                + " --email admin@tenant-"
                + i
                + ".example --password fault-marker-secret";
        assertThat(commands.get(admin)).as("admin of tenant " + i + " created once").isEqualTo(1L);
      }
      // No status lies: every Succeeded OpsTask names a task that exists and stopped with 0.
      Map<String, Task> byArn = tasks.stream().collect(Collectors.toMap(Task::taskArn, t -> t));
      for (OpsTask t : all) {
        assertThat(byArn).as(t.getMetadata().getName()).containsKey(t.getStatus().getTaskArn());
      }
      System.out.printf(
          "faults: %d OpsTasks + %d bootstraps converged in %ds through %d throttled, %d 5xx and"
              + " %d gone responses, %d operator restarts, %d conflicting edits; %d ECS tasks,"
              + " duplicates 0%n",
          TASKS,
          TENANTS,
          took.toSeconds(),
          proxy.count(FaultyAwsProxy.Mode.THROTTLE),
          proxy.count(FaultyAwsProxy.Mode.SERVER_ERROR),
          proxy.count(FaultyAwsProxy.Mode.GONE),
          bed.starts() - 1,
          edits,
          tasks.size());
      assertThat(proxy.count(FaultyAwsProxy.Mode.THROTTLE)).isPositive();
      assertThat(proxy.count(FaultyAwsProxy.Mode.GONE)).isPositive();
    }
  }

  private static volatile int edits;

  /** Touches annotations of everything, so status writes meet newer resource versions. */
  private static void editLoop(KubeApi api, AtomicBoolean running) {
    int n = 0;
    while (running.get()) {
      try {
        for (var t :
            api.client().resources(TenantBootstrap.class).inNamespace(NS).list().getItems()) {
          touch(api, t);
          n++;
        }
        touch(
            api,
            api.client().resources(TTESCluster.class).inNamespace(NS).withName("prod-eu1").get());
        n++;
        edits = n;
        Thread.sleep(150);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // conflicts on our own edits are expected too
      }
    }
  }

  private static <T extends HasMetadata> void touch(KubeApi api, T object) {
    api.client()
        .resource(object)
        .edit(
            x -> {
              x.getMetadata()
                  .getAnnotations()
                  .put("chaos/touch", String.valueOf(System.nanoTime()));
              return x;
            });
  }

  private static boolean converged(KubeApi api) {
    var tasks = api.client().resources(OpsTask.class).inNamespace(NS).list().getItems();
    var tbs = api.client().resources(TenantBootstrap.class).inNamespace(NS).list().getItems();
    return tasks.stream()
            .allMatch(
                t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded)
        && tbs.size() == TENANTS
        && tbs.stream()
            .allMatch(
                t -> t.getStatus() != null && t.getStatus().getPhase() == BootstrapPhase.Succeeded);
  }

  private static List<Task> allTasks(MotoServer moto, String cluster) {
    try (EcsClient ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build()) {
      List<String> arns = new ArrayList<>(ecs.listTasks(b -> b.cluster(cluster)).taskArns());
      List<Task> out = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += 100) {
        List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
        out.addAll(ecs.describeTasks(b -> b.cluster(cluster).tasks(batch)).tasks());
      }
      return out;
    }
  }

  private static String bootstrap(String tenant) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: %s}
          noc: {init: true}
          admin: {email: admin@%s.example, passwordSecretRef: {name: admin, key: password}}
        """
        .formatted(tenant, tenant, tenant);
  }

  /**
   * The operator under test, restartable: each incarnation gets its own Kubernetes client and fresh
   * AWS clients through the faulty proxy.
   */
  private static OperatorTestBed operators(FaultyAwsProxy proxy) {
    return OperatorTestBed.builder()
        .namespace(NS)
        .sdkAws(proxy.endpoint())
        .config(c -> c.withPolling(Duration.ofMillis(500), Duration.ofSeconds(5)))
        .clientPerStart()
        .notStarted()
        .start();
  }
}
