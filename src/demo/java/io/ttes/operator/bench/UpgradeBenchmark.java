package io.ttes.operator.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs one StackUpgrade 3.33.1 → 3.33.2 through the real operator against the AWS emulator and
 * prints what it cost: wall time to converge and AWS calls by operation, next to what the runbook's
 * CLI way costs for the same upgrade, stack by stack: {@code create-change-set}, {@code wait
 * change-set-create-complete}, {@code describe-change-set}, and for a stack with changes {@code
 * execute-change-set} + {@code wait stack-update-complete} (both waiters read every 30 s), plus the
 * migrations as {@code run-task} + {@code wait tasks-stopped} (every 6 s) + {@code get-log-events}.
 *
 * <p>{@code mvn -Pbench test-compile exec:java
 * -Dbench.class=io.ttes.operator.bench.UpgradeBenchmark -Dbench.args="--stacks=26"} (also {@code
 * --fast-poll=5s}, {@code --ecs-state-seconds=2} (0: one ECS task state per DescribeTasks read),
 * {@code --timeout=10m}, {@code --verbose}).
 */
public final class UpgradeBenchmark {
  static final String NAMESPACE = "bench";
  static final String FROM = "3.33.1";
  static final String TO = "3.33.2";

  /** The CLI's CloudFormation waiters read every 30 s. */
  static final Duration RUNBOOK_CFN_WAITER_DELAY = Duration.ofSeconds(30);

  private static final Duration CLUSTER_WAIT = Duration.ofSeconds(15);

  /**
   * What to run.
   *
   * @param stacks 5 (the main templates) or 26 (every ECS template)
   * @param fastPoll the operator's poll interval while a step runs (its default is 5 s)
   * @param ecsStateSeconds moto moves a migration's ECS task one state after this many seconds; 0
   *     moves it one state per DescribeTasks read
   */
  public record Options(int stacks, Duration fastPoll, int ecsStateSeconds, Duration timeout) {
    public static Options defaults() {
      return new Options(5, OperatorConfig.defaults().fastPoll(), 2, Duration.ofMinutes(10));
    }

    static final BenchArgs.Spec ARGS =
        new BenchArgs.Spec(
            "UpgradeBenchmark",
            BenchArgs.ordered(
                "stacks", "5 (the main templates) or 26 (every ECS template) (5)",
                "fast-poll", "the operator's poll interval while a step runs (5s)",
                "ecs-state-seconds",
                    "moto moves a migration's ECS task one state per this many seconds;"
                        + " 0: one state per DescribeTasks read (2)",
                "timeout", "give up after (10m)"),
            BenchArgs.ordered("verbose", "keep the operator's and the mock API's INFO logs"));

    /** {@code --stacks=5|26 --fast-poll=5s --ecs-state-seconds=2 --timeout=10m}. */
    public static Options parse(String[] args) {
      return from(BenchArgs.parse(args, ARGS));
    }

    static Options from(BenchArgs a) {
      Options d = defaults();
      Options o =
          new Options(
              a.integer("stacks", d.stacks),
              a.duration("fast-poll", d.fastPoll),
              a.integer("ecs-state-seconds", d.ecsStateSeconds),
              a.duration("timeout", d.timeout));
      if (o.stacks != 5 && o.stacks != 26) {
        throw new IllegalArgumentException("--stacks is 5 or 26, got " + o.stacks);
      }
      return o;
    }

    public Options withStacks(int n) {
      return new Options(n, fastPoll, ecsStateSeconds, timeout);
    }

    public Options withFastPoll(Duration d) {
      return new Options(stacks, d, ecsStateSeconds, timeout);
    }

    public Options withEcsStateSeconds(int s) {
      return new Options(stacks, fastPoll, s, timeout);
    }
  }

