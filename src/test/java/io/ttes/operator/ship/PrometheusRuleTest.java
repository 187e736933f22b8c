package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule (metrics.prometheusRule): the alerts the README lists, on series the
 * operator exports (MetricsIT checks them against a real scrape), scoped to the release's job.
 */
class PrometheusRuleTest {
  /** Series Prometheus itself adds to every scrape target. */
  static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  static final List<String> ALERTS =
      List.of(
          "TtesResourceStalled",
          "TtesUpgradeFailed",
          "TtesAwsErrors",
          "TtesOperatorDown",
          "TtesOperatorNotReconciling");

  @Test
  void onlyWhenEnabled() {
    assertThat(Charts.ofKind(Charts.render(Map.of()), "PrometheusRule")).isEmpty();
  }

  @Test
  void alertsOnStalledResourcesFailedUpgradesAwsErrorsAndADownOperator() {
    Map<String, JsonNode> alerts = alerts(Map.of("metrics.prometheusRule.enabled", true));
    assertThat(alerts.keySet()).containsExactlyElementsOf(ALERTS);
    for (JsonNode alert : alerts.values()) {
      String expr = alert.path("expr").asText();
      assertThat(GrafanaDashboardTest.metricNames(expr))
          .as("series in %s", expr)
          .isNotEmpty()
          .allSatisfy(
              m ->
                  assertThat(
                          GrafanaDashboardTest.isOperatorSeries(m) || PROMETHEUS_SERIES.contains(m))
                      .as("%s is exported by the operator or Prometheus", m)
                      .isTrue());
      assertThat(expr)
          .as("every selector names the release's job and namespace")
          .contains("job=\"ttes-operator\", namespace=\"ttes-operator\"")
          .doesNotContain("{}");
      assertThat(alert.at("/labels/severity").asText()).isIn("warning", "critical");
      assertThat(alert.at("/annotations/summary").asText()).isNotBlank();
      assertThat(alert.at("/annotations/description").asText()).isNotBlank();
    }
    assertThat(alerts.get("TtesResourceStalled").path("expr").asText())
        .contains("ttes_resources_stalled_oldest_seconds")
        .endsWith("> 1800");
    assertThat(alerts.get("TtesResourceStalled").at("/annotations/summary").asText())
        .isEqualTo("A {{ $labels.kind }} has been Stalled for over 30 minutes");
    assertThat(alerts.get("TtesUpgradeFailed").path("expr").asText())
        .contains("ttes_upgrades{", "phase=\"Failed\"");
    assertThat(alerts.get("TtesAwsErrors").path("expr").asText())
        .contains("outcome=~\"server_error|network_error|throttled\"")
        .endsWith("> 0.1");
    assertThat(alerts.get("TtesAwsErrors").path("for").asText()).isEqualTo("15m");
    assertThat(alerts.get("TtesOperatorDown").path("expr").asText()).startsWith("absent(up{");
    assertThat(alerts.get("TtesOperatorDown").path("for").asText()).isEqualTo("5m");
  }

  @TempDir Path tmp;

  @Test
  void thresholdsSelectorAndLabelsAreValues() throws IOException {
    // A values file, not --set: Helm's --set makes 0.25 a string.
    Path values = tmp.resolve("rules-values.yaml");
    Files.writeString(
        values,
        """
        metrics:
          prometheusRule:
            enabled: true
            stalledMinutes: 90
            awsErrorRatio: 0.25
            awsErrorsFor: 30m
            downFor: 10m
            selector: 'service="ttes"'
            labels: {release: kube-prometheus-stack}
        """);
    List<JsonNode> docs = Charts.render(Map.of(), values);
    assertThat(Charts.only(docs, "PrometheusRule").at("/metadata/labels/release").asText())
        .isEqualTo("kube-prometheus-stack");
    Map<String, JsonNode> alerts = alerts(docs);
    assertThat(alerts.get("TtesResourceStalled").path("expr").asText()).endsWith("> 5400");
    assertThat(alerts.get("TtesAwsErrors").path("expr").asText()).endsWith("> 0.25");
    assertThat(alerts.get("TtesAwsErrors").path("for").asText()).isEqualTo("30m");
    assertThat(alerts.get("TtesOperatorNotReconciling").path("for").asText()).isEqualTo("10m");
    assertThat(alerts.values())
        .allSatisfy(
            a ->
                assertThat(a.path("expr").asText())
                    .contains("service=\"ttes\"")
                    .doesNotContain("job="));

    assertThatThrownBy(
            () ->
                Charts.render(
                    Map.of(
                        "metrics.prometheusRule.enabled",
                        true,
                        "metrics.prometheusRule.awsErrorRatio",
                        2)))
        .hasMessageContaining("awsErrorRatio");
  }

  /** Every expression the rules of the chart (rendered with {@code sets}) evaluate. */
  static List<String> expressions(Map<String, Object> sets) {
    List<String> out = new ArrayList<>();
    alerts(sets).values().forEach(a -> out.add(a.path("expr").asText()));
    return out;
  }

  static Map<String, JsonNode> alerts(Map<String, Object> sets) {
    return alerts(Charts.render(sets));
  }

  static Map<String, JsonNode> alerts(List<JsonNode> docs) {
    JsonNode rule = Charts.only(docs, "PrometheusRule");
    Map<String, JsonNode> alerts = new LinkedHashMap<>();
    for (JsonNode group : rule.at("/spec/groups")) {
      for (JsonNode r : group.path("rules")) {
        alerts.put(r.path("alert").asText(), r);
      }
    }
    return alerts;
  }
}
