package io.ttes.operator.bench;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapSpec;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.bootstrap.BootstrapStep;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.bootstrap.BootstrapSteps;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.pod.PodImage;
import io.ttes.operator.pod.RenderedChart;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's footprint as a process of its own: the image's Java command line (JVM flags and
 * the Jib classpath of {@code target/pod-image.tar}, the host's JRE as in the pod-shaped tests),
 * {@code -XX:MaxRAM} set to the chart's memory limit, the chart's environment, pointed at an
 * in-process Kubernetes API and moto. The starts:
 *
 * <ol>
 *   <li>against an empty API: time to {@code /readyz} 200, then idle RSS; then SIGTERM;
 *   <li>N custom resources are written while no operator runs (TTESClusters, and finished OpsTasks,
 *       StackUpgrades and TenantBootstraps with the status they have after use);
 *   <li>{@code --starts} starts with the N present, as a pod (re)start meets them: time to {@code
 *       /readyz} with N to list, and RSS once every cluster is Ready and the operator is quiet.
 * </ol>
 *
 * <p>The finished resources are written with no operator running because an API server drops the
 * status of a create: a resource created while the operator watches is reconciled as new (an
 * OpsTask launched, a bootstrap planned) before its status can be written, and the write then meets
 * the operator's own status (409). A bootstrap's step records are the steps {@link
 * BootstrapSteps#plan} plans for its spec, all Succeeded; with other step names the operator plans
 * the missing steps and runs them, and never settles. Each start with N checks that the operator
 * left the finished resources as they were: no OpsTask of its own, every phase still Succeeded.
 *
 * <p>RSS and thread count are the operator process's own ({@code /proc/<pid>/status}); heap after
 * GC is what {@code jcmd GC.heap_info} says after {@code jcmd GC.run}, taken after RSS. Each stop
 * is SIGTERM with the chart's grace period. Timings are printed, never asserted.
 *
 * <pre>
 * mvn -B -o package -DskipTests      # target/pod-image.tar
 * mvn -Pbench test-compile exec:java -Dbench.class=io.ttes.operator.bench.FootprintBenchmark \
 *     -Dbench.args="--resources=1000"
 * </pre>
 */
public final class FootprintBenchmark {
  static final String NS = "footprint";
  private static final Path WORK = Path.of("target/footprint");

  /** What to run. */
  public record Options(
      int resources,
      Duration settle,
      Duration timeout,
      List<String> jvmFlags,
      String label,
      int starts,
      boolean nmt) {

    static final BenchArgs.Spec ARGS =
        new BenchArgs.Spec(
            "FootprintBenchmark",
            BenchArgs.ordered(
                "resources", "custom resources created after the idle figure (1000)",
                "settle", "how long the operator must be quiet before a figure is taken (5s)",
                "timeout", "give up on a start or on convergence after (5m)",
                "jvm", "extra JVM flags after the image's, comma-separated (none)",
                "label", "a name for this run in the output (default)",
                "starts", "starts with the N resources present (2)"),
            BenchArgs.ordered(
                "nmt",
                "start with -XX:NativeMemoryTracking=summary and print committed memory per area"));

    public static Options parse(String[] args) {
      return from(BenchArgs.parse(args, ARGS));
    }

    static Options from(BenchArgs a) {
      String jvm = a.string("jvm", "");
      boolean nmt = a.flag("nmt");
      List<String> flags = new ArrayList<>(jvm.isBlank() ? List.of() : List.of(jvm.split(",")));
      if (nmt) {
        flags.add("-XX:NativeMemoryTracking=summary");
      }
      return new Options(
          a.integer("resources", 1000),
          a.duration("settle", Duration.ofSeconds(5)),
          a.duration("timeout", Duration.ofMinutes(5)),
          List.copyOf(flags),
          a.string("label", "default"),
          Math.max(1, a.integer("starts", 2)),
          nmt);
    }
  }

  /**
   * One moment of the process: resident memory, heap after a full GC, threads, and with {@code
   * --nmt} the JVM's committed memory per Native Memory Tracking category (empty otherwise).
   */
  public record Sample(
      long rssBytes, long heapAfterGcBytes, int threads, Map<String, Long> committedByArea) {}

  /**
   * One start of the operator process.
   *
   * @param toReady process start → first {@code /readyz} 200
   * @param marks process start → the first log line containing each marker
   * @param quiet the process once the operator is quiet (and, with resources, every cluster Ready)
   * @param converged the operator became quiet (and every cluster Ready) within the timeout
   * @param untouched with resources: the finished ones as written (no OpsTask of the operator's
   *     own, every phase Succeeded); without: true
   * @param stoppedCleanly exited on SIGTERM within the grace period, with the JVM's code for it
   */
  public record Start(
      Duration toReady,
      Map<String, Duration> marks,
      Sample quiet,
      boolean converged,
      Untouched untouched,
      boolean stoppedCleanly,
      int exitCode) {}

  /**
   * What the operator did to the finished resources during a start: OpsTasks it created (a finished
   * bootstrap or upgrade re-running a step) and resources whose phase is no longer Succeeded.
   */
  public record Untouched(List<String> operatorOpsTasks, List<String> notSucceeded) {
    static final Untouched NOTHING = new Untouched(List.of(), List.of());

    public boolean holds() {
      return operatorOpsTasks.isEmpty() && notSucceeded.isEmpty();
    }
  }

  /** What a run measured: the first start (empty API) and the starts with N present. */
  public record Result(
      List<String> command, long maxRamBytes, int resources, Start first, List<Start> withN) {}

  /** Log lines whose first appearance is timed: the operator's own start markers. */
  static final List<String> MARKS =
      List.of(
          "starting ttes-operator",
          "Operator SDK",
          "controller started",
          "operator started",
          "Started event processing");

  private FootprintBenchmark() {}

  // Held so the setting is not collected: the mock API logs every request at INFO otherwise.
  private static final java.util.logging.Logger MOCK_API_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    BenchArgs a = BenchArgs.parse(args, Options.ARGS);
    if (a.help()) {
      System.out.print(a.usage());
      return;
    }
    MOCK_API_LOG.setLevel(java.util.logging.Level.WARNING);
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Result r = run(Options.from(a), System.out);
    boolean clean =
        r.first().stoppedCleanly()
            && r.withN().stream().allMatch(s -> s.stoppedCleanly() && s.untouched().holds());
    System.exit(clean ? 0 : 1);
  }

  public static Result run(Options o, PrintStream out) throws Exception {
    Files.createDirectories(WORK);
    try (MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      TtesFixture.uploadTemplates(moto.endpoint());
      TtesFixture.Deployment d =
          TtesFixture.deploy(moto.endpoint(), "fp-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      api.createNamespace(NS);
      api.createNamespace(RenderedChart.NAMESPACE);
      Container container = chartContainer(moto.endpoint());
      long maxRam =
          Quantity.getAmountInBytes(container.getResources().getLimits().get("memory"))
              .longValueExact();
      int port = freePort();
      List<String> command = command(PodImage.load(), maxRam, o.jvmFlags());
      Map<String, String> env = environment(container, api, moto, port);
      out.printf(
          "== footprint (%s): %d custom resources, -XX:MaxRAM=%d (the chart's memory limit)%n"
              + "   %s%n",
          o.label(), o.resources(), maxRam, String.join(" ", command));

      Start first = runOnce(api, "empty", command, env, port, o, out, false);
      Instant created = Instant.now();
      int n = createResources(api, d, o.resources());
      out.printf(
          "   created %d custom resources in %d ms (no operator running)%n",
          n, Duration.between(created, Instant.now()).toMillis());
      List<Start> withN = new ArrayList<>();
      for (int i = 1; i <= o.starts(); i++) {
        withN.add(runOnce(api, "with-n-" + i, command, env, port, o, out, true));
      }
      Result r = new Result(command, maxRam, n, first, List.copyOf(withN));
      print(r, out);
      return r;
    }
  }

  // ---- the process

  private static Start runOnce(
      KubeApi api,
      String name,
      List<String> command,
      Map<String, String> env,
      int port,
      Options o,
      PrintStream out,
      boolean resources)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Path log = WORK.resolve(o.label() + "-" + name + ".log");
    Instant started = Instant.now();
    Process p = pb.start();
    Map<String, Duration> marks = new ConcurrentHashMap<>();
    Thread pump = pump(p, log, started, marks);
    Start result;
    try {
      Duration toReady = awaitReady(p, port, started, o.timeout());
      out.printf("   [%s] pid %d ready after %d ms%n", name, p.pid(), toReady.toMillis());
      boolean converged =
          (!resources || awaitClustersReady(api, o.timeout()))
              && awaitQuiet(port, o.settle(), o.timeout());
      Sample quiet = sample(p, o.nmt());
      Untouched untouched = resources ? untouched(api) : Untouched.NOTHING;
      boolean stopped = stop(p);
      result =
          new Start(
              toReady,
              Map.copyOf(marks),
              quiet,
              converged,
              untouched,
              stopped && (p.exitValue() == 143 || p.exitValue() == 0),
              p.exitValue());
    } finally {
      p.destroyForcibly();
      pump.join(5000);
    }
    return result;
  }

  /** The finished resources as the operator left them (see {@link Untouched}). */
  static Untouched untouched(KubeApi api) {
    List<String> own = new ArrayList<>();
    List<String> notSucceeded = new ArrayList<>();
    for (OpsTask t : api.client().resources(OpsTask.class).inNamespace(NS).list().getItems()) {
      String name = t.getMetadata().getName();
      if (!name.startsWith(TASK_PREFIX)) {
        own.add(name);
      } else if (t.getStatus() == null || t.getStatus().getPhase() != OpsTaskPhase.Succeeded) {
        notSucceeded.add("OpsTask " + name);
      }
    }
    for (StackUpgrade u :
        api.client().resources(StackUpgrade.class).inNamespace(NS).list().getItems()) {
      if (u.getStatus() == null || u.getStatus().getPhase() != UpgradePhase.Succeeded) {
        notSucceeded.add("StackUpgrade " + u.getMetadata().getName());
      }
    }
    for (TenantBootstrap b :
        api.client().resources(TenantBootstrap.class).inNamespace(NS).list().getItems()) {
      if (b.getStatus() == null || b.getStatus().getPhase() != BootstrapPhase.Succeeded) {
        notSucceeded.add("TenantBootstrap " + b.getMetadata().getName());
      }
    }
    return new Untouched(List.copyOf(own), List.copyOf(notSucceeded));
  }

  /** Copies the process's output to its log file and times the start markers. */
  private static Thread pump(Process p, Path log, Instant started, Map<String, Duration> marks) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter file = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = in.readLine()) != null) {
                  file.println(line);
                  for (String mark : MARKS) {
                    if (line.contains(mark)) {
                      marks.putIfAbsent(mark, Duration.between(started, Instant.now()));
                    }
                  }
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "footprint-log");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static Duration awaitReady(Process p, int port, Instant started, Duration timeout)
      throws InterruptedException {
    Instant deadline = started.plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the operator exited with " + p.exitValue());
      }
      if (status(port, "/readyz") == 200) {
        return Duration.between(started, Instant.now());
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("/readyz not 200 within " + timeout);
  }

  /**
   * Waits until the operator's reconcile counters (JOSDK's series on /metrics) and its Kubernetes
   * watch events have not moved for {@code settle}.
   */
  private static boolean awaitQuiet(int port, Duration settle, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    double last = -1;
    Instant since = Instant.now();
    while (Instant.now().isBefore(deadline)) {
      double now = reconcileCount(port);
      if (now != last) {
        last = now;
        since = Instant.now();
      } else if (Duration.between(since, Instant.now()).compareTo(settle) >= 0) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  private static final Pattern COUNTER =
      Pattern.compile(
          "^operator_sdk_(?:events_received|reconciliations_[a-z_]+)_total\\b.* (\\S+)$");

  static double reconcileCount(int port) {
    String metrics = get(port, "/metrics");
    double sum = 0;
    for (String line : metrics.split("\n")) {
      Matcher m = COUNTER.matcher(line);
      if (m.matches()) {
        sum += Double.parseDouble(m.group(1));
      }
    }
    return sum;
  }

  /** Whether every TTESCluster is Ready (the others were created finished). */
  private static boolean awaitClustersReady(KubeApi api, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      List<TTESCluster> clusters =
          api.client().resources(TTESCluster.class).inNamespace(NS).list().getItems();
      if (clusters.stream()
          .allMatch(c -> ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()))) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  /** SIGTERM, then the chart's grace period; true when the process exited within it. */
  private static boolean stop(Process p) throws InterruptedException {
    p.destroy();
    return p.waitFor(30, TimeUnit.SECONDS);
  }

  // ---- measuring

  static Sample sample(Process p, boolean nmt) throws IOException, InterruptedException {
    Map<String, Long> status = procStatus(p.pid());
    long rss = status.getOrDefault("VmRSS", 0L) * 1024;
    int threads = status.getOrDefault("Threads", 0L).intValue();
    Map<String, Long> areas = nmt ? committed(jcmd(p.pid(), "VM.native_memory summary")) : Map.of();
    jcmd(p.pid(), "GC.run");
    long heap = heapUsed(jcmd(p.pid(), "GC.heap_info"));
    return new Sample(rss, heap, threads, areas);
  }

  private static final Pattern NMT_AREA =
      Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)\\s*$");

  /** Committed bytes per area of {@code VM.native_memory summary}, largest first. */
  static Map<String, Long> committed(String summary) {
    Map<String, Long> areas = new LinkedHashMap<>();
    summary
        .lines()
        .map(NMT_AREA::matcher)
        .filter(Matcher::matches)
        .sorted((a, b) -> Long.compare(Long.parseLong(b.group(2)), Long.parseLong(a.group(2))))
        .forEach(m -> areas.put(m.group(1), Long.parseLong(m.group(2)) * 1024));
    return areas;
  }

  /** The numeric fields of /proc/<pid>/status (kB for the Vm* ones). */
  static Map<String, Long> procStatus(long pid) throws IOException {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      int colon = line.indexOf(':');
      String digits = line.substring(colon + 1).trim().split("\\s+")[0];
      if (colon > 0 && digits.matches("\\d+")) {
        values.put(line.substring(0, colon), Long.parseLong(digits));
      }
    }
    return values;
  }

  private static final Pattern HEAP_LINE =
      Pattern.compile("^\\s*\\S.*?\\s+total (\\d+)K, used (\\d+)K.*$");

  /**
   * The used heap from {@code GC.heap_info}: the sum of the top-level "total ..K, used ..K" lines
   * (one for G1, young and old for the serial and parallel collectors; Metaspace has no total).
   */
  static long heapUsed(String heapInfo) {
    long used = 0;
    for (String line : heapInfo.split("\n")) {
      Matcher m = HEAP_LINE.matcher(line);
      if (m.matches()) {
        used += Long.parseLong(m.group(2)) * 1024;
      }
    }
    return used;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return output;
  }

  // ---- the command line and environment

  /** The chart's operator container, rendered with default values and the emulator's endpoint. */
  private static Container chartContainer(URI awsEndpoint) {
    return RenderedChart.render(Map.of("aws.endpoint", awsEndpoint.toString()))
        .deployment()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  /**
   * The image's Entrypoint and Cmd with the host's JRE for {@code java}, its {@code /app} paths
   * (also inside a {@code @argfile}) pointed at the unpacked image, and {@code -XX:MaxRAM} plus the
   * extra flags before the classpath.
   */
  static List<String> command(PodImage image, long maxRamBytes, List<String> extra)
      throws IOException {
    List<String> argv = new ArrayList<>(image.entrypoint());
    argv.addAll(image.cmd());
    String app = image.root().resolve("app").toString();
    List<String> out = new ArrayList<>();
    out.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : argv.subList(1, argv.size())) {
      if (arg.equals("-cp") || arg.equals("-classpath")) {
        out.add("-XX:MaxRAM=" + maxRamBytes);
        out.addAll(extra);
      }
      if (arg.startsWith("@/app/")) {
        Path argFile = image.root().resolve(arg.substring(2));
        Path rewritten = WORK.toAbsolutePath().resolve(argFile.getFileName());
        Files.createDirectories(rewritten.getParent());
        Files.writeString(rewritten, Files.readString(argFile).replace("/app", app));
        out.add("@" + rewritten);
      } else {
        out.add(arg.startsWith("/app") ? app + arg.substring(4) : arg);
      }
    }
    return out;
  }

  /**
   * The chart container's literal env values, the downward-API ones it names, and what a cluster
   * gives: the API server (the in-process one), AWS credentials for the emulator, the metrics port.
   */
  private static Map<String, String> environment(
      Container container, KubeApi api, MotoServer moto, int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("HOME", WORK.toAbsolutePath().toString());
    for (EnvVar e : container.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    env.put("POD_NAMESPACE", RenderedChart.NAMESPACE);
    env.put("POD_NAME", "ttes-operator-footprint");
    env.put("HOSTNAME", "ttes-operator-footprint");
    env.put("TTES_HTTP_PORT", Integer.toString(port));
    env.put("KUBERNETES_MASTER", api.url());
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
    env.put("AWS_REGION", MotoServer.REGION);
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    env.put("TTES_AWS_ENDPOINT", moto.endpoint().toString());
    return env;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static int status(int port, String path) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  static String get(int port, String path) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(5000);
      try (var in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return "";
    }
  }

  // ---- the custom resources

  /** The names of the OpsTasks this benchmark writes; the operator's own are named otherwise. */
  static final String TASK_PREFIX = "task-";

  /**
   * Creates {@code n} custom resources: one TTESCluster per 50 (at least one, all describing the
   * same stacks), a tenth StackUpgrades and a fifth TenantBootstraps that Succeeded, the rest
   * OpsTasks that Succeeded with a log tail, as they stay after use.
   */
  static int createResources(KubeApi api, TtesFixture.Deployment d, int n) {
    int clusters = Math.max(1, n / 50);
    int upgrades = n / 10;
    int bootstraps = n / 5;
    int tasks = Math.max(0, n - clusters - upgrades - bootstraps);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < clusters; i++) {
      String name = String.format("cluster-%03d", i);
      TTESCluster c = new TTESCluster();
      c.getMetadata().setName(name);
      c.getMetadata().setNamespace(NS);
      c.setSpec(d.clusterSpec());
      api.client().resource(c).create();
      names.add(name);
    }
    for (int i = 0; i < upgrades; i++) {
      String cluster = names.get(i % clusters);
      createWithStatus(api, upgrade(String.format("upgrade-%04d", i), cluster), StackUpgrade.class);
    }
    for (int i = 0; i < bootstraps; i++) {
      String cluster = names.get(i % clusters);
      createWithStatus(
          api,
          bootstrap(String.format("tenant-%04d", i), cluster, d.clusterSpec()),
          TenantBootstrap.class);
    }
    for (int i = 0; i < tasks; i++) {
      String cluster = names.get(i % clusters);
      createWithStatus(
          api, opsTask(String.format(TASK_PREFIX + "%04d", i), cluster, i), OpsTask.class);
    }
    return clusters + upgrades + bootstraps + tasks;
  }

  private static <T extends HasMetadata> void createWithStatus(
      KubeApi api, String yaml, Class<T> type) {
    T obj = api.client().getKubernetesSerialization().unmarshal(yaml, type);
    T created = api.client().resource(obj).inNamespace(NS).create();
    T withStatus = api.client().getKubernetesSerialization().unmarshal(yaml, type);
    withStatus.setMetadata(created.getMetadata());
    api.client().resource(withStatus).inNamespace(NS).updateStatus();
  }

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static final String READY =
      """
        conditions:
        - {type: Ready, status: "True", reason: Succeeded, message: finished,
           lastTransitionTime: "2026-01-01T00:10:00Z", observedGeneration: 1}
        - {type: Reconciling, status: "False", reason: Succeeded, message: finished,
           lastTransitionTime: "2026-01-01T00:10:00Z", observedGeneration: 1}
        - {type: Stalled, status: "False", reason: Succeeded, message: finished,
           lastTransitionTime: "2026-01-01T00:10:00Z", observedGeneration: 1}
      """;

  private static String opsTask(String name, String cluster, int i) {
    StringBuilder tail = new StringBuilder();
    for (int line = 0; line < 20; line++) {
      tail.append(
          String.format(
              "2026-01-01T00:0%d:%02d.000Z INFO Applied migration %04d of the is-db schema\\n",
              line / 10, line, i + line));
    }
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec: {clusterRef: {name: %s}, command: [is-db, migrate]}
        status:
          observedGeneration: 1
          phase: Succeeded
          commandLine: tti-lw-stack is-db migrate
          launchToken: ttes-%08x
          taskArn: arn:aws:ecs:eu-west-1:123456789012:task/fp-eu1-ops/%032x
          ecsCluster: fp-eu1-ops
          taskDefinition: arn:aws:ecs:eu-west-1:123456789012:task-definition/fp-eu1-ops:1
          exitCode: 0
          reason: Succeeded
          message: exit code 0
          logTail: "%s"
          startedAt: "2026-01-01T00:00:00Z"
          finishedAt: "2026-01-01T00:01:00Z"
        %s"""
        .formatted(name, cluster, i, i, tail, READY);
  }

  private static String upgrade(String name, String cluster) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          targetVersion: 3.33.1
          approval: Automatic
        status:
          observedGeneration: 1
          phase: Succeeded
          fromVersion: 3.33.1
          targetVersion: 3.33.1
          attempt: 1
        %s"""
        .formatted(name, cluster, READY);
  }

  /**
   * A finished TenantBootstrap: its step records are the steps the operator plans for its spec on
   * this cluster ({@link BootstrapSteps#plan}), each Succeeded with the OpsTask name the operator
   * gives it, so that the operator finds nothing left to do.
   */
  static String bootstrap(String name, String cluster, TTESClusterSpec clusterSpec) {
    String manifest =
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: %s}
          tenant: {id: %s, name: Footprint Tenant}
          storage: {init: true, chunkTimeInterval: 12h, retentionDays: 31}
          noc: {init: true}
          oauthClients: {cli: true, console: true, noc: true}
          admin:
            email: admin@%s.example
            passwordSecretRef: {name: admins, key: password}
        """
            .formatted(name, cluster, name, name);
    TenantBootstrapSpec spec = SERIALIZATION.unmarshal(manifest, TenantBootstrap.class).getSpec();
    StringBuilder steps = new StringBuilder();
    for (BootstrapStep step : BootstrapSteps.plan(clusterSpec, spec)) {
      String task = OwnedOpsTasks.name(step.scope() == Scope.CLUSTER ? cluster : name, step.name());
      steps.append(
          String.format(
              "    - {name: %s, phase: Succeeded, opsTask: %s, exitCode: 0, message: done,"
                  + " scope: %s, attempt: 1}%n",
              step.name(), task, step.scope().label()));
    }
    return manifest
        + """
        status:
          observedGeneration: 1
          phase: Succeeded
          steps:
        %s%s"""
            .formatted(steps, READY);
  }

  // ---- printing

  static void print(Result r, PrintStream out) {
    out.println();
    out.printf("== result (%d custom resources, MaxRAM %s)%n", r.resources(), mib(r.maxRamBytes()));
    printStart(out, "start with an empty API", r.first(), "idle");
    for (int i = 0; i < r.withN().size(); i++) {
      printStart(
          out,
          "start " + (i + 1) + " with " + r.resources() + " present",
          r.withN().get(i),
          "with " + r.resources());
    }
  }

  private static void printStart(PrintStream out, String title, Start s, String sampleName) {
    out.printf("%s%n", title);
    out.printf("  start → /readyz 200        %6d ms%n", s.toReady().toMillis());
    for (String mark : MARKS) {
      Duration d = s.marks().get(mark);
      out.printf(
          "    log \"%s\"%s %6s ms%n",
          mark, " ".repeat(Math.max(0, 22 - mark.length())), d == null ? "-" : d.toMillis());
    }
    printSample(out, sampleName, s.quiet());
    out.printf(
        "  converged %s, stopped on SIGTERM %s (exit %d)%n",
        s.converged(), s.stoppedCleanly() ? "cleanly" : "NOT cleanly", s.exitCode());
    if (!s.untouched().holds()) {
      out.printf(
          "  finished resources NOT left alone: OpsTasks the operator created %s; not Succeeded"
              + " any more %s%n",
          s.untouched().operatorOpsTasks(), s.untouched().notSucceeded());
    }
  }

  private static void printSample(PrintStream out, String name, Sample s) {
    out.printf(
        "  %-10s RSS %s   heap after GC %s   threads %d%n",
        name, mib(s.rssBytes()), mib(s.heapAfterGcBytes()), s.threads());
    s.committedByArea()
        .forEach((area, bytes) -> out.printf("      committed %-24s %s%n", area, mib(bytes)));
  }

  private static String mib(long bytes) {
    return String.format("%6.1f MiB", bytes / 1048576.0);
  }
}
