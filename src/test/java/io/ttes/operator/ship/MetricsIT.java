package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeStacks;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.LoopbackProxy;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Scrapes {@code /metrics} over HTTP after real runs: ops tasks that succeed and fail and a cluster
 * on in-memory AWS, then a cluster on the SDK factory against the AWS emulator, its first AWS call
 * throttled. The series the README, the issue and the Grafana dashboard name must be there, with
 * labels of bounded values only.
 */
class MetricsIT {
  private static final String SECRET = "hunter2-metrics-marker-3c9d";
  private static final List<String> SECRET_MARKERS =
      List.of(SECRET, "console-secret-marker-7f3a", "noc-secret-marker-91bc", "hunter2");

  /**
   * What a label value may look like: words, numbers (histogram bounds), Java class names (the
   * exception label). Nothing with ':' or '/', so no ARN, URL or namespace/name pair; no uid.
   */
  private static final Pattern BOUNDED_VALUE = Pattern.compile("[A-Za-z0-9_.+\\-]{0,64}");

  /**
   * Micrometer's JVM binders label with the JVM's own names (memory pools, GC causes such as "G1
   * Evacuation Pause", buffer pools such as "mapped - 'non-volatile memory'"): a set fixed by the
   * JVM, with spaces, quotes and parentheses ("System.gc()") but still no ':' or '/'.
   */
  private static final Pattern JVM_VALUE = Pattern.compile("[A-Za-z0-9_.+\\-' ()]{0,64}");

  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:\\\\.|[^\"\\\\])*)\"");

  private static MotoServer moto;
  private static String fakeScrape;
  private static String sdkScrape;

  @BeforeAll
  static void run() throws Exception {
    fakeScrape = runOnFakeAws();
    moto = MotoServer.start();
    sdkScrape = runOnTheSdkAgainstMoto();
  }

  @AfterAll
  static void stop() {
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void opsTasksByResultAndTheirDurationHistogram() {
    Map<String, List<Map<String, String>>> series = parse(fakeScrape);
    assertThat(series.get("ttes_opstasks_total"))
        .extracting(labels -> labels.get("result"))
        .containsExactlyInAnyOrder("Succeeded", "Failed");
    assertThat(series)
        .containsKeys(
            "ttes_opstask_duration_seconds_bucket",
            "ttes_opstask_duration_seconds_sum",
            "ttes_opstask_duration_seconds_count");
    assertThat(series.get("ttes_opstask_duration_seconds_bucket"))
        .anyMatch(l -> "+Inf".equals(l.get("le")) && "Succeeded".equals(l.get("result")))
        .anyMatch(l -> "Failed".equals(l.get("result")));
    assertThat(value(fakeScrape, "ttes_opstasks_total", "result", "Failed")).isEqualTo(1.0);
    assertThat(value(fakeScrape, "ttes_opstasks_total", "result", "Succeeded")).isEqualTo(1.0);
  }

  @Test
  void josdkReconcileMetricsPerController() {
    Map<String, List<Map<String, String>>> series = parse(fakeScrape);
    assertThat(series)
        .containsKeys(
            "operator_sdk_reconciliations_started_total",
            "operator_sdk_reconciliations_success_total",
            "operator_sdk_events_received_total",
            "operator_sdk_controllers_execution_reconcile_seconds_count");
    assertThat(series.get("operator_sdk_reconciliations_failed_total"))
        .extracting(l -> String.valueOf(l.get("exception")))
        .anyMatch(e -> e.endsWith("AwsException"));
    assertThat(series.get("operator_sdk_controllers_execution_reconcile_failure_total"))
        .extracting(l -> l.get("controller"))
        .contains("ttescluster");
    assertThat(series.get("operator_sdk_controllers_execution_reconcile_success_total"))
        .extracting(l -> l.get("controller"))
        .contains("opstask");
  }

  @Test
  void awsCallsByServiceOperationOutcomeAndThrottlingRetries() {
    Map<String, List<Map<String, String>>> series = parse(sdkScrape);
    assertThat(series.get("ttes_aws_calls_total"))
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l).containsKeys("service", "operation", "outcome"))
        .anyMatch(
            l ->
                l.get("service").equals("CloudFormation")
                    && l.get("operation").equals("DescribeStacks")
                    && l.get("outcome").equals("success"))
        .anyMatch(
            l ->
                l.get("service").equals("Ecs")
                    && l.get("operation").equals("DescribeTaskDefinition")
                    && l.get("outcome").equals("success"));
    assertThat(series.get("ttes_aws_retries_total"))
        .anyMatch(
            l ->
                l.get("service").equals("CloudFormation")
                    && l.get("operation").equals("DescribeStacks"));
    assertThat(value(sdkScrape, "ttes_aws_retries_total", "operation", "DescribeStacks"))
        .isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void noLabelValueIsASecretOrUnbounded() {
    for (String scrape : List.of(fakeScrape, sdkScrape)) {
      assertThat(scrape).doesNotContain(SECRET_MARKERS.toArray(String[]::new));
      parse(scrape)
          .forEach(
              (name, samples) ->
                  samples.forEach(
                      labels ->
                          labels.forEach(
                              (label, value) -> {
                                assertThat(value)
                                    .as("%s{%s} is bounded", name, label)
                                    .matches(name.startsWith("jvm_") ? JVM_VALUE : BOUNDED_VALUE)
                                    .doesNotContainPattern(UUID.pattern())
                                    .doesNotContain("arn")
                                    .doesNotContain("migrate", "broken", "prod-eu1");
                              })));
    }
  }

