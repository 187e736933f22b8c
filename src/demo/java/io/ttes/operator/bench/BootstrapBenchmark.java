package io.ttes.operator.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long N TenantBootstraps on one multi-tenant cluster take to converge against moto, and what
 * they cost on AWS. Tasks advance with time in moto (not per DescribeTasks read), so faster polling
 * cannot make the figures look better.
 *
 * <p>{@code mvn -Pbench test-compile exec:java
 * -Dbench.class=io.ttes.operator.bench.BootstrapBenchmark -Dbench.args=--tenants=200}
 *
 * <p>Options: {@code --tenants=200 --max-concurrent=25 --advance-every=2 --timeout=900} (seconds).
 */
public final class BootstrapBenchmark {
  static final String NS = "bench";
  static final String CLUSTER = "bench";

  /**
   * The cluster-wide steps every bench bootstrap plans (databases, migrate, three OAuth clients).
   */
  static final int CLUSTER_STEPS = 6;

  /**
   * What a run measured. {@code awsCalls} counts only calls made after the bootstraps exist; {@code
   * clusterWide} is the time from the first create until the cluster records every cluster-wide
   * step done (null: not reached).
   */
  public record Result(
      boolean converged,
      int tenants,
      Duration timeToConverge,
      Duration clusterWide,
      Map<String, Long> awsCalls,
      long runTasks,
      long heapUsedBytes) {
    public long totalCalls() {
      return awsCalls.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Settings of one run. */
  public record Settings(
      int tenants, int maxConcurrentTasks, int advanceEverySeconds, Duration timeout) {
    static final BenchArgs.Spec ARGS =
        new BenchArgs.Spec(
            "BootstrapBenchmark",
            BenchArgs.ordered(
                "tenants", "TenantBootstraps on one cluster (200)",
                "max-concurrent", "the cluster's spec.ops.maxConcurrentTasks (25)",
                "advance-every", "moto moves an ECS task one state per this many seconds (2)",
                "timeout", "give up after this many seconds (900)"),
            BenchArgs.ordered());

    static Settings parse(String[] args) {
      return from(BenchArgs.parse(args, ARGS));
    }

    static Settings from(BenchArgs a) {
      return new Settings(
          a.integer("tenants", 200),
          a.integer("max-concurrent", 25),
          a.integer("advance-every", 2),
          Duration.ofSeconds(a.integer("timeout", 900)));
    }
  }

  private BootstrapBenchmark() {}

  // Held so the JUL setting is not collected: outside Maven's test runner nothing reads
  // jul.properties, and the mock API logging every request at INFO slows the run it measures.
  private static final java.util.logging.Logger MOCK_API_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    BenchArgs a = BenchSupport.argsOrUsage(args, Settings.ARGS);
    if (a == null) {
      return;
    }
    MOCK_API_LOG.setLevel(java.util.logging.Level.WARNING);
    Result result = run(System.out, Settings.from(a));
    System.exit(result.converged() ? 0 : 1);
  }

  public static Result run(PrintStream out, Settings s) throws Exception {
    out.printf(
        "== %d TenantBootstraps, maxConcurrentTasks %d, moto ECS tasks advance every %d s%n",
        s.tenants(), s.maxConcurrentTasks(), s.advanceEverySeconds());
    try (MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      moto.ecsTasksAdvanceEvery(s.advanceEverySeconds());
      TtesFixture.Deployment d =
          TtesFixture.deploy(moto.endpoint(), "bench-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      api.createNamespace(NS);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), registry);
      OperatorConfig config =
          OperatorConfig.defaults()
              .withAwsEndpoint(moto.endpoint())
              .withHttpPort(0)
              .withPolling(Duration.ofSeconds(1), Duration.ofSeconds(30));
      try (aws;
          TtesOperator operator =
              TtesOperator.start(
                  new TtesOperator.Dependencies(
                      config, api.client(), aws, registry, Clock.systemUTC()))) {
        createCluster(api, d, s.maxConcurrentTasks());
        awaitClusterReady(api, Duration.ofSeconds(60));
        api.client()
            .secrets()
            .inNamespace(NS)
            .resource(
                new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata()
                    .withName("admins")
                    .endMetadata()
                    .withStringData(Map.of("password", "bench-admin-password"))
                    .build())
            .create();
        Map<String, Long> before = aws.metrics().callsByOperation();
        long start = System.nanoTime();
        for (int i = 0; i < s.tenants(); i++) {
          api.client()
              .resources(TenantBootstrap.class)
              .inNamespace(NS)
              .resource(bootstrap(api, String.format("tenant-%04d", i)))
              .create();
        }
        out.printf("   created %d TenantBootstraps%n", s.tenants());
        boolean converged = false;
        long deadline = start + s.timeout().toNanos();
        String last = "";
        Duration clusterWide = null;
        while (System.nanoTime() < deadline) {
          if (clusterWide == null && clusterStepsDone(api) == CLUSTER_STEPS) {
            clusterWide = Duration.ofNanos(System.nanoTime() - start);
            out.printf(
                "   %5.1f s the %d cluster-wide steps are done%n",
                clusterWide.toMillis() / 1000.0, CLUSTER_STEPS);
          }
          Map<String, Long> phases = phases(api);
          String line = phases.toString();
          if (!line.equals(last)) {
            out.printf("   %5.1f s %s%n", (System.nanoTime() - start) / 1e9, line);
            last = line;
          }
          if (phases.getOrDefault("Succeeded", 0L) == s.tenants()) {
            converged = true;
            break;
          }
          if (phases.getOrDefault("Failed", 0L) > 0 || phases.getOrDefault("Stalled", 0L) > 0) {
            break;
          }
          Thread.sleep(500);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Map<String, Long> calls = delta(before, aws.metrics().callsByOperation());
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Result r =
            new Result(
                converged,
                s.tenants(),
                elapsed,
                clusterWide,
                calls,
                calls.getOrDefault("Ecs.RunTask", 0L),
                heap);
        print(out, r, operator);
        return r;
      }
    }
  }

  private static void print(PrintStream out, Result r, TtesOperator operator) {
    out.printf(
        "== %s after %.1f s (%d tenants)%n",
        r.converged() ? "converged" : "NOT converged",
        r.timeToConverge().toMillis() / 1000.0,
        r.tenants());
    out.printf(
        "== cluster-wide steps done after %s%n",
        r.clusterWide() == null
            ? "(not reached)"
            : String.format("%.1f s", r.clusterWide().toMillis() / 1000.0));
    out.printf(
        "== AWS calls: %d total, %.2f per tenant; RunTask %d%n",
        r.totalCalls(), (double) r.totalCalls() / r.tenants(), r.runTasks());
    r.awsCalls()
        .forEach(
            (op, n) ->
                out.printf("   %-40s %7d  %8.2f per tenant%n", op, n, (double) n / r.tenants()));
    long max = Runtime.getRuntime().maxMemory();
    out.printf(
        "== heap used after GC: %.1f MiB (max %.0f MiB)%n",
        r.heapUsedBytes() / 1048576.0, max / 1048576.0);
  }

  private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new TreeMap<>();
    after.forEach(
        (op, n) -> {
          long x = n - before.getOrDefault(op, 0L);
          if (x > 0) {
            d.put(op, x);
          }
        });
    return d;
  }

  private static Map<String, Long> phases(KubeApi api) {
    Map<String, Long> counts = new TreeMap<>();
    for (TenantBootstrap tb :
        api.client().resources(TenantBootstrap.class).inNamespace(NS).list().getItems()) {
      String state;
      if (tb.getStatus() != null && "True".equals(stalled(tb))) {
        state = "Stalled";
      } else if (tb.getStatus() == null || tb.getStatus().getPhase() == null) {
        state = "New";
      } else {
        state = tb.getStatus().getPhase().name();
      }
      counts.merge(state, 1L, Long::sum);
    }
    return counts;
  }

  /** How many cluster-wide steps the cluster records as done. */
  private static long clusterStepsDone(KubeApi api) {
    TTESCluster c =
        api.client().resources(TTESCluster.class).inNamespace(NS).withName(CLUSTER).get();
    if (c == null || c.getStatus() == null || c.getStatus().getBootstrapSteps() == null) {
      return 0;
    }
    return c.getStatus().getBootstrapSteps().stream()
        .filter(step -> "Succeeded".equals(step.getPhase()))
        .count();
  }

  private static String stalled(TenantBootstrap tb) {
    var c = ConditionWriter.find(tb.getStatus(), "Stalled");
    return c == null ? null : c.getStatus();
  }

  private static void createCluster(KubeApi api, TtesFixture.Deployment d, int maxConcurrent) {
    TTESClusterSpec spec = d.clusterSpec();
    spec.setMultiTenant(true);
    spec.getOps().setMaxConcurrentTasks(maxConcurrent);
    TTESCluster cluster = new TTESCluster();
    cluster.getMetadata().setName(CLUSTER);
    cluster.getMetadata().setNamespace(NS);
    cluster.setSpec(spec);
    api.client().resource(cluster).create();
  }

  private static void awaitClusterReady(KubeApi api, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      TTESCluster c =
          api.client().resources(TTESCluster.class).inNamespace(NS).withName(CLUSTER).get();
      if (c != null && ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration())) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("TTESCluster " + CLUSTER + " not Ready within " + timeout);
  }

  private static TenantBootstrap bootstrap(KubeApi api, String name) {
    return api.client()
        .getKubernetesSerialization()
        .unmarshal(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: TenantBootstrap
            metadata: {name: %s}
            spec:
              clusterRef: {name: %s}
              tenant: {id: %s, name: Bench Tenant}
              storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
              noc: {init: true}
              oauthClients: {cli: true, console: true, noc: true}
              admin:
                email: admin@%s.example
                passwordSecretRef: {name: admins, key: password}
            """
                .formatted(name, CLUSTER, name, name),
            TenantBootstrap.class);
  }
}
