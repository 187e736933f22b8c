package io.ttes.operator.bench;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Everything at once: N TenantBootstraps, M OpsTasks and one StackUpgrade (3.33.1 → 3.33.2) on each
 * of K clusters, each cluster its own TTES deployment in moto. Prints time to converge, AWS calls
 * by operation and per converged object, the operator's Kubernetes API requests, reconcile latency
 * p50/p99, heap after GC and RSS, and the runbook way for the same ECS work as a ratio.
 *
 * <p>{@code mvn -Pbench test-compile exec:java -Dbench.class=io.ttes.operator.bench.ScaleBenchmark
 * -Dbench.args="--bootstraps=1000 --tasks=2000 --clusters=20"}
 *
 * <p>Also {@code --max-concurrent=25 --advance-every=2 --fast-poll=5s --timeout=60m}.
 */
public final class ScaleBenchmark {
  static final String NS = "scale";
  static final String FROM = "3.33.1";
  static final String TO = "3.33.2";

  /** JOSDK's timer of one reconcile, tagged by controller. */
  static final String RECONCILE_TIMER = "operator.sdk.controllers.execution.reconcile";

  /** What to run. */
  public record Options(
      int bootstraps,
      int tasks,
      int clusters,
      int maxConcurrent,
      int advanceEverySeconds,
      Duration fastPoll,
      Duration timeout) {

    static final BenchArgs.Spec ARGS =
        new BenchArgs.Spec(
            "ScaleBenchmark",
            BenchArgs.ordered(
                "bootstraps", "TenantBootstraps, spread over the clusters (1000)",
                "tasks", "OpsTasks, spread over the clusters (2000)",
                "clusters", "TTESClusters, each with one StackUpgrade (20)",
                "max-concurrent", "each cluster's spec.ops.maxConcurrentTasks (25)",
                "advance-every", "moto moves an ECS task one state per this many seconds (2)",
                "fast-poll", "the operator's poll interval while work runs (5s)",
                "timeout", "give up after (60m)"),
            BenchArgs.ordered());

    public static Options parse(String[] args) {
      return from(BenchArgs.parse(args, ARGS));
    }

    static Options from(BenchArgs a) {
      return new Options(
          a.integer("bootstraps", 1000),
          a.integer("tasks", 2000),
          a.integer("clusters", 20),
          a.integer("max-concurrent", 25),
          a.integer("advance-every", 2),
          a.duration("fast-poll", OperatorConfig.defaults().fastPoll()),
          a.duration("timeout", Duration.ofMinutes(60)));
    }

    int objects() {
      return bootstraps + tasks + clusters;
    }
  }

  /**
   * What a run measured.
   *
   * @param allOpsTasks every OpsTask at the end: the M created plus those bootstraps and upgrades
   *     created
   * @param ecsTasksByStartedBy the ECS tasks in moto per launch token (startedBy), all clusters
   */
  public record Result(
      boolean converged,
      Duration timeToConverge,
      Map<String, Long> states,
      int allOpsTasks,
      Map<String, Long> awsCalls,
      Map<String, Long> kubeRequests,
      Map<String, double[]> reconcileP50P99Millis,
      long ecsTasks,
      Map<String, Long> ecsTasksByStartedBy,
      Map<String, Long> runbookCalls,
      long heapUsedBytes,
      long rssBytes) {

    public long totalAwsCalls() {
      return awsCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public long duplicateRunTasks() {
      return ecsTasksByStartedBy.values().stream().mapToLong(n -> n - 1).sum();
    }
  }

  private ScaleBenchmark() {}

  // Held so the setting is not collected: the mock API logs every request at INFO otherwise.
  private static final java.util.logging.Logger MOCK_API_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    BenchArgs a = BenchSupport.argsOrUsage(args, Options.ARGS);
    if (a == null) {
      return;
    }
    MOCK_API_LOG.setLevel(java.util.logging.Level.WARNING);
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Result r = run(Options.from(a), System.out);
    System.exit(r.converged() && r.duplicateRunTasks() == 0 ? 0 : 1);
  }

