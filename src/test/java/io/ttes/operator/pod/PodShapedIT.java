package io.ttes.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Probe;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.testing.KubeObjects;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's Deployment with default values, run as a kubelet runs it (docs/pod-harness.md): the
 * image's entrypoint and user, the chart's env plus the service links Kubernetes injects, a
 * read-only root, in-cluster API configuration over HTTPS, IRSA credentials. It must get ready
 * before its liveness probe would restart it, and converge a TTESCluster and an OpsTask on the
 * emulator.
 */
class PodShapedIT {
  private static final String NS = "pod";

  /**
   * As rendered, the chart turns service links off; with them on (Kubernetes' default, which a
   * platform policy, a Kustomize overlay or an older chart gives) the pod must start all the same:
   * it crash-looped on them before unknown TTES_ variables became a warning.
   */
  @ParameterizedTest(name = "service links {0}")
  @ValueSource(booleans = {false, true})
  void theDefaultInstallGetsReadyAndConvergesAnOpsTask(boolean serviceLinks) {
    try (PodCluster cluster =
        new PodCluster(
            "pod-shaped-" + (serviceLinks ? "links" : "nolinks"),
            new Kubelet.RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8)))) {
      RenderedChart chart = cluster.render(Map.of());
      assertThat(chart.deployment().getSpec().getTemplate().getSpec().getEnableServiceLinks())
          .as("the chart turns service links off")
          .isFalse();
      if (serviceLinks) {
        chart.deployment().getSpec().getTemplate().getSpec().setEnableServiceLinks(null);
      }
      Pod pod = cluster.start(chart, "ttes-operator-7d4b9c6f5d-x2k8q");

      // What Kubernetes puts into this pod besides the chart's env.
      assertThat(pod.env())
          .containsEntry("KUBERNETES_SERVICE_HOST", "localhost")
          .containsEntry("HOSTNAME", pod.name())
          .containsEntry("POD_NAME", pod.name())
          .containsEntry("POD_NAMESPACE", RenderedChart.NAMESPACE)
          .as("the JVM flags come from the image's entrypoint, not the chart")
          .doesNotContainKey("JAVA_TOOL_OPTIONS");
      if (serviceLinks) {
        assertThat(pod.env())
            .containsEntry("TTES_OPERATOR_SERVICE_HOST", PodEnvironment.SERVICE_IP)
            .containsKey("TTES_OPERATOR_PORT");
        assertThat(pod.env().keySet().stream().filter(k -> k.startsWith("TTES_OPERATOR_PORT_")))
            .isNotEmpty();
      } else {
        assertThat(pod.env().keySet().stream().filter(k -> k.startsWith("TTES_OPERATOR_")))
            .isEmpty();
      }
      assertThat(PodImage.load().entrypoint())
          .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
      assertThat(pod.command())
          .contains("--remount-ro", "65532")
          .endsWith(PodImage.load().entrypoint().toArray(String[]::new));

      Probe liveness =
          chart
              .deployment()
              .getSpec()
              .getTemplate()
              .getSpec()
              .getContainers()
              .get(0)
              .getLivenessProbe();
      Duration budget =
          Duration.ofSeconds(
              liveness.getInitialDelaySeconds()
                  + (long) liveness.getPeriodSeconds() * liveness.getFailureThreshold());
      cluster.deployCluster("pod-eu1", NS);
      Duration toReady = pod.awaitReady(budget);
      assertThat(pod.restarts()).as("restarts before ready\n%s", pod.logs()).isZero();
      KubeObjects objects = cluster.objects(NS);
      objects.await(
          TTESCluster.class,
          "pod-eu1",
          Duration.ofSeconds(60),
          c -> c.getStatus() != null && KubeObjects.ready(c));
      objects.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: migrate}
          spec: {clusterRef: {name: pod-eu1}, command: [is-db, migrate]}
          """,
          OpsTask.class);
      OpsTask done =
          objects.await(
              OpsTask.class,
              "migrate",
              Duration.ofSeconds(60),
              t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);
      assertThat(done.getStatus().getTaskArn()).isNotBlank();
      assertThat(cluster.aws.succeeded("RunTask")).hasSize(1);
      assertThat(cluster.aws.succeeded("AssumeRoleWithWebIdentity"))
          .as("AWS credentials came from the IRSA web identity token")
          .isNotEmpty();

      // The service links are named in one warning, their values never.
      List<JsonNode> warnings =
          PodLogs.atLevel(pod, "WARN").stream()
              .filter(l -> l.path("message").asText().contains("TTES_OPERATOR_SERVICE_HOST"))
              .toList();
      if (serviceLinks) {
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).path("message").asText())
            .doesNotContain(PodEnvironment.SERVICE_IP);
      } else {
        assertThat(warnings).isEmpty();
      }
      assertThat(PodLogs.atLevel(pod, "DEBUG")).as("DEBUG lines at the default level").isEmpty();
      System.out.printf(
          "pod-shaped (service links "
              + serviceLinks
              + "): ready after %d ms (liveness budget %d s), OpsTask Succeeded, %d AWS calls,"
              + " restarts %d%n",
          toReady.toMillis(),
          budget.toSeconds(),
          cluster.aws.calls().size(),
          pod.restarts());
    }
  }
}