  @Test
  void everySeriesTheDashboardQueriesIsExported() throws IOException {
    Set<String> exported = new TreeSet<>(parse(fakeScrape).keySet());
    exported.addAll(parse(sdkScrape).keySet());
    JsonNode dashboard = new ObjectMapper().readTree(GrafanaDashboardTest.DASHBOARD.toFile());
    List<String> expressions = new ArrayList<>();
    collectExpressions(dashboard, expressions);
    assertThat(expressions).isNotEmpty();
    Set<String> queried = new TreeSet<>();
    for (String expr : expressions) {
      queried.addAll(GrafanaDashboardTest.metricNames(expr));
    }
    assertThat(exported).as("series in the scrape").containsAll(queried);
  }

  @Test
  void jvmProcessBuildAndLeaderSeries() {
    Map<String, List<Map<String, String>>> series = parse(fakeScrape);
    assertThat(series)
        .containsKeys(
            "jvm_memory_used_bytes",
            "jvm_memory_max_bytes",
            "jvm_gc_memory_allocated_bytes_total",
            "jvm_threads_live_threads",
            "jvm_threads_states_threads",
            "jvm_classes_loaded_classes",
            "process_cpu_usage",
            "process_uptime_seconds",
            "process_start_time_seconds",
            "process_files_open_files",
            "system_cpu_count");
    assertThat(series.get("jvm_memory_used_bytes")).anyMatch(l -> "heap".equals(l.get("area")));
    assertThat(series.get("ttes_build_info"))
        .singleElement()
        .satisfies(l -> assertThat(l.get("version")).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"));
    assertThat(sample(fakeScrape, "ttes_build_info")).isEqualTo(1.0);
    assertThat(sample(fakeScrape, "ttes_leader"))
        .as("leader election is off in the test operator, so it reconciles")
        .isEqualTo(1.0);
  }

  @Test
  void stalledResourcesByKind() {
    assertThat(parse(fakeScrape).get("ttes_resources_stalled"))
        .extracting(l -> l.get("kind"))
        .containsExactlyInAnyOrder("TTESCluster", "OpsTask", "TenantBootstrap", "StackUpgrade");
    assertThat(value(fakeScrape, "ttes_resources_stalled", "kind", "OpsTask")).isEqualTo(1.0);
    assertThat(value(fakeScrape, "ttes_resources_stalled", "kind", "TTESCluster")).isZero();
    assertThat(value(fakeScrape, "ttes_resources_stalled_oldest_seconds", "kind", "OpsTask"))
        .isBetween(0.0, 120.0);
    assertThat(value(fakeScrape, "ttes_resources_stalled_oldest_seconds", "kind", "TTESCluster"))
        .isZero();
  }

  @Test
  void everySeriesTheAlertRulesQueryIsExported() {
    Set<String> exported = new TreeSet<>(parse(fakeScrape).keySet());
    exported.addAll(parse(sdkScrape).keySet());
    Set<String> queried = new TreeSet<>();
    for (String expr :
        PrometheusRuleTest.expressions(Map.of("metrics.prometheusRule.enabled", true))) {
      queried.addAll(GrafanaDashboardTest.metricNames(expr));
    }
    queried.removeAll(PrometheusRuleTest.PROMETHEUS_SERIES);
    assertThat(queried).contains("ttes_resources_stalled_oldest_seconds", "ttes_leader");
    assertThat(exported).as("series in the scrape").containsAll(queried);
  }

  // ---- the runs

  private static String runOnFakeAws() throws Exception {
    FakeAws aws = new FakeAws();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user"))
        .exitCode(3)
        .logs("password " + SECRET + " rejected");
    // The first two stack lookups are throttled: failed reconciles, retried with backoff. (The
    // first failure writes an AwsUnavailable status, which the cluster controller sees as a new
    // event, so JOSDK counts only the second one in reconciliations_failed.)
    aws.failTimes(FakeStacks.DESCRIBE_STACKS, 2, CallLog.throttling(FakeStacks.DESCRIBE_STACKS));
    try (OperatorTestBed bed = new OperatorTestBed("metrics", aws)) {
      bed.secret("admin", Map.of("password", SECRET));
      FakeDeployment.create(
          bed.client(), "metrics", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
      bed.awaitClusterReady("prod-eu1");
      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: migrate}
          spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
          """,
          OpsTask.class);
      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: broken}
          spec:
            clusterRef: {name: prod-eu1}
            command: [is-db, create-admin-user, --password, $(P)]
            secretArgs: [{name: P, secretKeyRef: {name: admin, key: password}}]
          """,
          OpsTask.class);
      bed.await(
          OpsTask.class, "migrate", Duration.ofSeconds(30), t -> phase(t, OpsTaskPhase.Succeeded));
      bed.await(
          OpsTask.class, "broken", Duration.ofSeconds(30), t -> phase(t, OpsTaskPhase.Failed));
      // Stalled until a TTESCluster "nowhere" exists: ttes_resources_stalled{kind="OpsTask"}.
      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: orphan}
          spec: {clusterRef: {name: nowhere}, command: [is-db, migrate]}
          """,
          OpsTask.class);
      bed.await(OpsTask.class, "orphan", Duration.ofSeconds(30), MetricsIT::stalled);
      int port = bed.operator().httpPort();
      // The counters are recorded just after the status write.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> scrape(port).contains("ttes_opstasks_total{result=\"Failed\"}"));
      // jvm_gc_pause_seconds appears with the first collection Micrometer is told of; a short run
      // may not have had one yet, and the dashboard queries it.
      System.gc();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> scrape(port).contains("jvm_gc_pause_seconds_sum"));
      return saved("fake-aws", scrape(port));
    }
  }

  private static String runOnTheSdkAgainstMoto() throws Exception {
    seedMoto();
    try (ThrottlingProxy proxy = new ThrottlingProxy(moto.endpoint(), "DescribeStacks", 1);
        OperatorTestBed bed =
            OperatorTestBed.builder().namespace("metrics").sdkAws(proxy.endpoint()).start()) {
      bed.create(FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4), TTESCluster.class);
      bed.await(
          TTESCluster.class,
          "prod-eu1",
          Duration.ofSeconds(60),
          c -> c.getStatus() != null && KubeObjects.ready(c));
      assertThat(proxy.throttled()).isEqualTo(1);
      return saved("sdk-moto", scrape(bed.operator().httpPort()));
    }
  }

  /** The five stacks and the ops task definition of FakeDeployment, in the emulator. */
  private static void seedMoto() {
    try (CloudFormationClient cfn =
            CloudFormationClient.builder().endpointOverride(moto.endpoint()).build();
        EcsClient ecs = EcsClient.builder().endpointOverride(moto.endpoint()).build()) {
      String output =
          String.join(
              " ",
              FakeDeployment.FAMILY,
              FakeDeployment.ECS_CLUSTER,
              FakeDeployment.SUBNET_A,
              FakeDeployment.SUBNET_B,
              FakeDeployment.SECURITY_GROUP);
      for (String template : FakeDeployment.TEMPLATES) {
        String body =
            """
            {"AWSTemplateFormatVersion": "2010-09-09",
             "Parameters": {"Image": {"Type": "String",
                            "Default": "docker.io/thethingsindustries/lorawan-stack:3.33.1-aws"}},
             "Resources": {"Queue": {"Type": "AWS::SQS::Queue",
                           "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}}},
             "Outputs": {"OpsRunTaskArguments": {"Value": "%s"}}}
            """
                .formatted(output);
        cfn.createStack(b -> b.stackName("prod-eu1-" + template).templateBody(body));
      }
      ecs.registerTaskDefinition(
          b ->
              b.family(FakeDeployment.FAMILY)
                  .containerDefinitions(c -> c.name("ttes").image("lorawan-stack").memory(512)));
    }
  }

  /** Keeps the scrape in target/ for people reading a failure. */
  private static String saved(String name, String scrape) throws IOException {
    Path dir = Path.of("target", "metrics");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".txt"), scrape);
    return scrape;
  }

  private static boolean stalled(OpsTask t) {
    return t.getStatus() != null
        && t.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Stalled") && c.getStatus().equals("True"));
  }

  private static boolean phase(OpsTask t, OpsTaskPhase phase) {
    return t.getStatus() != null && t.getStatus().getPhase() == phase;
  }

  // ---- scraping and parsing

  static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return response.body();
  }

  /** Series name → label sets of its samples. */
  static Map<String, List<Map<String, String>>> parse(String scrape) {
    Map<String, List<Map<String, String>>> out = new LinkedHashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line %s", line).isTrue();
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
    }
    return out;
  }

  /** The value of the one sample of {@code name}. */
  static double sample(String scrape, String name) {
    List<Double> values = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        values.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    assertThat(values).as("samples of %s", name).hasSize(1);
    return values.get(0);
  }

  /** Sum of the samples of {@code name} whose {@code label} is {@code labelValue}. */
  static double value(String scrape, String name, String label, String labelValue) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") && line.contains(label + "=\"" + labelValue + "\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static void collectExpressions(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("expr")) {
                  out.add(e.getValue().asText());
                } else {
                  collectExpressions(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectExpressions(n, out));
    }
  }

  /**
   * Forwards AWS calls to the emulator, answering the first {@code times} attempts of one operation
   * with AWS's throttling error, which moto cannot produce, so the SDK retries.
   */
  private static final class ThrottlingProxy implements AutoCloseable {
    private final LoopbackProxy proxy;
    private final AtomicInteger matching = new AtomicInteger();
    private final int times;

    ThrottlingProxy(URI target, String operation, int times) {
      this.times = times;
      this.proxy =
          new LoopbackProxy(
              target,
              4,
              (ex, body) -> {
                String text = new String(body, StandardCharsets.UTF_8);
                if (text.contains("Action=" + operation) && matching.getAndIncrement() < times) {
                  ex.getResponseHeaders().set("Content-Type", "text/xml");
                  LoopbackProxy.send(
                      ex,
                      400,
                      ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                              + "<Message>Rate exceeded</Message></Error>"
                              + "<RequestId>proxy</RequestId></ErrorResponse>")
                          .getBytes(StandardCharsets.UTF_8));
                  return;
                }
                HttpResponse<byte[]> answer = proxy().forward(ex, body);
                if (answer == null) {
                  throw new IOException("the emulator did not answer");
                }
                LoopbackProxy.relay(ex, answer);
              });
    }

    private LoopbackProxy proxy() {
      return proxy;
    }

    URI endpoint() {
      return proxy.endpoint();
    }

    /** Throttling errors answered. */
    int throttled() {
      return Math.min(matching.get(), times);
    }

    @Override
    public void close() {
      proxy.close();
    }
  }
}