  public static Result run(Options o, PrintStream out) throws Exception {
    out.printf(
        "== scale: %d TenantBootstraps, %d OpsTasks, %d StackUpgrades %s→%s on %d clusters;"
            + " maxConcurrentTasks %d, fast poll %s, moto ECS task state every %d s%n",
        o.bootstraps(),
        o.tasks(),
        o.clusters(),
        FROM,
        TO,
        o.clusters(),
        o.maxConcurrent(),
        o.fastPoll(),
        o.advanceEverySeconds());
    Instant setupStart = Instant.now();
    try (MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      moto.ecsTasksAdvanceEvery(o.advanceEverySeconds());
      TtesFixture.uploadTemplates(moto.endpoint());
      List<TtesFixture.Deployment> deployments = new ArrayList<>();
      for (int i = 1; i <= o.clusters(); i++) {
        deployments.add(
            TtesFixture.deploy(
                moto.endpoint(), "s" + i + "-eu1", FROM, TtesFixture.FIVE_TEMPLATES));
      }
      out.printf(
          "   %d deployments seeded in moto after %d s%n",
          deployments.size(), Duration.between(setupStart, Instant.now()).toSeconds());
      api.createNamespace(NS);
      api.client()
          .secrets()
          .inNamespace(NS)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("admins")
                  .endMetadata()
                  .withStringData(Map.of("password", "scale-admin-password"))
                  .build())
          .create();

      OpsTaskBenchmark.RequestCounter kube = new OpsTaskBenchmark.RequestCounter();
      KubernetesClient operatorClient =
          new KubernetesClientBuilder()
              .withConfig(api.client().getConfiguration())
              .withHttpClientBuilderConsumer(
                  b -> b.addOrReplaceInterceptor("scale-request-counter", kube))
              .build();
      PrometheusMeterRegistry registry = registryWithReconcilePercentiles();
      SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), registry);
      OperatorConfig config =
          OperatorConfig.defaults()
              .withAwsEndpoint(moto.endpoint())
              .withHttpPort(0)
              .withPolling(o.fastPoll(), OperatorConfig.defaults().slowPoll());
      try (aws;
          operatorClient;
          TtesOperator operator =
              TtesOperator.start(
                  new TtesOperator.Dependencies(
                      config, operatorClient, aws, registry, Clock.systemUTC()))) {
        List<String> clusters = createClusters(api, deployments, o.maxConcurrent());
        awaitClustersReady(api, clusters, Duration.ofMinutes(3));
        Map<String, Long> setupCalls = aws.metrics().callsByOperation();
        Map<String, Long> setupKube = kube.snapshot();
        out.printf(
            "   operator up, %d clusters Ready after %d s%n",
            clusters.size(), Duration.between(setupStart, Instant.now()).toSeconds());

        Instant start = Instant.now();
        for (String c : clusters) {
          create(api, upgrade(c), StackUpgrade.class);
        }
        for (int i = 0; i < Math.max(o.bootstraps(), o.tasks()); i++) {
          String cluster = clusters.get(i % clusters.size());
          if (i < o.bootstraps()) {
            create(api, bootstrap(String.format("tenant-%04d", i), cluster), TenantBootstrap.class);
          }
          if (i < o.tasks()) {
            create(api, opsTask(String.format("task-%04d", i), cluster, i), OpsTask.class);
          }
        }
        out.printf(
            "   created %d objects in %d ms%n",
            o.objects(), Duration.between(start, Instant.now()).toMillis());

        Map<String, Long> states = Map.of();
        boolean converged = false;
        Instant deadline = start.plus(o.timeout());
        Instant nextReport = Instant.now();
        while (Instant.now().isBefore(deadline)) {
          states = states(api);
          if (Instant.now().isAfter(nextReport)) {
            out.printf("   +%4ds %s%n", Duration.between(start, Instant.now()).toSeconds(), states);
            nextReport = Instant.now().plusSeconds(15);
          }
          converged = converged(states, o);
          if (converged || states.keySet().stream().anyMatch(k -> k.endsWith("Failed"))) {
            break;
          }
          Thread.sleep(1000);
        }
        Duration took = Duration.between(start, Instant.now());
        out.printf("   +%4ds %s%n", took.toSeconds(), states);

        Map<String, Long> calls = BenchSupport.minus(aws.metrics().callsByOperation(), setupCalls);
        Map<String, Long> kubeCalls = BenchSupport.minus(kube.snapshot(), setupKube);
        List<OpsTask> opsTasks =
            api.client().resources(OpsTask.class).inNamespace(NS).list().getItems();
        List<Long> seconds = new ArrayList<>();
        for (OpsTask t : opsTasks) {
          if (t.getStatus() != null
              && t.getStatus().getStartedAt() != null
              && t.getStatus().getFinishedAt() != null) {
            seconds.add(
                Duration.between(
                        Instant.parse(t.getStatus().getStartedAt()),
                        Instant.parse(t.getStatus().getFinishedAt()))
                    .toSeconds());
          }
        }
        Map<String, Long> byStartedBy = new TreeMap<>();
        long ecsTasks = 0;
        for (TtesFixture.Deployment d : deployments) {
          for (Task t : ecsTasks(moto, d.ecsCluster())) {
            byStartedBy.merge(d.ecsCluster() + "/" + t.startedBy(), 1L, Long::sum);
            ecsTasks++;
          }
        }
        Result r =
            new Result(
                converged,
                took,
                states,
                opsTasks.size(),
                calls,
                kubeCalls,
                reconcilePercentiles(registry),
                ecsTasks,
                byStartedBy,
                OpsTaskBenchmark.runbookCalls(seconds),
                heapUsedAfterGc(),
                rssBytes());
        print(r, o, out);
        return r;
      }
    }
  }

  // ---- measuring

  /**
   * Client-side p50/p99 of JOSDK's reconcile timer over the whole run: one buffer that never
   * expires, so the percentiles are not those of the last two minutes only (Micrometer's default).
   */
  static PrometheusMeterRegistry registryWithReconcilePercentiles() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals(RECONCILE_TIMER)) {
                  return config;
                }
                return DistributionStatisticConfig.builder()
                    .percentiles(0.5, 0.99)
                    .percentilePrecision(3)
                    .expiry(Duration.ofDays(1))
                    .bufferLength(1)
                    .build()
                    .merge(config);
              }
            });
    return registry;
  }

  static Map<String, double[]> reconcilePercentiles(PrometheusMeterRegistry registry) {
    Map<String, double[]> out = new TreeMap<>();
    for (Timer t : registry.find(RECONCILE_TIMER).timers()) {
      double p50 = Double.NaN;
      double p99 = Double.NaN;
      for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
        if (v.percentile() == 0.5) {
          p50 = v.value(TimeUnit.MILLISECONDS);
        } else if (v.percentile() == 0.99) {
          p99 = v.value(TimeUnit.MILLISECONDS);
        }
      }
      String controller = t.getId().getTag("controller");
      out.put(
          controller == null ? t.getId().toString() : controller,
          new double[] {p50, p99, t.count(), t.max(TimeUnit.MILLISECONDS)});
    }
    return out;
  }

  private static long heapUsedAfterGc() {
    ManagementFactory.getMemoryMXBean().gc();
    ManagementFactory.getMemoryMXBean().gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** VmRSS of this JVM (the operator, the mock Kubernetes API and this program), or -1. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  private static List<Task> ecsTasks(MotoServer moto, String cluster) {
    try (EcsClient ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build()) {
      List<String> arns = new ArrayList<>();
      ecs.listTasksPaginator(b -> b.cluster(cluster)).taskArns().forEach(arns::add);
      List<Task> out = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += 100) {
        List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
        out.addAll(ecs.describeTasks(b -> b.cluster(cluster).tasks(batch)).tasks());
      }
      return out;
    }
  }

  // ---- states

  /** Counts by "Kind Phase"; created OpsTasks and children alike. */
  private static Map<String, Long> states(KubeApi api) {
    Map<String, Long> counts = new TreeMap<>();
    for (OpsTask t : api.client().resources(OpsTask.class).inNamespace(NS).list().getItems()) {
      OpsTaskPhase p = t.getStatus() == null ? null : t.getStatus().getPhase();
      counts.merge("OpsTask " + (p == null ? "New" : p.name()), 1L, Long::sum);
    }
    for (TenantBootstrap t :
        api.client().resources(TenantBootstrap.class).inNamespace(NS).list().getItems()) {
      BootstrapPhase p = t.getStatus() == null ? null : t.getStatus().getPhase();
      counts.merge("TenantBootstrap " + (p == null ? "New" : p.name()), 1L, Long::sum);
    }
    for (StackUpgrade u :
        api.client().resources(StackUpgrade.class).inNamespace(NS).list().getItems()) {
      UpgradePhase p = u.getStatus() == null ? null : u.getStatus().getPhase();
      String state = p == null ? "New" : p.name();
      if (u.getStatus() != null
          && "True"
              .equals(
                  ConditionWriter.find(u.getStatus(), "Stalled") == null
                      ? null
                      : ConditionWriter.find(u.getStatus(), "Stalled").getStatus())) {
        state = "Stalled";
      }
      counts.merge("StackUpgrade " + state, 1L, Long::sum);
    }
    return counts;
  }

  private static boolean converged(Map<String, Long> states, Options o) {
    long tasks =
        states.entrySet().stream()
            .filter(e -> e.getKey().startsWith("OpsTask "))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return states.getOrDefault("OpsTask Succeeded", 0L) == tasks
        && tasks >= o.tasks()
        && states.getOrDefault("TenantBootstrap Succeeded", 0L) == o.bootstraps()
        && states.getOrDefault("StackUpgrade Succeeded", 0L) == o.clusters();
  }

  // ---- objects

  private static List<String> createClusters(
      KubeApi api, List<TtesFixture.Deployment> deployments, int maxConcurrent) {
    List<String> names = new ArrayList<>();
    for (TtesFixture.Deployment d : deployments) {
      TTESClusterSpec spec = d.clusterSpec();
      spec.setMultiTenant(true);
      spec.getOps().setMaxConcurrentTasks(maxConcurrent);
      TTESCluster cluster = new TTESCluster();
      cluster.getMetadata().setName(d.prefix());
      cluster.getMetadata().setNamespace(NS);
      cluster.setSpec(spec);
      api.client().resource(cluster).create();
      names.add(d.prefix());
    }
    return names;
  }

  private static void awaitClustersReady(KubeApi api, List<String> names, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      boolean all = true;
      for (String name : names) {
        TTESCluster c =
            api.client().resources(TTESCluster.class).inNamespace(NS).withName(name).get();
        all &= c != null && ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration());
      }
      if (all) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("TTESClusters not Ready within " + timeout);
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void create(
      KubeApi api, String yaml, Class<T> type) {
    T obj = api.client().getKubernetesSerialization().unmarshal(yaml, type);
    api.client().resource(obj).inNamespace(NS).create();
  }

  private static String upgrade(String cluster) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s-to-%s}
        spec:
          clusterRef: {name: %s}
          targetVersion: %s
          approval: Automatic
          dataProtection: {snapshotBeforeReplace: true}
        """
        .formatted(cluster, TO, cluster, TO);
  }

  private static String opsTask(String name, String cluster, int i) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec: {clusterRef: {name: %s}, command: [%s]}
        """
        .formatted(
            name,
            cluster,
            String.join(", ", BenchSupport.MIGRATIONS.get(i % BenchSupport.MIGRATIONS.size())));
  }

  private static String bootstrap(String name, String cluster) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          tenant: {id: %s, name: Scale Tenant}
          storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
          noc: {init: true}
          oauthClients: {cli: true, console: true, noc: true}
          admin:
            email: admin@%s.example
            passwordSecretRef: {name: admins, key: password}
        """
        .formatted(name, cluster, name, name);
  }

  // ---- printing

  static void print(Result r, Options o, PrintStream out) {
    int objects = o.objects();
    out.println();
    out.printf(
        "== %s in %.1f s (first create → all Ready/Succeeded): %d TenantBootstraps, %d OpsTasks"
            + " (%d OpsTasks in all, with those of bootstraps and upgrades), %d StackUpgrades%n",
        r.converged() ? "converged" : "NOT converged",
        r.timeToConverge().toMillis() / 1000.0,
        o.bootstraps(),
        o.tasks(),
        r.allOpsTasks(),
        o.clusters());
    out.printf(
        "   ECS tasks in moto %d, launch tokens %d, duplicate RunTasks %d%n",
        r.ecsTasks(), r.ecsTasksByStartedBy().size(), r.duplicateRunTasks());
    out.println();
    out.printf(
        "AWS calls (operator, after the clusters were Ready)   total   per converged object (%d)%n",
        objects);
    r.awsCalls()
        .forEach((op, n) -> out.printf("  %-48s %7d   %8.2f%n", op, n, (double) n / objects));
    out.printf(
        "  %-48s %7d   %8.2f%n", "TOTAL", r.totalAwsCalls(), (double) r.totalAwsCalls() / objects);
    long ecsAndLogs =
        r.awsCalls().entrySet().stream()
            .filter(e -> e.getKey().startsWith("Ecs.") || e.getKey().startsWith("CloudWatchLogs."))
            .mapToLong(Map.Entry::getValue)
            .sum();
    long runbook = r.runbookCalls().values().stream().mapToLong(Long::longValue).sum();
    out.println();
    out.printf(
        "Runbook way for the same %d ECS tasks (run-task + `aws ecs wait tasks-stopped` every 6 s"
            + " + get-log-events, one by one): %s = %d calls%n",
        r.allOpsTasks(), r.runbookCalls(), runbook);
    out.printf(
        "  operator's Ecs.* + CloudWatchLogs.* calls: %d (%.2f per ECS task);"
            + " runbook / operator: %.2f%n",
        ecsAndLogs,
        (double) ecsAndLogs / Math.max(1, r.allOpsTasks()),
        (double) runbook / Math.max(1, ecsAndLogs));
    out.println();
    long kubeTotal = r.kubeRequests().values().stream().mapToLong(Long::longValue).sum();
    out.printf(
        "Kubernetes API requests (operator, after the clusters were Ready): %d (%.2f per converged"
            + " object)%n",
        kubeTotal, (double) kubeTotal / objects);
    r.kubeRequests().forEach((k, n) -> out.printf("  %-48s %7d%n", k, n));
    out.println();
    out.println(
        "Reconcile latency (JOSDK timer, whole run incl. setup)   p50 ms   p99 ms   max ms   count");
    r.reconcileP50P99Millis()
        .forEach(
            (c, v) ->
                out.printf("  %-48s %8.1f %8.1f %8.1f %7d%n", c, v[0], v[1], v[3], (long) v[2]));
    out.println();
    out.printf(
        "heap used after GC %.1f MiB (max %.0f MiB); process RSS %.1f MiB (JVM with operator,"
            + " mock Kubernetes API and this program; moto is a separate process)%n",
        r.heapUsedBytes() / 1048576.0,
        Runtime.getRuntime().maxMemory() / 1048576.0,
        r.rssBytes() / 1048576.0);
  }
}
