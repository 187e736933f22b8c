package io.ttes.operator.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.testing.FaultyAwsProxy;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AWS gone for longer than JOSDK's default retry budget (5 attempts, 2 s growing by 1.5: about 26
 * s), then back. With that default a resource whose reconcile kept failing was next looked at after
 * {@code maxReconciliationInterval} (hours). Now every kind says on its status what it retries and
 * since when, keeps retrying with backoff capped at the slow poll interval, and resumes within that
 * cap once AWS answers again.
 */
class LongOutageIT {
  private static final String NS = "outage";
  private static final Duration FAST = Duration.ofMillis(200);

  /** The slow poll, and so the backoff cap. */
  private static final Duration CAP = Duration.ofSeconds(2);

  /** JOSDK's default retry budget: the sum of its five waits. */
  static Duration defaultRetryBudget() {
    double total = 0;
    double wait = GradualRetry.DEFAULT_INITIAL_INTERVAL;
    for (int i = 0; i < GradualRetry.DEFAULT_MAX_ATTEMPTS; i++) {
      total += wait;
      wait *= GradualRetry.DEFAULT_MULTIPLIER;
    }
    return Duration.ofMillis((long) total);
  }

  @Test
  void everyKindRetriesThroughAnOutageLongerThanTheRetryBudgetAndResumesWithinTheCap()
      throws Exception {
    Duration outage = defaultRetryBudget().plusSeconds(8);
    try (MotoServer moto = MotoServer.start();
        FaultyAwsProxy proxy = new FaultyAwsProxy(moto.endpoint(), 7L);
        OperatorTestBed bed =
            OperatorTestBed.builder()
                .namespace(NS)
                .sdkAws(proxy.endpoint())
                .config(c -> c.withPolling(FAST, CAP))
                .clientPerStart()
                .notStarted()
                .start()) {
      TtesFixture.uploadTemplates(moto.endpoint());
      TtesFixture.Deployment d =
          TtesFixture.deploy(moto.endpoint(), "prod-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      bed.create(d.clusterYaml("prod-eu1", NS), TTESCluster.class);
      bed.secret("admin", Map.of("password", "outage-marker-secret"));
      bed.startOperator();
      bed.await(TTESCluster.class, "prod-eu1", Duration.ofSeconds(30), KubeObjects::ready);
      // An upgrade in flight when AWS goes away: it polls the stack it updates.
      bed.create(upgradeYaml(), StackUpgrade.class);
      bed.await(
          StackUpgrade.class,
          "to-3.33.2",
          Duration.ofSeconds(30),
          u -> u.getStatus() != null && u.getStatus().getPhase() == UpgradePhase.Updating);

      proxy.gone(true);
      Instant down = Instant.now();
      // Created during the outage: the bootstrap reads Secrets Manager before its first task.
      bed.create(bootstrapYaml(), TenantBootstrap.class);
      bed.create(
          Manifests.opsTask("during", "prod-eu1", List.of("ns-db", "migrate")), OpsTask.class);

      // While AWS is away, the status says what is retried and since when.
      Map<Class<? extends HasMetadata>, String> retrying = new LinkedHashMap<>();
      retrying.put(TTESCluster.class, "prod-eu1");
      retrying.put(StackUpgrade.class, "to-3.33.2");
      retrying.put(TenantBootstrap.class, "acme");
      for (var e : retrying.entrySet()) {
        HasMetadata o =
            bed.await(e.getKey(), e.getValue(), Duration.ofSeconds(20), LongOutageIT::retrying);
        KindStatus s = status(o);
        var reconciling = ConditionWriter.find(s, "Reconciling");
        assertThat(s.getRetrying().getReason()).isEqualTo(Reasons.AWS_UNAVAILABLE);
        assertThat(s.getRetrying().getSince()).isNotBlank();
        assertThat(reconciling.getMessage())
            .as(e.getValue())
            .contains("retrying with backoff since " + s.getRetrying().getSince());
      }
      Thread.sleep(Math.max(0, outage.minus(Duration.between(down, Instant.now())).toMillis()));
      // Still retrying past the budget: the first failure is still the one the status names.
      for (var e : retrying.entrySet()) {
        KindStatus s = status(bed.get(e.getKey(), e.getValue()));
        assertThat(s.getRetrying()).as(e.getValue() + " still retrying").isNotNull();
        assertThat(Duration.between(Instant.parse(s.getRetrying().getSince()), Instant.now()))
            .as(e.getValue() + " retrying for longer than the default budget")
            .isGreaterThan(defaultRetryBudget());
      }

      proxy.gone(false);
      Instant up = Instant.now();
      // Each resumes within the cap (plus one reconcile's worth of AWS calls).
      Duration resume = CAP.plusSeconds(5);
      Map<String, Long> resumedMs = new LinkedHashMap<>();
      for (var e : retrying.entrySet()) {
        bed.await(e.getKey(), e.getValue(), resume, o -> status(o).getRetrying() == null);
        resumedMs.put(e.getValue(), Duration.between(up, Instant.now()).toMillis());
      }
      Duration converge = Duration.ofSeconds(60);
      bed.await(TTESCluster.class, "prod-eu1", converge, KubeObjects::ready);
      bed.await(
          StackUpgrade.class,
          "to-3.33.2",
          converge,
          u -> u.getStatus().getPhase() == UpgradePhase.Succeeded);
      bed.await(
          TenantBootstrap.class,
          "acme",
          converge,
          b -> b.getStatus().getPhase() == BootstrapPhase.Succeeded);
      bed.await(
          OpsTask.class,
          "during",
          converge,
          t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);
      System.out.printf(
          "long outage: AWS gone %ds (JOSDK default retry budget %ds), %d gone responses;"
              + " resumed after recovery in %s ms (cap %ds); all converged %ds after recovery%n",
          outage.toSeconds(),
          defaultRetryBudget().toSeconds(),
          proxy.count(FaultyAwsProxy.Mode.GONE),
          resumedMs,
          CAP.toSeconds(),
          Duration.between(up, Instant.now()).toSeconds());
    }
  }

  private static boolean retrying(HasMetadata o) {
    KindStatus s = status(o);
    return s != null && s.getRetrying() != null;
  }

  private static KindStatus status(HasMetadata o) {
    if (o instanceof TTESCluster c) {
      return c.getStatus();
    }
    if (o instanceof StackUpgrade u) {
      return u.getStatus();
    }
    if (o instanceof TenantBootstrap b) {
      return b.getStatus();
    }
    return ((OpsTask) o).getStatus();
  }

  private static String upgradeYaml() {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: to-3.33.2}
        spec:
          clusterRef: {name: prod-eu1}
          targetVersion: 3.33.2
          approval: Automatic
          migrations: {commands: []}
        """;
  }

  private static String bootstrapYaml() {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: acme}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: acme}
          oauthClients: {console: true}
          admin: {email: admin@acme.example, passwordSecretRef: {name: admin, key: password}}
        """;
  }
}
