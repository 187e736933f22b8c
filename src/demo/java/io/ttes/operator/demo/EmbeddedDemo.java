package io.ttes.operator.demo;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.Kubectl;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The operator's main job on an embedded default: the real operator against an in-process
 * Kubernetes API and the AWS emulator seeded with a small TTES deployment (prod-eu1, version
 * 3.33.1, five stacks). Applies {@code deploy/examples/} and prints each resource's state when it
 * changes, until they converge; nothing else unless {@code --verbose} (operator logs and the
 * in-process API's request log).
 *
 * <p>{@code mvn -Pdemo test-compile exec:java [-Dexec.args="--exit-when-converged --verbose"]}
 */
public final class EmbeddedDemo {
  public static final String NAMESPACE = "default";
  private static final List<Class<? extends HasMetadata>> KINDS =
      List.of(TTESCluster.class, OpsTask.class, TenantBootstrap.class, StackUpgrade.class);

  /** What a run ended with. */
  public record Result(
      boolean converged, Map<String, String> finalStates, Map<String, Long> awsCalls) {}

  public static void main(String[] args) throws Exception {
    boolean exit = List.of(args).contains("--exit-when-converged");
    boolean verbose = List.of(args).contains("--verbose");
    Result result =
        run(System.out, Path.of("deploy/examples"), Duration.ofMinutes(5), exit, verbose);
    if (exit) {
      System.exit(result.converged() ? 0 : 1);
    }
  }

  /**
   * Runs the demo. With {@code exitWhenConverged} it returns once every example resource is Ready
   * (or the timeout passes); otherwise it keeps serving until the process is stopped.
   */
  public static Result run(
      PrintStream out, Path examples, Duration timeout, boolean exitWhenConverged, boolean verbose)
      throws Exception {
    out.println(
        "== starting the AWS emulator (moto_server) and seeding TTES deployment prod-eu1 3.33.1");
    try (DemoLogs logs = new DemoLogs(verbose);
        MotoServer moto = MotoServer.start();
        KubeApi api = KubeApi.start()) {
      TtesFixture.uploadTemplates(moto.endpoint());
      // The default template URL pattern points at the thethingsindustries bucket: serve the
      // fixture templates from a bucket of that name in the emulator's S3.
      TtesFixture.uploadTemplates(moto.endpoint(), "thethingsindustries");
      TtesFixture.Deployment d =
          TtesFixture.deploy(moto.endpoint(), "prod-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      out.println("   stacks: " + String.join(", ", d.stacks().values()));
      Path kubeconfig = writeKubeconfig(api.url());
      out.println(
          "== in-process Kubernetes API at " + api.url() + " (kubeconfig: " + kubeconfig + ")");
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), registry);
      OperatorConfig config =
          OperatorConfig.defaults()
              .withAwsEndpoint(moto.endpoint())
              .withHttpPort(0)
              .withPolling(Duration.ofSeconds(1), Duration.ofSeconds(30));
      try (TtesOperator operator =
          TtesOperator.start(
              new TtesOperator.Dependencies(
                  config, api.client(), aws, registry, Clock.systemUTC()))) {
        out.println(
            "== operator started; metrics on http://127.0.0.1:" + operator.httpPort() + "/metrics");
        apply(api.client(), examples, out);
        Set<String> controlled = controlledKinds(operator);
        out.println(
            "== try: kubectl --kubeconfig "
                + kubeconfig
                + " get ttes   (also describe, explain, wait, apply)");
        Instant deadline = Instant.now().plus(timeout);
        Map<String, String> last = new TreeMap<>();
        Map<String, String> states = Map.of();
        boolean converged = false;
        while (Instant.now().isBefore(deadline)) {
          states = states(api.client(), controlled);
          changes(last, states).forEach(out::println);
          last = new TreeMap<>(states);
          converged =
              !states.isEmpty() && states.values().stream().allMatch(s -> s.startsWith("Ready"));
          if (converged
              || states.values().stream()
                  .anyMatch(s -> s.startsWith("Failed") || s.startsWith("Stalled"))) {
            break;
          }
          Thread.sleep(500);
        }
        Map<String, Long> calls = new TreeMap<>(aws.metrics().callsByOperation());
        out.println(
            converged ? "== converged: every example resource is Ready" : "== NOT converged");
        out.println("== AWS calls by operation: " + calls);
        if (!exitWhenConverged) {
          out.println("== still serving; stop with Ctrl-C");
          Thread.currentThread().join();
        }
        return new Result(converged, states, calls);
      }
    }
  }

  /** Kinds whose controller is registered (a kind without one would never converge). */
  private static Set<String> controlledKinds(TtesOperator operator) {
    Set<String> names = new java.util.HashSet<>();
    operator
        .operator()
        .getRegisteredControllers()
        .forEach(c -> names.add(c.getConfiguration().getResourceClass().getSimpleName()));
    return names;
  }

  private static void apply(KubernetesClient client, Path dir, PrintStream out) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      for (HasMetadata item : client.load(Files.newInputStream(file)).items()) {
        HasMetadata typed = typed(client, item);
        client.resource(typed).inNamespace(NAMESPACE).createOr(r -> r.update());
        out.println(
            "   applied "
                + typed.getKind()
                + "/"
                + typed.getMetadata().getName()
                + " from "
                + file.getFileName());
      }
    }
  }

  private static HasMetadata typed(KubernetesClient client, HasMetadata item) {
    if (item instanceof GenericKubernetesResource g) {
      for (Class<? extends HasMetadata> kind : KINDS) {
        if (kind.getSimpleName().equals(g.getKind())) {
          return client.getKubernetesSerialization().convertValue(g, kind);
        }
      }
    }
    return item;
  }

  private static Map<String, String> states(KubernetesClient client, Set<String> controlled) {
    Map<String, String> states = new TreeMap<>();
    for (Class<? extends HasMetadata> kind : KINDS) {
      if (!controlled.contains(kind.getSimpleName())) {
        continue;
      }
      for (HasMetadata r : client.resources(kind).inNamespace(NAMESPACE).list().getItems()) {
        states.put(kind.getSimpleName() + "/" + r.getMetadata().getName(), state(r));
      }
    }
    return states;
  }

  @SuppressWarnings("unchecked")
  private static String state(HasMetadata r) {
    KindStatus status =
        (KindStatus) ((io.fabric8.kubernetes.client.CustomResource<?, ?>) r).getStatus();
    if (status == null) {
      return "Pending";
    }
    String phase = phase(r);
    for (String type : List.of("Stalled", "Ready", "Reconciling")) {
      var c = ConditionWriter.find(status, type);
      if (c != null && "True".equals(c.getStatus())) {
        return type
            + " "
            + (phase == null ? "" : phase + " ")
            + c.getReason()
            + ": "
            + c.getMessage();
      }
    }
    var ready = ConditionWriter.find(status, "Ready");
    return (phase != null && phase.equals("Failed") ? "Failed " : "NotReady ")
        + (ready == null ? "" : ready.getReason() + ": " + ready.getMessage());
  }

  private static String phase(HasMetadata r) {
    if (r instanceof OpsTask t && t.getStatus().getPhase() != null) {
      return t.getStatus().getPhase().name();
    }
    if (r instanceof TenantBootstrap t && t.getStatus().getPhase() != null) {
      return t.getStatus().getPhase().name();
    }
    if (r instanceof StackUpgrade u && u.getStatus().getPhase() != null) {
      return u.getStatus().getPhase().name();
    }
    if (r instanceof TTESCluster c) {
      return c.getStatus().getVersion();
    }
    return null;
  }

  /** One line per resource whose state changed since the last look: time, resource, state. */
  static List<String> changes(Map<String, String> before, Map<String, String> now) {
    String time = Instant.now().toString().substring(11, 19);
    List<String> lines = new ArrayList<>();
    now.forEach(
        (k, v) -> {
          if (!v.equals(before.get(k))) {
            String state = v.length() > 110 ? v.substring(0, 107) + "..." : v;
            lines.add(String.format("%s %-36s %s", time, k, state));
          }
        });
    return lines;
  }

  private static Path writeKubeconfig(String url) throws IOException {
    Path dir = Path.of("target", "demo");
    Files.createDirectories(dir);
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, Kubectl.kubeconfig(url, NAMESPACE));
    return file;
  }
}
