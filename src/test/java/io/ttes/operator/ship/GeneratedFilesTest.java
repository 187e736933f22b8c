package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Files under deploy/ that are generated from the chart and the Lua health checks, and the chart's
 * copy of the Grafana dashboard: users apply them without Helm (or Helm reads the copy), so they
 * must never drift from their sources. Run with -Dupdate.manifests=true to rewrite them.
 */
class GeneratedFilesTest {
  static final Path MANIFEST = Path.of("deploy/manifests/ttes-operator.yaml");
  static final Path ARGOCD_CM_PATCH = Path.of("deploy/argocd/argocd-cm-patch.yaml");
  static final Path PROMETHEUS_RULES = Path.of("deploy/prometheus/ttes-operator-rules.yaml");
  static final Path CHART_DASHBOARD =
      Charts.CHART.resolve("files/grafana/ttes-operator-dashboard.json");
  private static final String REGENERATE =
      "mvn -B -o test -Dtest=GeneratedFilesTest -Dupdate.manifests=true";
  private static final boolean UPDATE = Boolean.getBoolean("update.manifests");

  @Test
  void plainManifestIsTheChartRenderedWithDefaults() throws IOException {
    String expected = plainManifest();
    checkOrUpdate(MANIFEST, expected);

    List<JsonNode> docs = Charts.parse(Files.readString(MANIFEST));
    assertThat(docs.get(0).path("kind").asText()).isEqualTo("Namespace");
    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .contains("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "Deployment")
        .doesNotContain(
            "CustomResourceDefinition",
            "ServiceMonitor",
            "PrometheusRule",
            "PodDisruptionBudget",
            "ConfigMap");
    assertThat(docs)
        .extracting(d -> d.at("/metadata/name").asText())
        .as("the user roles ship without Helm too")
        .contains("ttes-operator-view", "ttes-operator-ops", "ttes-operator-upgrade");
    assertThat(docs.stream().filter(d -> !d.at("/metadata/namespace").isMissingNode()))
        .allSatisfy(
            d -> assertThat(d.at("/metadata/namespace").asText()).isEqualTo("ttes-operator"));
  }

  @Test
  void prometheusRulesAreTheChartsRuleRenderedWithDefaults() throws IOException {
    checkOrUpdate(PROMETHEUS_RULES, prometheusRules());

    List<JsonNode> docs = Charts.parse(Files.readString(PROMETHEUS_RULES));
    assertThat(docs).hasSize(1);
    assertThat(docs.get(0).path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(docs.get(0).at("/metadata/namespace").asText()).isEqualTo(Charts.NAMESPACE);
  }

  @Test
  void chartCarriesTheGrafanaDashboardUnchanged() throws IOException {
    checkOrUpdate(CHART_DASHBOARD, Files.readString(GrafanaDashboardTest.DASHBOARD));
  }

  @Test
  void argoCdConfigMapPatchCarriesTheHealthChecks() throws IOException {
    checkOrUpdate(ARGOCD_CM_PATCH, argoCdPatch());

    JsonNode data = Charts.parse(Files.readString(ARGOCD_CM_PATCH)).get(0).path("data");
    assertThat(data.size()).isEqualTo(ExpectedPermissions.KINDS.size());
    for (String kind : ExpectedPermissions.KINDS) {
      assertThat(data.path("resource.customizations.health.ops.ttes.io_" + kind).asText())
          .as("health check of %s", kind)
          .isEqualTo(Files.readString(ArgoHealthTest.script(kind)));
    }
  }

  static String plainManifest() {
    return """
        # ttes-operator: plain Kubernetes manifests, for installs without Helm.
        # This is charts/ttes-operator rendered with its default values into namespace ttes-operator
        # (all namespaces watched, one replica). Generated file, do not edit; regenerate with
        #   %s
        #
        # The CustomResourceDefinitions are not in this file. Apply them first; the same command
        # upgrades them:
        #   kubectl apply --server-side -f crds/
        #   kubectl apply -f deploy/manifests/ttes-operator.yaml
        # AWS permissions: deploy/iam-policy.json (annotate the ServiceAccount for IRSA, or use EKS
        # Pod Identity).
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
          labels:
            # The operator's pod meets the restricted Pod Security Standard.
            pod-security.kubernetes.io/enforce: restricted
        """
            .formatted(REGENERATE, Charts.NAMESPACE)
        + Charts.renderText(Map.of("crds.install", false));
  }

  /** The PrometheusRule the chart renders with metrics.prometheusRule.enabled, for non-Helm use. */
  static String prometheusRules() {
    String rendered = Charts.renderText(Map.of("metrics.prometheusRule.enabled", true));
    String source = "# Source: ttes-operator/templates/prometheusrule.yaml\n";
    int start = rendered.indexOf(source);
    assertThat(start).as("PrometheusRule in the rendered chart").isNotNegative();
    int end = rendered.indexOf("\n---", start);
    String rule = rendered.substring(start + source.length(), end < 0 ? rendered.length() : end);
    return """
        # ttes-operator alert rules (Prometheus Operator PrometheusRule), for installs without Helm.
        # This is charts/ttes-operator's templates/prometheusrule.yaml rendered with its default
        # values (release ttes-operator in namespace ttes-operator: the rules select the series of
        # job="ttes-operator"). Generated file, do not edit; regenerate with
        #   %s
        # Without the Prometheus Operator, the spec.groups list is a plain Prometheus rule file.
        """
            .formatted(REGENERATE)
        + rule.stripTrailing()
        + "\n";
  }

  static String argoCdPatch() throws IOException {
    StringBuilder out =
        new StringBuilder(
            """
            # Argo CD health checks for the ops.ttes.io kinds, to merge into argocd-cm:
            #   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file deploy/argocd/argocd-cm-patch.yaml
            # (or list it as a patch in the kustomization that installs Argo CD).
            # Generated from deploy/argocd/health.lua, do not edit; regenerate with
            #   %s
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: argocd-cm
              namespace: argocd
            data:
            """
                .formatted(REGENERATE));
    for (String kind : ExpectedPermissions.KINDS) {
      out.append("  resource.customizations.health.ops.ttes.io_").append(kind).append(": |\n");
      for (String line : Files.readString(ArgoHealthTest.script(kind)).split("\n", -1)) {
        if (!line.isEmpty()) {
          out.append("    ").append(line);
        }
        out.append('\n');
      }
      out.setLength(out.length() - 1);
    }
    return out.toString();
  }

  private static void checkOrUpdate(Path file, String expected) throws IOException {
    if (UPDATE) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, expected);
    }
    assertThat(Files.exists(file)).as("%s is missing; run: %s", file, REGENERATE).isTrue();
    assertThat(Files.readString(file))
        .as("%s is out of date; run: %s", file, REGENERATE)
        .isEqualTo(expected);
  }
}
