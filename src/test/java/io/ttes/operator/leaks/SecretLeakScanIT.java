package io.ttes.operator.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.testing.LogCapture;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * An end-to-end run on moto with marker secrets in every place a secret enters (admin password
 * Secret, OAuth client secrets in Secrets Manager, an OpsTask's secretArgs from both sources), with
 * a bootstrap and an upgrade on the same cluster; then every place a person or a scraper can read
 * is searched for the markers. The markers must have reached ECS, or the scan proves nothing.
 */
class SecretLeakScanIT {
  private static final String NS = "leaks";
  private static final String ADMIN = "LeakMarkerAdmin7f3aQ";
  private static final String CONSOLE = "LeakMarkerConsole4b7dQ";
  private static final String NOC = "LeakMarkerNoc2a8fQ";
  private static final String ARG = "LeakMarkerArg6d3cQ";
  private static final List<String> MARKERS = List.of(ADMIN, CONSOLE, NOC, ARG);

  /**
   * In a Secrets Manager secret that is not JSON: a parser's error message quotes its input, so
   * this one only ever travels in an exception. Never reaches ECS (the task cannot start).
   */
  private static final String NOT_JSON = "LeakMarkerNotJson5e9bQ";

  @Test
  void noMarkerSecretAppearsAnywhereButInTheEcsTasks() throws Exception {
    Logger ttes = (Logger) LoggerFactory.getLogger("io.ttes");
    Level before = ttes.getLevel();
    // DEBUG so lines that only appear when someone turns logging up are scanned too.
    ttes.setLevel(Level.DEBUG);
    try (LogCapture logs = LogCapture.attach();
        MotoServer moto = MotoServer.start()) {
      TtesFixture.Deployment d =
          TtesFixture.deploy(
              moto.endpoint(),
              "leak-eu1",
              "3.33.1",
              TtesFixture.FIVE_TEMPLATES,
              TtesFixture.Options.defaults()
                  .withSecrets(
                      new TtesFixture.OAuthClient("console", CONSOLE),
                      new TtesFixture.OAuthClient("noc", NOC)));
      PrometheusMeterRegistry awsRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (SdkAwsServicesFactory aws = new SdkAwsServicesFactory(moto.endpoint(), awsRegistry);
          OperatorTestBed bed = new OperatorTestBed(NS, aws)) {
        bed.create(
            d.clusterYaml("leak-eu1", NS)
                .replace("  platform: ECS\n", "  platform: ECS\n  multiTenant: true\n"),
            TTESCluster.class);
        bed.secret("admin", Map.of("password", ADMIN));
        bed.secret("ops-args", Map.of("token", ARG));
        bed.awaitClusterReady("leak-eu1");
        try (SecretsManagerClient sm =
            TtesFixture.configure(SecretsManagerClient.builder(), moto.endpoint()).build()) {
          sm.createSecret(b -> b.name("leak-not-json").secretString("{\"token\": " + NOT_JSON));
        }
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: OpsTask
            metadata: {name: not-json}
            spec:
              clusterRef: {name: leak-eu1}
              command: [is-db, rotate, "--token=$(TOKEN)"]
              secretArgs:
                - {name: TOKEN, secretsManagerKeyRef: {secretId: leak-not-json, key: token}}
            """,
            OpsTask.class);
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: OpsTask
            metadata: {name: rotate}
            spec:
              clusterRef: {name: leak-eu1}
              command: [is-db, rotate, "--token=$(TOKEN)", "--console-secret=$(CONSOLE)"]
              secretArgs:
                - {name: TOKEN, secretKeyRef: {name: ops-args, key: token}}
                - {name: CONSOLE, secretsManagerKeyRef: {secretId: %s, key: client_secret}}
            """
                .formatted(d.consoleSecretName()),
            OpsTask.class);
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: TenantBootstrap
            metadata: {name: acme}
            spec:
              clusterRef: {name: leak-eu1}
              tenant: {id: acme, name: Acme}
              noc: {init: true}
              oauthClients: {cli: true, console: true, noc: true}
              admin: {email: admin@acme.example, passwordSecretRef: {name: admin, key: password}}
            """,
            TenantBootstrap.class);
        bed.create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: StackUpgrade
            metadata: {name: leak-eu1-to-3.33.2}
            spec: {clusterRef: {name: leak-eu1}, targetVersion: 3.33.2, approval: Automatic}
            """,
            StackUpgrade.class);

        Duration wait = Duration.ofMinutes(3);
        bed.await(
            OpsTask.class,
            "rotate",
            wait,
            t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);
        bed.await(
            TenantBootstrap.class,
            "acme",
            wait,
            t -> t.getStatus() != null && t.getStatus().getPhase() == BootstrapPhase.Succeeded);
        bed.await(
            StackUpgrade.class,
            "leak-eu1-to-3.33.2",
            wait,
            u -> u.getStatus() != null && u.getStatus().getPhase() == UpgradePhase.Succeeded);

        // The malformed secret stalls its OpsTask with a reason a person can act on; the parser's
        // error (which quotes its input) was on the path, so the scan below covers it.
        OpsTask notJson =
            bed.await(
                OpsTask.class,
                "not-json",
                wait,
                t ->
                    t.getStatus() != null
                        && "True"
                            .equals(OperatorTestBed.condition(t.getStatus(), "Stalled", false)));
        assertThat(OperatorTestBed.condition(notJson.getStatus(), "Stalled", true))
            .isEqualTo("SecretsManagerSecretInvalid");
        assertThat(logs.all()).contains("leak-not-json is not a JSON object");

        // The markers did reach the commands ECS ran: the scan below is not vacuous.
        String commands = String.join("\n", ecsCommands(moto, d.ecsCluster()));
        assertThat(MARKERS).allSatisfy(m -> assertThat(commands).contains(m));

        Map<String, String> places = new LinkedHashMap<>();
        var ser = bed.client().getKubernetesSerialization();
        bed.client()
            .v1()
            .events()
            .inNamespace(NS)
            .list()
            .getItems()
            .forEach(e -> places.put("event " + e.getMetadata().getName(), ser.asYaml(e)));
        for (Class<? extends HasMetadata> kind :
            List.of(TTESCluster.class, OpsTask.class, TenantBootstrap.class, StackUpgrade.class)) {
          for (HasMetadata o : bed.client().resources(kind).inNamespace(NS).list().getItems()) {
            places.put(kind.getSimpleName() + " " + o.getMetadata().getName(), ser.asYaml(o));
          }
        }
        places.put("GET /metrics", scrape(bed.operator().httpPort()));
        places.put("operator registry", bed.operator().registry().scrape());
        places.put("AWS call registry", awsRegistry.scrape());
        // Every logged exception arrives here with its message and stack trace (LogCapture).
        List<String> lines = logs.lines();
        for (int i = 0; i < lines.size(); i++) {
          places.put("log line " + i, lines.get(i));
        }
        long bytes =
            places.values().stream()
                .mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length)
                .sum();
        List<String> scanned = new ArrayList<>(MARKERS);
        scanned.add(NOT_JSON);
        List<String> hits = new ArrayList<>();
        places.forEach(
            (where, text) ->
                scanned.stream().filter(text::contains).forEach(m -> hits.add(where + ": " + m)));
        long objects =
            places.keySet().stream()
                    .filter(k -> !k.startsWith("log line") && !k.startsWith("event"))
                    .count()
                - 3;
        long events = places.keySet().stream().filter(k -> k.startsWith("event")).count();
        System.out.printf(
            "secret leak scan: %d places (%d events, %d objects, %d log lines, 3 metric scrapes),"
                + " %d bytes, %d markers, hits %d; markers found in %d ECS task commands%n",
            places.size(),
            events,
            objects,
            lines.size(),
            bytes,
            scanned.size(),
            hits.size(),
            ecsCommands(moto, d.ecsCluster()).size());
        assertThat(lines).as("log lines captured").isNotEmpty();
        assertThat(events).as("events scanned").isPositive();
        assertThat(hits).as("markers outside ECS").isEmpty();
      }
    } finally {
      ttes.setLevel(before);
    }
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("ttes_");
    return r.body();
  }

  private static List<String> ecsCommands(MotoServer moto, String cluster) {
    try (EcsClient ecs = TtesFixture.configure(EcsClient.builder(), moto.endpoint()).build()) {
      List<String> arns = new ArrayList<>();
      ecs.listTasksPaginator(b -> b.cluster(cluster)).taskArns().forEach(arns::add);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += 100) {
        List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
        for (Task t : ecs.describeTasks(b -> b.cluster(cluster).tasks(batch)).tasks()) {
          t.overrides().containerOverrides().forEach(c -> out.add(String.join(" ", c.command())));
        }
      }
      return out;
    }
  }
}
