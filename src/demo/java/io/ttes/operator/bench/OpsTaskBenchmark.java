package io.ttes.operator.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.sdk.AwsCallMetrics;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs many OpsTasks through the real operator against the AWS emulator and prints what they cost:
 * AWS calls by operation (total and per completed task), time to converge, Kubernetes API requests
 * and heap, next to an estimate of the same work done the runbook way (one {@code aws ecs run-task}
 * + {@code aws ecs wait tasks-stopped} + one {@code get-log-events} per task, one task at a time).
 *
 * <p>{@code mvn -Pbench test-compile exec:java} (arguments: {@code -Dbench.args="--tasks=200
 * --clusters=1 --max-concurrent=20"}; also {@code --fast-poll=5s}, {@code --ecs-state-seconds=2},
 * {@code --timeout=15m}, {@code --side-reader} (see {@link EcsSideReader}), and {@code --verbose}
 * to keep the operator's INFO logs).
 */
public final class OpsTaskBenchmark {
  static final String NAMESPACE = "bench";

  /** The AWS CLI waiter {@code aws ecs wait tasks-stopped} reads DescribeTasks every 6 s. */
  static final Duration RUNBOOK_WAITER_DELAY = Duration.ofSeconds(6);

  /**
   * What to run.
   *
   * @param fastPoll the operator's poll interval while tasks run (its default is 5 s)
   * @param ecsStateSeconds moto moves an ECS task one state (of four to STOPPED) after this many
   *     seconds, read by DescribeTasks; so a task lasts at least four times this
   */
  public record Options(
      int tasks,
      int clusters,
      int maxConcurrent,
      Duration fastPoll,
      int ecsStateSeconds,
      Duration timeout,
      boolean sideReader) {

    public static Options defaults() {
      return new Options(
          200, 1, 20, OperatorConfig.defaults().fastPoll(), 2, Duration.ofMinutes(15), false);
    }

    static final BenchArgs.Spec ARGS =
        new BenchArgs.Spec(
            "OpsTaskBenchmark",
            BenchArgs.ordered(
                "tasks", "OpsTasks to create, spread over the clusters (200)",
                "clusters", "TTESClusters (1)",
                "max-concurrent", "each cluster's spec.ops.maxConcurrentTasks (20)",
                "fast-poll", "the operator's poll interval while tasks run (5s)",
                "ecs-state-seconds", "moto moves an ECS task one state per this many seconds (2)",
                "timeout", "give up after (15m)"),
            BenchArgs.ordered(
                "verbose",
                "keep the operator's and the mock API's INFO logs",
                "side-reader",
                "read moto's ECS tasks every 0.5 s with a client of the benchmark's own (not"
                    + " counted), so every task ends on time whatever the operator polls"));

    /** {@code --tasks=200 --clusters=1 --max-concurrent=20 --fast-poll=5s ...}. */
    public static Options parse(String[] args) {
      return from(BenchArgs.parse(args, ARGS));
    }

    static Options from(BenchArgs a) {
      Options d = defaults();
      return new Options(
          a.integer("tasks", d.tasks),
          a.integer("clusters", d.clusters),
          a.integer("max-concurrent", d.maxConcurrent),
          a.duration("fast-poll", d.fastPoll),
          a.integer("ecs-state-seconds", d.ecsStateSeconds),
          a.duration("timeout", d.timeout),
          a.flag("side-reader"));
    }

    public Options withTasks(int n) {
      return new Options(
          n, clusters, maxConcurrent, fastPoll, ecsStateSeconds, timeout, sideReader);
    }

    public Options withFastPoll(Duration d) {
      return new Options(tasks, clusters, maxConcurrent, d, ecsStateSeconds, timeout, sideReader);
    }
  }

  /**
   * What a run measured.
   *
   * @param awsCalls calls from the first create until all tasks finished, by "Service.Operation"
   * @param setupAwsCalls calls before that (the TTESClusters becoming Ready)
   * @param kubeRequests the operator's Kubernetes API requests in the same window, by verb and
   *     resource
   * @param taskSeconds each task's startedAt → finishedAt from its status (whole seconds)
   * @param slotSeconds per launch beyond the first {@code maxConcurrentTasks} of a cluster: its
   *     startedAt (the RunTask) minus the finishedAt of the task whose slot it took, the n-th
   *     finish of that cluster for its (n + max)-th start (whole seconds)
   */
  public record Result(
      int tasks,
      int succeeded,
      int failed,
      Duration wall,
      Map<String, Long> awsCalls,
      Map<String, Long> failedAwsCalls,
      Map<String, Long> setupAwsCalls,
      Map<String, Long> kubeRequests,
      List<Long> taskSeconds,
      List<Long> slotSeconds,
      long heapBaselineBytes,
      long heapUsedBytes,
      long heapMaxBytes,
      Map<String, Long> runbookCalls) {

    public long totalAwsCalls() {
      return awsCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalRunbookCalls() {
      return runbookCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public long awsCalls(String operation) {
      return awsCalls.getOrDefault(operation, 0L);
    }
  }

  private OpsTaskBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchArgs a = BenchSupport.argsOrUsage(args, Options.ARGS);
    if (a == null) {
      return;
    }
    // exec:java runs without the test JVM's logging setup: the mock API server would log every
    // request and the operator two lines per task, burying the figures. --verbose keeps them.
    if (!a.flag("verbose")) {
      BenchSupport.quietLogs();
    }
    Result result = run(Options.from(a), System.out);
    if (result.succeeded() != result.tasks()) {
      throw new IllegalStateException(
          (result.tasks() - result.succeeded())
              + " of "
              + result.tasks()
              + " tasks did not succeed");
    }
  }

  public static Result run(Options options, PrintStream out) throws Exception {
    out.printf(
        "== OpsTask benchmark: %d tasks on %d cluster(s), maxConcurrentTasks %d, operator fast"
            + " poll %s, moto ECS task state every %d s%s%n",
        options.tasks(),
        options.clusters(),
        options.maxConcurrent(),
        options.fastPoll(),
        options.ecsStateSeconds(),
        options.sideReader()
            ? ", read every 0.5 s on the side (tasks end on time)"
            : ", read by the operator only (tasks end at its reads)");
    Instant setupStart = Instant.now();
    try (MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      out.printf("   moto and Kubernetes API up in %d ms%n", BenchSupport.millisSince(setupStart));
      // Time-based task progress: with moto's default (one state per DescribeTasks read) the
      // operator's polling rate would decide how long a task runs.
      moto.ecsTasksAdvanceEvery(options.ecsStateSeconds());
      EcsSideReader sideReader =
          options.sideReader() ? new EcsSideReader(moto.endpoint(), Duration.ofMillis(500)) : null;
      List<TtesFixture.Deployment> deployments = new ArrayList<>();
      for (int i = 1; i <= options.clusters(); i++) {
        deployments.add(
            TtesFixture.deploy(
                moto.endpoint(), "b" + i + "-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES));
      }
      out.printf(
          "   %d deployment(s) seeded in moto (%s) after %d ms%n",
          deployments.size(), moto.endpoint(), BenchSupport.millisSince(setupStart));
      api.createNamespace(NAMESPACE);

      RequestCounter kubeCounter = new RequestCounter();
      KubernetesClient operatorClient =
          new KubernetesClientBuilder()
              .withConfig(api.client().getConfiguration())
              .withHttpClientBuilderConsumer(
                  b -> b.addOrReplaceInterceptor("bench-request-counter", kubeCounter))
              .build();
      long heapBaseline = heapUsedAfterGc();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), registry);
      OperatorConfig config =
          OperatorConfig.defaults()
              .withHttpPort(0)
              .withPolling(options.fastPoll(), OperatorConfig.defaults().slowPoll());
      try (TtesOperator operator =
          TtesOperator.start(
              new TtesOperator.Dependencies(
                  config, operatorClient, aws, registry, Clock.systemUTC()))) {
        List<String> clusters = createClusters(api.client(), deployments, options);
        awaitReady(api.client(), clusters, Duration.ofMinutes(2));
        Map<String, Long> setupCalls = aws.metrics().callsByOperation();
        Map<String, Long> setupFailed = failedCalls(registry);
        Map<String, Long> setupKube = kubeCounter.snapshot();
        out.printf(
            "   operator started (metrics on port %d), clusters Ready %s after %d ms%n",
            operator.httpPort(), clusters, BenchSupport.millisSince(setupStart));

        Instant firstCreate = Instant.now();
        for (int i = 0; i < options.tasks(); i++) {
          api.client()
              .resource(opsTask(i, clusters.get(i % clusters.size()), BenchSupport.MIGRATIONS))
              .create();
        }
        out.printf(
            "   %d OpsTasks created in %d ms%n",
            options.tasks(), Duration.between(firstCreate, Instant.now()).toMillis());
        List<OpsTask> finished = awaitFinished(api.client(), options, out, firstCreate);
        Duration wall = Duration.between(firstCreate, Instant.now());

        Map<String, Long> calls = BenchSupport.minus(aws.metrics().callsByOperation(), setupCalls);
        Map<String, Long> failedCalls = BenchSupport.minus(failedCalls(registry), setupFailed);
        Map<String, Long> kube = BenchSupport.minus(kubeCounter.snapshot(), setupKube);
        long heapUsed = heapUsedAfterGc();
        long heapMax = memory().getHeapMemoryUsage().getMax();
        List<Long> seconds = new ArrayList<>();
        int succeeded = 0;
        int failed = 0;
        for (OpsTask t : finished) {
          if (t.getStatus().getPhase() == OpsTaskPhase.Succeeded) {
            succeeded++;
          } else if (t.getStatus().getPhase() == OpsTaskPhase.Failed) {
            failed++;
          }
          if (t.getStatus().getStartedAt() != null && t.getStatus().getFinishedAt() != null) {
            seconds.add(
                Duration.between(
                        Instant.parse(t.getStatus().getStartedAt()),
                        Instant.parse(t.getStatus().getFinishedAt()))
                    .toSeconds());
          }
        }
        Result result =
            new Result(
                options.tasks(),
                succeeded,
                failed,
                wall,
                calls,
                failedCalls,
                setupCalls,
                kube,
                seconds,
                slotLatencies(finished, options.maxConcurrent()),
                heapBaseline,
                heapUsed,
                heapMax,
                runbookCalls(seconds));
        print(result, out);
        printWaves(result, options, out);
        return result;
      } finally {
        aws.close();
        if (sideReader != null) {
          sideReader.close();
        }
        operatorClient.close();
      }
    }
  }

  /**
   * Slot freed → next RunTask, per cluster: the k-th start after the first {@code max} took the
   * slot of the k-th finish (slots are given back when the finish is written).
   */
  static List<Long> slotLatencies(List<OpsTask> finished, int max) {
    Map<String, List<Instant>> starts = new java.util.TreeMap<>();
    Map<String, List<Instant>> ends = new java.util.TreeMap<>();
    for (OpsTask t : finished) {
      if (t.getStatus().getStartedAt() == null || t.getStatus().getFinishedAt() == null) {
        continue;
      }
      String cluster = t.getSpec().getClusterRef().getName();
      starts
          .computeIfAbsent(cluster, k -> new ArrayList<>())
          .add(Instant.parse(t.getStatus().getStartedAt()));
      ends.computeIfAbsent(cluster, k -> new ArrayList<>())
          .add(Instant.parse(t.getStatus().getFinishedAt()));
    }
    List<Long> out = new ArrayList<>();
    for (String cluster : starts.keySet()) {
      List<Instant> s = starts.get(cluster).stream().sorted().toList();
      List<Instant> e = ends.get(cluster).stream().sorted().toList();
      for (int i = max; i < s.size(); i++) {
        out.add(Math.max(0, Duration.between(e.get(i - max), s.get(i)).toSeconds()));
      }
    }
    return out;
  }

  // ---- setup

  private static List<String> createClusters(
      KubernetesClient client, List<TtesFixture.Deployment> deployments, Options options) {
    List<String> names = new ArrayList<>();
    for (TtesFixture.Deployment d : deployments) {
      String name = d.prefix();
      TTESClusterSpec spec = d.clusterSpec();
      spec.getOps().setMaxConcurrentTasks(options.maxConcurrent());
      TTESCluster cluster = new TTESCluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
      cluster.setSpec(spec);
      client.resource(cluster).create();
      names.add(name);
    }
    return names;
  }

  private static OpsTask opsTask(int i, String cluster, List<List<String>> commands) {
    OpsTask task = new OpsTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName(String.format("bench-%04d", i))
            .withNamespace(NAMESPACE)
            .build());
    OpsTaskSpec spec = new OpsTaskSpec();
    ClusterRef ref = new ClusterRef();
    ref.setName(cluster);
    spec.setClusterRef(ref);
    spec.setCommand(new ArrayList<>(commands.get(i % commands.size())));
    task.setSpec(spec);
    return task;
  }

  private static void awaitReady(KubernetesClient client, List<String> names, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      boolean all = true;
      for (String name : names) {
        TTESCluster c =
            client.resources(TTESCluster.class).inNamespace(NAMESPACE).withName(name).get();
        all &=
            c != null
                && ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration())
                && c.getStatus().getOps() != null;
      }
      if (all) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("TTESClusters not Ready within " + timeout);
      }
      Thread.sleep(100);
    }
  }

  /** Lists the OpsTasks (with the benchmark's own client) until all are finished. */
  private static List<OpsTask> awaitFinished(
      KubernetesClient client, Options options, PrintStream out, Instant start)
      throws InterruptedException {
    Instant deadline = start.plus(options.timeout());
    Instant nextReport = Instant.now().plusSeconds(10);
    while (true) {
      List<OpsTask> tasks =
          client.resources(OpsTask.class).inNamespace(NAMESPACE).list().getItems();
      Map<String, Integer> phases = new TreeMap<>();
      int done = 0;
      for (OpsTask t : tasks) {
        OpsTaskPhase phase = t.getStatus() == null ? null : t.getStatus().getPhase();
        phases.merge(phase == null ? "New" : phase.name(), 1, Integer::sum);
        if (phase != null && phase.isFinished()) {
          done++;
        }
      }
      if (done == options.tasks()) {
        return tasks;
      }
      if (Instant.now().isAfter(nextReport)) {
        out.printf("   +%3ds %s%n", Duration.between(start, Instant.now()).toSeconds(), phases);
        nextReport = Instant.now().plusSeconds(10);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "not all OpsTasks finished within " + options.timeout() + ": " + phases);
      }
      Thread.sleep(100);
    }
  }

  // ---- measuring

  /** The runbook's AWS calls for tasks of these durations, run one by one. */
  static Map<String, Long> runbookCalls(List<Long> taskSeconds) {
    long describe = 0;
    for (long s : taskSeconds) {
      describe += Math.max(1, ceilDiv(s, RUNBOOK_WAITER_DELAY.toSeconds()));
    }
    Map<String, Long> calls = new TreeMap<>();
    calls.put("Ecs.RunTask", (long) taskSeconds.size());
    calls.put("Ecs.DescribeTasks", describe);
    calls.put("CloudWatchLogs.GetLogEvents", (long) taskSeconds.size());
    return calls;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static Map<String, Long> failedCalls(PrometheusMeterRegistry registry) {
    Map<String, Long> failed = new TreeMap<>();
    for (Counter c : registry.find(AwsCallMetrics.CALLS).counters()) {
      String outcome = c.getId().getTag("outcome");
      if (!"success".equals(outcome)) {
        failed.merge(
            c.getId().getTag("service") + "." + c.getId().getTag("operation") + " " + outcome,
            (long) c.count(),
            Long::sum);
      }
    }
    return failed;
  }

  private static MemoryMXBean memory() {
    return ManagementFactory.getMemoryMXBean();
  }

  private static long heapUsedAfterGc() {
    memory().gc();
    memory().gc();
    return memory().getHeapMemoryUsage().getUsed();
  }

  // ---- printing

  /**
   * Wall time against the least the slots allow: ceil(tasks / (clusters × slots)) waves, each as
   * long as one task alone. The fastest task's status duration stands for "one task alone": it is
   * the task that waited least for the operator to see it finish.
   */
  static void printWaves(Result r, Options o, PrintStream out) {
    if (r.taskSeconds().isEmpty()) {
      return;
    }
    int slots = Math.max(1, o.clusters() * o.maxConcurrent());
    long waves = (r.tasks() + slots - 1) / slots;
    long alone = Math.max(1, percentile(r.taskSeconds(), 0));
    double wallSeconds = r.wall().toMillis() / 1000.0;
    out.printf(
        "waves                     %d × fastest task %d s = %d s; wall / that = %.2f%n",
        waves, alone, waves * alone, wallSeconds / (waves * alone));
  }

  static void print(Result r, PrintStream out) {
    int done = r.succeeded() + r.failed();
    double wallSeconds = r.wall().toMillis() / 1000.0;
    out.println();
    out.println("== result");
    out.printf(
        "tasks                     %d (succeeded %d, failed %d)%n",
        r.tasks(), r.succeeded(), r.failed());
    out.printf("wall time                 %.1f s (first create → all finished)%n", wallSeconds);
    out.printf(
        "throughput                %.2f tasks/s (%.1f tasks/min)%n",
        done / wallSeconds, done * 60 / wallSeconds);
    out.printf(
        "task duration (status)    min %d s, median %d s, max %d s, sum %d s%n",
        percentile(r.taskSeconds(), 0),
        percentile(r.taskSeconds(), 50),
        percentile(r.taskSeconds(), 100),
        r.taskSeconds().stream().mapToLong(Long::longValue).sum());
    if (!r.slotSeconds().isEmpty()) {
      out.printf(
          "slot freed → next RunTask min %d s, median %d s, p90 %d s, max %d s (%d launches that"
              + " waited for a slot; whole seconds of status times)%n",
          percentile(r.slotSeconds(), 0),
          percentile(r.slotSeconds(), 50),
          percentile(r.slotSeconds(), 90),
          percentile(r.slotSeconds(), 100),
          r.slotSeconds().size());
    }
    out.println();
    out.println("AWS calls (operator, during the run)      total   per completed task");
    r.awsCalls().forEach((op, n) -> out.printf("  %-38s %7d   %8.2f%n", op, n, (double) n / done));
    out.printf(
        "  %-38s %7d   %8.2f%n", "TOTAL", r.totalAwsCalls(), (double) r.totalAwsCalls() / done);
    if (!r.failedAwsCalls().isEmpty()) {
      out.println("  of which not successful: " + r.failedAwsCalls());
    }
    out.println("  setup (clusters becoming Ready): " + r.setupAwsCalls());
    out.println();
    out.println("AWS calls, the runbook way (estimate)     total   per completed task");
    out.println(
        "  (run-task + `aws ecs wait tasks-stopped`, DescribeTasks every 6 s, + get-log-events,"
            + " one task at a time)");
    r.runbookCalls()
        .forEach((op, n) -> out.printf("  %-38s %7d   %8.2f%n", op, n, (double) n / done));
    out.printf(
        "  %-38s %7d   %8.2f%n",
        "TOTAL", r.totalRunbookCalls(), (double) r.totalRunbookCalls() / done);
    out.printf(
        "  runbook / operator calls: %.2f; runbook wall time one by one ≈ %d s%n",
        (double) r.totalRunbookCalls() / r.totalAwsCalls(),
        r.taskSeconds().stream().mapToLong(Long::longValue).sum());
    out.println();
    long kubeTotal = r.kubeRequests().values().stream().mapToLong(Long::longValue).sum();
    out.printf(
        "Kubernetes API requests (operator, during the run): %d (%.2f per task)%n",
        kubeTotal, (double) kubeTotal / done);
    r.kubeRequests().forEach((k, n) -> out.printf("  %-38s %7d%n", k, n));
    out.println();
    out.printf(
        "heap used after GC        %.1f MiB (before the operator started: %.1f MiB, so +%.1f"
            + " MiB with it and %d OpsTasks); max heap %.0f MiB%n",
        mib(r.heapUsedBytes()),
        mib(r.heapBaselineBytes()),
        mib(r.heapUsedBytes() - r.heapBaselineBytes()),
        r.tasks(),
        mib(r.heapMaxBytes()));
  }

  private static long percentile(List<Long> values, int p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = values.stream().sorted().toList();
    int i = (int) Math.round((sorted.size() - 1) * p / 100.0);
    return sorted.get(i);
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  /** Counts the operator's Kubernetes API requests by verb and resource; watches count once. */
  static final class RequestCounter implements Interceptor {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      counts.computeIfAbsent(key(request), k -> new LongAdder()).increment();
    }

    static String key(HttpRequest request) {
      String path = request.uri().getPath();
      String query = request.uri().getQuery();
      String[] parts = path.split("/");
      String resource = parts.length > 0 ? parts[parts.length - 1] : path;
      for (int i = 0; i < parts.length - 2; i++) {
        if (parts[i].equals("namespaces")) {
          resource = parts[i + 2];
          if (parts.length > i + 4) {
            resource += "/" + parts[i + 4];
          }
          break;
        }
      }
      String verb = request.method();
      if (query != null && query.contains("watch=true")) {
        verb = "WATCH";
      } else if (verb.equals("GET")
          && parts.length > 0
          && resource.equals(parts[parts.length - 1])) {
        verb = "LIST";
      }
      return verb + " " + resource;
    }

    Map<String, Long> snapshot() {
      Map<String, Long> out = new TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }
  }
}
