package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard only queries series the operator exports. */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("deploy/grafana/ttes-operator-dashboard.json");

  /** The operator's own series; histograms as exported (_bucket, _sum, _count). */
  static final Set<String> TTES_SERIES =
      Set.of(
          "ttes_aws_calls_total",
          "ttes_aws_retries_total",
          "ttes_opstasks_total",
          "ttes_opstask_duration_seconds_bucket",
          "ttes_opstask_duration_seconds_sum",
          "ttes_opstask_duration_seconds_count",
          "ttes_upgrades",
          "ttes_resources_stalled",
          "ttes_resources_stalled_oldest_seconds",
          "ttes_leader",
          "ttes_build_info");

  /** Java Operator SDK's Micrometer metrics (operator.sdk.* in Micrometer names). */
  static final String JOSDK_PREFIX = "operator_sdk_";

  /** Micrometer's JVM and process binders. */
  static final List<String> JVM_PREFIXES = List.of("jvm_", "process_");

  /** Whether {@code metric} is a series the operator's /metrics serves. */
  static boolean isOperatorSeries(String metric) {
    return TTES_SERIES.contains(metric)
        || metric.startsWith(JOSDK_PREFIX)
        || JVM_PREFIXES.stream().anyMatch(metric::startsWith);
  }

  private static final Set<String> PROMQL_WORDS =
      Set.of("by", "without", "and", "or", "unless", "bool", "offset", "on", "ignoring", "inf");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private static JsonNode dashboard;

  @BeforeAll
  static void read() throws IOException {
    dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  @Test
  void isADashboardWithUniquePanelIdsAndAPrometheusDataSourceVariable() {
    assertThat(dashboard.path("uid").asText()).isEqualTo("ttes-operator");
    assertThat(dashboard.path("title").asText()).isNotBlank();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel id %s", panel.path("id")).isTrue();
      assertThat(panel.at("/gridPos/w").asInt()).isBetween(1, 24);
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
      }
    }
    assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    assertThat(dashboard.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
  }

  @Test
  void everyExpressionQueriesOnlyTheOperatorsSeries() {
    List<String> exprs = expressions();
    assertThat(exprs).isNotEmpty();
    Set<String> used = new HashSet<>();
    for (String expr : exprs) {
      Set<String> metrics = metricNames(expr);
      assertThat(metrics).as("series in %s", expr).isNotEmpty();
      for (String metric : metrics) {
        assertThat(isOperatorSeries(metric))
            .as("%s in %s is not a series the operator exports", metric, expr)
            .isTrue();
      }
      used.addAll(metrics);
    }
    assertThat(used)
        .as("every operator series is on the dashboard")
        .containsAll(
            TTES_SERIES.stream().filter(s -> !s.endsWith("_sum") && !s.endsWith("_count")).toList())
        .anyMatch(s -> s.startsWith(JOSDK_PREFIX))
        .anyMatch(s -> s.startsWith("jvm_"))
        .anyMatch(s -> s.startsWith("process_"));
  }

  @Test
  void theMetricNameParserFindsUnknownSeries() {
    assertThat(
            metricNames(
                "histogram_quantile(0.95, sum by (le) (rate(up{job=~\"$job\", le!=\"x\"}[5m])))"
                    + " / on (job) group_left foo_total"))
        .containsExactlyInAnyOrder("up", "foo_total");
  }

  private static List<String> expressions() {
    List<String> out = new ArrayList<>();
    collect(dashboard.path("panels"), out);
    for (JsonNode variable : dashboard.at("/templating/list")) {
      String query = variable.at("/query/query").asText(variable.path("query").asText());
      Matcher m = Pattern.compile("label_values\\(([^,]+),").matcher(query);
      if (m.find()) {
        out.add(m.group(1).trim());
      }
    }
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("expr")) {
                  out.add(e.getValue().asText());
                } else {
                  collect(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }

  /** Metric names in a PromQL expression: identifiers that are not functions, labels or words. */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
    s = s.replaceAll("\\{[^}]*}", " ");
    s = s.replaceAll("\\[[^]]*]", " ");
    s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    s = s.replaceAll("\\b(group_left|group_right)\\b", " ");
    Set<String> names = new HashSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String word = m.group();
      boolean call = s.substring(m.end()).matches("(?s)\\s*\\(.*");
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !number && !PROMQL_WORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }
}