  /**
   * What a run measured.
   *
   * @param wall StackUpgrade created → seen Succeeded
   * @param clusterWall StackUpgrade created → TTESCluster seen reporting the target version; null
   *     when not seen within 15 s of Succeeded
   * @param awsCalls the operator's calls from the create until then, by operation
   * @param stackSeconds per stack step that executed a change set, startedAt → finishedAt
   * @param migrationSeconds per migration step, startedAt → finishedAt
   */
  public record Result(
      int stacks,
      UpgradePhase phase,
      Duration wall,
      Duration clusterWall,
      Map<String, Long> awsCalls,
      List<Long> stackSeconds,
      List<Long> migrationSeconds,
      Map<String, Long> runbookCalls,
      long runbookMinimumSeconds) {

    public long totalAwsCalls() {
      return awsCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalRunbookCalls() {
      return runbookCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public long awsCalls(String operation) {
      return awsCalls.getOrDefault(operation, 0L);
    }

    public int changedStacks() {
      return stackSeconds.size();
    }
  }

  private UpgradeBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchArgs a = BenchSupport.argsOrUsage(args, Options.ARGS);
    if (a == null) {
      return;
    }
    if (!a.flag("verbose")) {
      BenchSupport.quietLogs();
    }
    Result result = run(Options.from(a), System.out);
    if (result.phase() != UpgradePhase.Succeeded) {
      throw new IllegalStateException("the upgrade ended " + result.phase());
    }
  }

  public static Result run(Options options, PrintStream out) throws Exception {
    out.printf(
        "== StackUpgrade benchmark: %d stacks, %s → %s, operator fast poll %s, moto ECS task state"
            + " %s%n",
        options.stacks(),
        FROM,
        TO,
        options.fastPoll(),
        options.ecsStateSeconds() == 0
            ? "per DescribeTasks read"
            : "every " + options.ecsStateSeconds() + " s");
    Instant setupStart = Instant.now();
    try (MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      if (options.ecsStateSeconds() > 0) {
        moto.ecsTasksAdvanceEvery(options.ecsStateSeconds());
      }
      TtesFixture.Deployment d =
          options.stacks() == 26
              ? TtesFixture.deploy20(moto.endpoint(), "bench-eu1", FROM)
              : TtesFixture.deploy(moto.endpoint(), "bench-eu1", FROM, TtesFixture.FIVE_TEMPLATES);
      out.printf(
          "   %d stacks seeded in moto at %s after %d ms%n",
          d.stacks().size(), FROM, BenchSupport.millisSince(setupStart));
      api.createNamespace(NAMESPACE);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), registry);
      OperatorConfig config =
          OperatorConfig.defaults()
              .withAwsEndpoint(moto.endpoint())
              .withHttpPort(0)
              .withPolling(options.fastPoll(), OperatorConfig.defaults().slowPoll());
      KubernetesClient client = api.client();
      try (TtesOperator operator =
          TtesOperator.start(
              new TtesOperator.Dependencies(config, client, aws, registry, Clock.systemUTC()))) {
        TTESCluster cluster = new TTESCluster();
        cluster.setMetadata(
            new ObjectMetaBuilder().withName(d.prefix()).withNamespace(NAMESPACE).build());
        cluster.setSpec(d.clusterSpec());
        client.resource(cluster).create();
        awaitClusterVersion(client, d.prefix(), FROM, Instant.now().plus(Duration.ofMinutes(2)));
        out.printf(
            "   TTESCluster Ready at %s after %d ms%n", FROM, BenchSupport.millisSince(setupStart));
        // The window opens on a cluster as one that has run for a while: observed twice, holding
        // its drift baseline (the declared NoEcho keys of every stack, read once per template).
        awaitBaseline(client, d.prefix(), d.stacks().size(), Instant.now().plus(CLUSTER_WAIT));
        Map<String, Long> before = aws.metrics().callsByOperation();
        out.printf(
            "   drift baseline of %d stacks recorded after %d ms; the cluster's AWS calls until"
                + " then, not counted below: %s%n",
            d.stacks().size(), BenchSupport.millisSince(setupStart), new TreeMap<>(before));

        Instant start = Instant.now();
        String name = d.prefix() + "-to-" + TO;
        client.resource(upgrade(name, d.prefix())).create();
        StackUpgrade done = awaitFinished(client, name, start.plus(options.timeout()), out, start);
        Duration wall = Duration.between(start, Instant.now());
        // The cluster re-reads its stacks on its own schedule (slowPoll, 5 min by default); waiting
        // for that would measure the setting, so the wait is capped.
        Duration clusterWall = null;
        if (done.getStatus().getPhase() == UpgradePhase.Succeeded) {
          try {
            awaitClusterVersion(client, d.prefix(), TO, Instant.now().plus(CLUSTER_WAIT));
            clusterWall = Duration.between(start, Instant.now());
          } catch (IllegalStateException e) {
            out.printf("   TTESCluster not yet at %s %s after Succeeded%n", TO, CLUSTER_WAIT);
          }
        }
        Map<String, Long> calls = BenchSupport.minus(aws.metrics().callsByOperation(), before);

        List<Long> stackSeconds = new ArrayList<>();
        List<Long> migrationSeconds = new ArrayList<>();
        for (Step s : done.getStatus().getSteps()) {
          if (s.getStartedAt() == null || s.getFinishedAt() == null) {
            continue; // a stack without changes: Skipped, nothing executed
          }
          long seconds =
              Duration.between(Instant.parse(s.getStartedAt()), Instant.parse(s.getFinishedAt()))
                  .toSeconds();
          if (s.getOpsTask() != null) {
            migrationSeconds.add(seconds);
          } else if (s.getChangeSetId() != null) {
            stackSeconds.add(seconds);
          }
        }
        Map<String, Long> runbook = runbookCalls(d.stacks().size(), stackSeconds, migrationSeconds);
        long runbookSeconds =
            runbookMinimumSeconds(d.stacks().size(), stackSeconds, migrationSeconds);
        Result result =
            new Result(
                d.stacks().size(),
                done.getStatus().getPhase(),
                wall,
                clusterWall,
                calls,
                stackSeconds,
                migrationSeconds,
                runbook,
                runbookSeconds);
        print(result, done, out);
        return result;
      } finally {
        aws.close();
      }
    }
  }

  private static StackUpgrade upgrade(String name, String cluster) {
    StackUpgrade u = new StackUpgrade();
    u.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    StackUpgradeSpec spec = new StackUpgradeSpec();
    ClusterRef ref = new ClusterRef();
    ref.setName(cluster);
    spec.setClusterRef(ref);
    spec.setTargetVersion(TO);
    u.setSpec(spec);
    return u;
  }

  private static void awaitClusterVersion(
      KubernetesClient client, String name, String version, Instant deadline)
      throws InterruptedException {
    while (true) {
      TTESCluster c =
          client.resources(TTESCluster.class).inNamespace(NAMESPACE).withName(name).get();
      if (c != null
          && ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration())
          && version.equals(c.getStatus().getVersion())) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "TTESCluster "
                + name
                + " not Ready at "
                + version
                + ": "
                + (c == null ? null : c.getStatus()));
      }
      Thread.sleep(100);
    }
  }

  private static void awaitBaseline(
      KubernetesClient client, String name, int stacks, Instant deadline)
      throws InterruptedException {
    while (true) {
      TTESCluster c =
          client.resources(TTESCluster.class).inNamespace(NAMESPACE).withName(name).get();
      if (c != null && c.getStatus() != null && c.getStatus().getApplied().size() >= stacks) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("TTESCluster " + name + " holds no drift baseline");
      }
      Thread.sleep(100);
    }
  }

  private static StackUpgrade awaitFinished(
      KubernetesClient client, String name, Instant deadline, PrintStream out, Instant start)
      throws InterruptedException {
    String last = "";
    while (true) {
      StackUpgrade u =
          client.resources(StackUpgrade.class).inNamespace(NAMESPACE).withName(name).get();
      UpgradePhase phase = u == null || u.getStatus() == null ? null : u.getStatus().getPhase();
      String now = String.valueOf(phase);
      if (!now.equals(last)) {
        out.printf(
            "   +%5.1fs %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, now);
        last = now;
      }
      if (phase != null && phase.isFinished()) {
        return u;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the upgrade did not finish in time: " + u.getStatus());
      }
      Thread.sleep(100);
    }
  }

  /**
   * The runbook's calls: per stack create-change-set, the create waiter (DescribeChangeSet, at
   * least one read) and a describe-change-set to review it; per stack with changes
   * execute-change-set and the update waiter, reading DescribeStacks max(1, ceil(duration / 30 s))
   * times for the step's measured duration; per migration what {@link OpsTaskBenchmark} counts.
   */
  static Map<String, Long> runbookCalls(
      int stacks, List<Long> stackSeconds, List<Long> migrationSeconds) {
    Map<String, Long> calls = new TreeMap<>();
    // The create waiter's reads: moto (and usually AWS) has the change set ready at the first.
    calls.put("CloudFormation.CreateChangeSet", (long) stacks);
    calls.put("CloudFormation.DescribeChangeSet", 2L * stacks);
    calls.put("CloudFormation.ExecuteChangeSet", (long) stackSeconds.size());
    calls.put(
        "CloudFormation.DescribeStacks",
        stackSeconds.stream().mapToLong(s -> waits(s, RUNBOOK_CFN_WAITER_DELAY)).sum());
    OpsTaskBenchmark.runbookCalls(migrationSeconds).forEach((k, v) -> calls.merge(k, v, Long::sum));
    return calls;
  }

  /**
   * The runbook's wall time at the least, one step after another: every waiter returns only on a
   * poll, so each wait counts max(1, ceil(duration / delay)) delays.
   */
  static long runbookMinimumSeconds(
      int stacks, List<Long> stackSeconds, List<Long> migrationSeconds) {
    long cfn = RUNBOOK_CFN_WAITER_DELAY.toSeconds();
    long seconds = stacks * cfn;
    for (long s : stackSeconds) {
      seconds += waits(s, RUNBOOK_CFN_WAITER_DELAY) * cfn;
    }
    long ecs = OpsTaskBenchmark.RUNBOOK_WAITER_DELAY.toSeconds();
    for (long s : migrationSeconds) {
      seconds += waits(s, OpsTaskBenchmark.RUNBOOK_WAITER_DELAY) * ecs;
    }
    return seconds;
  }

  private static long waits(long seconds, Duration delay) {
    return Math.max(1, -Math.floorDiv(-seconds, delay.toSeconds()));
  }

  static void print(Result r, StackUpgrade done, PrintStream out) {
    out.println();
    out.println("== result");
    out.printf("stacks                    %d (%d with changes)%n", r.stacks(), r.changedStacks());
    out.printf("phase                     %s%n", r.phase());
    out.printf(
        "wall time                 %.1f s (StackUpgrade created → Succeeded)%n",
        r.wall().toMillis() / 1000.0);
    out.printf(
        "                          %s (→ TTESCluster reports %s)%n",
        r.clusterWall() == null
            ? "not within " + CLUSTER_WAIT.toSeconds() + " s of Succeeded"
            : String.format("%.1f s", r.clusterWall().toMillis() / 1000.0),
        TO);
    out.printf("stack steps (s)           %s%n", r.stackSeconds());
    out.printf("migration steps (s)       %s%n", r.migrationSeconds());
    out.println();
    out.println("AWS calls                                operator   runbook way (estimate)");
    TreeMap<String, Long> all = new TreeMap<>(r.awsCalls());
    r.runbookCalls().keySet().forEach(k -> all.putIfAbsent(k, 0L));
    all.keySet()
        .forEach(
            k ->
                out.printf(
                    "  %-38s %8d   %8d%n",
                    k, r.awsCalls().getOrDefault(k, 0L), r.runbookCalls().getOrDefault(k, 0L)));
    out.printf("  %-38s %8d   %8d%n", "total", r.totalAwsCalls(), r.totalRunbookCalls());
    long cfnOperator = cloudFormation(r.awsCalls());
    long cfnRunbook = cloudFormation(r.runbookCalls());
    out.printf("  %-38s %8d   %8d%n", "of which CloudFormation", cfnOperator, cfnRunbook);
    out.printf(
        "  runbook / operator calls: %.2f (CloudFormation only: %.2f)%n",
        ratio(r.totalRunbookCalls(), r.totalAwsCalls()), ratio(cfnRunbook, cfnOperator));
    out.printf(
        "  runbook minimum wall time ≈ %d s; runbook / operator wall time: %.1f%n",
        r.runbookMinimumSeconds(), r.runbookMinimumSeconds() / (r.wall().toMillis() / 1000.0));
    out.printf("  plan hash %s%n", done.getStatus().getPlan().getHash());
  }

  private static long cloudFormation(Map<String, Long> calls) {
    return calls.entrySet().stream()
        .filter(e -> e.getKey().startsWith("CloudFormation."))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static double ratio(long a, long b) {
    return b == 0 ? Double.NaN : (double) a / b;
  }
}
