package io.ttes.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The chart's pod through what happens to pods: a rolling update with default values (the new pod
 * starts while the old one runs), and SIGKILL at seeded random moments of an upgrade and of a
 * bootstrap, restarted as the kubelet restarts a container. What AWS did is counted at the wire and
 * in the emulator: nothing may happen twice. Figures are printed (docs/pod-harness.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodLifecycleIT {
  private static final String NS = "life";
  private static final String PREFIX = "life-eu1";
  private static final long SEED = Long.getLong("ttes.pod.seed", 20261202L);
  private static final Duration CONVERGE = Duration.ofSeconds(120);
  private static final Map<String, Object> DEBUG_LOGS =
      Map.of("extraEnv[0].name", "TTES_LOG_LEVEL", "extraEnv[0].value", "debug");

  private static PodCluster cluster;
  private static TtesFixture.Deployment deployment;

  @BeforeAll
  static void start() {
    cluster =
        new PodCluster(
            "lifecycle", new Kubelet.RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)));
    deployment = cluster.deployCluster(PREFIX, NS);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void rollingUpdateRunsOneReconcilerAndRepeatsNoAwsCall() {
    RenderedChart rev1 = cluster.render(Map.of());
    assertThat(rev1.deployment().getSpec().getStrategy()).isNull(); // RollingUpdate, 25%/25%
    Pod old = cluster.start(rev1, "ttes-operator-5f7c8d9b4-a1b2c");
    Pod next = null;
    try {
      old.awaitReady(Duration.ofSeconds(40));
      awaitLeader(old);
      awaitClusterReady();
      for (int i = 0; i < 4; i++) {
        opsTask("roll-" + i, "ns-db, migrate, --n=" + i);
      }
      awaitUntil(() -> cluster.aws.succeeded("RunTask").size(), n -> n >= 1);

      // The pod template changed: the Deployment controller creates the new pod first
      // (maxSurge 1, maxUnavailable 0 for one replica) and deletes the old one once it is ready.
      RenderedChart rev2 = cluster.render(Map.of("podAnnotations.rollout", "revision-2"));
      next = cluster.start(rev2, "ttes-operator-6c9d7e8f5-d3e4f");
      Duration standbyReady = next.awaitReady(Duration.ofSeconds(40));
      assertThat(leaseHolder()).as("the old pod still leads").isEqualTo(old.name());
      Instant deleting = Instant.now();
      old.delete();
      Instant gone = Instant.now();
      awaitLeader(next);
      Duration takeover = Duration.between(gone, Instant.now());
      // Work created after the takeover must be the new pod's.
      opsTask("roll-4", "ns-db, migrate, --n=4");
      for (int i = 0; i < 5; i++) {
        awaitOpsTask("roll-" + i);
      }

      Map<String, Long> runTasks =
          countBy(cluster.aws.succeeded("RunTask"), c -> c.parameters().get("startedBy"));
      assertThat(runTasks)
          .hasSize(5)
          .allSatisfy((token, n) -> assertThat(n).as(token).isEqualTo(1));
      assertThat(ecsTasks()).hasSize(5);
      // Only one reconciles: the old pod's reconcile lines end when it is deleted, the new pod's
      // begin after that.
      assertThat(reconcileTimes(old)).allSatisfy(t -> assertThat(t).isBefore(gone));
      assertThat(reconcileTimes(next))
          .isNotEmpty()
          .allSatisfy(t -> assertThat(t).isAfter(deleting));
      System.out.printf(
          "rollout: new pod ready as standby after %d ms while the old one led; old pod stopped in"
              + " %d ms (SIGTERM); new pod leading %d ms later; 5 OpsTasks, 5 RunTask, 5 ECS"
              + " tasks, duplicates 0%n",
          standbyReady.toMillis(),
          Duration.between(deleting, gone).toMillis(),
          takeover.toMillis());
    } finally {
      old.delete();
      if (next != null) {
        next.delete();
      }
    }
  }

  @Test
  @Order(2)
  void sigkillDuringAnUpgradeRepeatsNothing() throws Exception {
    Pod pod = cluster.start(cluster.render(DEBUG_LOGS), "ttes-operator-7e8f9a0b1-k1l2m");
    try {
      pod.awaitReady(Duration.ofSeconds(40));
      awaitClusterReady();
      cluster.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: StackUpgrade
          metadata: {name: to-3.33.2}
          spec: {clusterRef: {name: %s}, targetVersion: 3.33.2, approval: Automatic}
          """
              .formatted(PREFIX),
          StackUpgrade.class,
          NS);
      // The kills land right after seeded random mutating calls of the upgrade (a change set
      // created or executed, a migration task started): AWS has changed and the answer never
      // reaches the operator, the moment the write-ahead status exists for. (Kills at wall-clock
      // moments landed mostly on start-up when the machine was loaded.)
      List<String> killedAfter = java.util.Collections.synchronizedList(new ArrayList<>());
      cluster.aws.killAfterMutations(
          mutationOrdinals(new Random(SEED), 3, 12),
          call -> {
            killedAfter.add(call.operation());
            pod.kill();
          });
      try {
        awaitUntil(this::upgradePhase, p -> p == UpgradePhase.Succeeded);
      } finally {
        cluster.aws.killAfterMutations(Set.of(), null);
      }
      int kills = killedAfter.size();
      assertThat(killedAfter).as("kills after mutating calls").hasSize(3);

      Map<String, Long> created =
          countBy(
              cluster.aws.succeeded("CreateChangeSet"),
              c -> c.parameters().get("StackName") + "/" + c.parameters().get("ChangeSetName"));
      Map<String, Long> executed =
          countBy(
              cluster.aws.succeeded("ExecuteChangeSet"), c -> c.parameters().get("ChangeSetName"));
      Map<String, Long> snapshots =
          countBy(snapshotCalls(), c -> c.operation() + "/" + snapshotId(c));
      Map<String, Long> updates = new java.util.TreeMap<>();
      try (CloudFormationClient cfn =
          TtesFixture.configure(CloudFormationClient.builder(), cluster.moto.endpoint()).build()) {
        for (String stack : deployment.stacks().values()) {
          long n =
              cfn.describeStackEvents(b -> b.stackName(stack)).stackEvents().stream()
                  .filter(e -> stack.equals(e.logicalResourceId()))
                  .filter(e -> "UPDATE_COMPLETE".equals(e.resourceStatusAsString()))
                  .count();
          updates.put(stack, n);
        }
      }
      List<OpsTask> migrations =
          cluster.objects(NS).list(OpsTask.class).stream()
              .filter(
                  t ->
                      t.getMetadata().getOwnerReferences().stream()
                          .anyMatch(o -> o.getName().equals("to-3.33.2")))
              .toList();
      int opsTasks = cluster.objects(NS).list(OpsTask.class).size();
      Map<String, Long> tasksByToken = countBy(ecsTasks(), Task::startedBy);

      // A change set name is deterministic (upgrade uid, template, attempt): a planner killed
      // after CreateChangeSet calls it again, which AWS answers AlreadyExistsException and the
      // operator takes as "found"
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html).
      // moto answers 200 instead, so what counts is one name per stack and attempt.
      Map<String, Long> namesPerStack =
          countBy(List.copyOf(created.keySet()), k -> k.substring(0, k.indexOf('/')));
      assertThat(namesPerStack)
          .as("change set names per stack %s", created)
          .hasSize(5)
          .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
      assertThat(executed)
          .as("change sets executed")
          .hasSize(2)
          .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
      assertThat(updates.values()).as("updates per stack %s", updates).allMatch(n -> n <= 1);
      assertThat(updates.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
      assertThat(snapshots).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
      assertThat(migrations).isNotEmpty();
      assertThat(tasksByToken).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
      assertThat(tasksByToken).as("one ECS task per OpsTask").hasSize(opsTasks);
      assertThat(PodLogs.atLevel(pod, "DEBUG"))
          .as("DEBUG lines with TTES_LOG_LEVEL=debug")
          .isNotEmpty();
      System.out.printf(
          "upgrade under SIGKILL: %d kills (after %s), %d restarts; change sets %d (%d CreateChangeSet calls:"
              + " a repeat after a kill is AlreadyExists on AWS),"
              + " executed %d (%d calls), stack updates %d, snapshots %d, migration tasks %d"
              + " (%d RunTask calls in all); duplicates 0%n",
          kills,
          killedAfter,
          pod.restarts(),
          created.size(),
          cluster.aws.calls().stream().filter(c -> c.operation().equals("CreateChangeSet")).count(),
          executed.size(),
          cluster.aws.calls().stream()
              .filter(c -> c.operation().equals("ExecuteChangeSet"))
              .count(),
          updates.values().stream().mapToLong(Long::longValue).sum(),
          snapshots.size(),
          migrations.size(),
          cluster.aws.calls().stream().filter(c -> c.operation().equals("RunTask")).count());
    } finally {
      pod.delete();
    }
  }

  @Test
  @Order(3)
  void sigkillDuringABootstrapRepeatsNothing() throws Exception {
    Pod pod = cluster.start(cluster.render(DEBUG_LOGS), "ttes-operator-8f9a0b1c2-n3o4p");
    try {
      pod.awaitReady(Duration.ofSeconds(40));
      awaitClusterReady();
      cluster.objects(NS).secret("acme-admin", Map.of("password", "pod-harness-admin-secret"));
      cluster.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: TenantBootstrap
          metadata: {name: acme}
          spec:
            clusterRef: {name: %s}
            tenant: {id: acme, name: ACME Corp}
            storage: {init: true}
            noc: {init: true}
            oauthClients: {cli: true}
            admin: {email: admin@acme.example, passwordSecretRef: {name: acme-admin, key: password}}
          """
              .formatted(PREFIX),
          TenantBootstrap.class,
          NS);
      int kills =
          killAtRandomMoments(
              pod, new Random(SEED + 1), 3, () -> bootstrapPhase() == BootstrapPhase.Succeeded);
      awaitUntil(this::bootstrapPhase, p -> p == BootstrapPhase.Succeeded);

      List<Task> tasks = ecsTasks();
      Map<String, Long> byCommand =
          countBy(
              tasks, t -> String.join(" ", t.overrides().containerOverrides().get(0).command()));
      Map<String, Long> byToken = countBy(tasks, Task::startedBy);
      assertThat(byToken).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
      List<String> bootstrapCommands =
          byCommand.keySet().stream()
              .filter(
                  c ->
                      c.contains("storage-db init")
                          || c.contains("noc-db init")
                          || c.contains("create-oauth-client")
                          || c.contains("create-tenant")
                          || c.contains("create-admin-user"))
              .toList();
      assertThat(bootstrapCommands).hasSizeGreaterThanOrEqualTo(4);
      assertThat(bootstrapCommands)
          .allSatisfy(c -> assertThat(byCommand.get(c)).as(c).isEqualTo(1));
      System.out.printf(
          "bootstrap under SIGKILL: %d kills, %d restarts; %d bootstrap commands, each run once"
              + " (%d RunTask calls in all); duplicates 0%n",
          kills,
          pod.restarts(),
          bootstrapCommands.size(),
          cluster.aws.calls().stream().filter(c -> c.operation().equals("RunTask")).count());
    } finally {
      pod.delete();
    }
  }

  /**
   * Kills the container at up to {@code times} moments, each a seeded random 0.5-5 s after it was
   * last ready, and waits for the kubelet to restart it and for it to be ready again.
   */
  private static int killAtRandomMoments(
      Pod pod, Random random, int times, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    int kills = 0;
    for (int i = 0; i < times && !done.getAsBoolean(); i++) {
      Thread.sleep(500 + random.nextInt(4500));
      if (done.getAsBoolean()) {
        break;
      }
      int before = pod.restarts();
      pod.kill();
      kills++;
      awaitUntil(() -> pod.restarts() > before && pod.isReady(), ok -> ok);
    }
    return kills;
  }

  /** {@code n} distinct 1-based ordinals up to {@code max}, drawn from {@code random}. */
  private static Set<Integer> mutationOrdinals(Random random, int n, int max) {
    Set<Integer> ordinals = new java.util.TreeSet<>();
    while (ordinals.size() < n) {
      ordinals.add(1 + random.nextInt(max));
    }
    return ordinals;
  }

  private static List<AwsCallRecorder.Call> snapshotCalls() {
    return cluster.aws.calls().stream()
        .filter(AwsCallRecorder.Call::succeeded)
        .filter(c -> c.operation().contains("Snapshot") && c.operation().startsWith("Create"))
        .toList();
  }

  private static String snapshotId(AwsCallRecorder.Call c) {
    return c.parameters().entrySet().stream()
        .filter(e -> e.getKey().contains("SnapshotIdentifier") || e.getKey().equals("SnapshotName"))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse("?");
  }

  private UpgradePhase upgradePhase() {
    StackUpgrade u = cluster.objects(NS).get(StackUpgrade.class, "to-3.33.2");
    if (u != null
        && u.getStatus() != null
        && u.getStatus().getPhase() != null
        && u.getStatus().getPhase().isFinished()
        && u.getStatus().getPhase() != UpgradePhase.Succeeded) {
      throw new AssertionError("upgrade ended " + u.getStatus());
    }
    return u == null || u.getStatus() == null ? null : u.getStatus().getPhase();
  }

  private BootstrapPhase bootstrapPhase() {
    TenantBootstrap b = cluster.objects(NS).get(TenantBootstrap.class, "acme");
    if (b != null && b.getStatus() != null && b.getStatus().getPhase() == BootstrapPhase.Failed) {
      throw new AssertionError("bootstrap failed " + b.getStatus());
    }
    return b == null || b.getStatus() == null ? null : b.getStatus().getPhase();
  }

  private static void opsTask(String name, String command) {
    cluster.create(
        Manifests.opsTask(name, PREFIX, List.of(command.split(", "))), OpsTask.class, NS);
  }

  private static void awaitOpsTask(String name) {
    cluster
        .objects(NS)
        .await(
            OpsTask.class,
            name,
            CONVERGE,
            t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);
  }

  private static void awaitClusterReady() {
    cluster
        .objects(NS)
        .await(
            TTESCluster.class,
            PREFIX,
            CONVERGE,
            c -> c.getStatus() != null && KubeObjects.ready(c));
  }

  private static String leaseHolder() {
    Lease lease =
        cluster
            .client()
            .leases()
            .inNamespace(RenderedChart.NAMESPACE)
            .withName("ttes-operator-leader")
            .get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static void awaitLeader(Pod pod) {
    awaitUntil(PodLifecycleIT::leaseHolder, pod.name()::equals);
  }

  /** Times of the log lines written while reconciling (they carry the resource's kind). */
  private static List<Instant> reconcileTimes(Pod pod) {
    List<Instant> out = new ArrayList<>();
    for (JsonNode line : PodLogs.lines(pod)) {
      if (line.has("resource.kind")) {
        out.add(Instant.parse(line.path("@timestamp").asText()));
      }
    }
    return out;
  }

  private static List<Task> ecsTasks() {
    try (EcsClient ecs =
        TtesFixture.configure(EcsClient.builder(), cluster.moto.endpoint()).build()) {
      List<String> arns =
          new ArrayList<>(ecs.listTasks(b -> b.cluster(deployment.ecsCluster())).taskArns());
      List<Task> out = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += 100) {
        List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
        out.addAll(ecs.describeTasks(b -> b.cluster(deployment.ecsCluster()).tasks(batch)).tasks());
      }
      return out;
    }
  }

  private static <T> Map<String, Long> countBy(List<T> items, Function<T, String> key) {
    return items.stream()
        .collect(Collectors.groupingBy(key, java.util.TreeMap::new, Collectors.counting()));
  }

  private static <T> T awaitUntil(java.util.concurrent.Callable<T> read, Predicate<T> ok) {
    return Awaitility.await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(read, v -> v != null && ok.test(v));
  }
}
