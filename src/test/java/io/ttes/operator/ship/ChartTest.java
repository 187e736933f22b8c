package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.ttes.operator.ship.ExpectedPermissions.Rule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `helm install` of charts/ttes-operator puts into a Kubernetes cluster. */
class ChartTest {
  private static final String LEASE = "ttes-operator-leader";
  private static final String CLUSTER_SCOPE = "<cluster>";

  @TempDir Path tmp;

  @Test
  void lintPassesWithDefaultValues() {
    LintResult lint = new Helm(Charts.CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint: %s", lint.getMessages()).isFalse();
  }

  @Test
  void lintPassesWithWatchNamespaces() throws IOException {
    Path copy = Charts.copyWithValues(Charts.WATCH_NAMESPACES_VALUES, tmp);
    LintResult lint = new Helm(copy).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint: %s", lint.getMessages()).isFalse();
  }

  @Test
  void clusterWideInstallGrantsExactlyTheOperatorsRules() {
    List<JsonNode> docs = Charts.render(Map.of());

    assertThat(Charts.ofKind(docs, "Role")).as("only the Lease Role is namespaced").hasSize(1);
    Map<String, Set<Rule>> granted = grantedRules(docs);
    assertThat(granted.keySet()).containsExactlyInAnyOrder(CLUSTER_SCOPE, Charts.NAMESPACE);
    assertThat(granted.get(CLUSTER_SCOPE))
        .containsExactlyInAnyOrderElementsOf(ExpectedPermissions.watchedNamespaceRules());
    assertThat(granted.get(Charts.NAMESPACE))
        .containsExactlyInAnyOrderElementsOf(ExpectedPermissions.leaseRules(LEASE));
  }

  @Test
  void namespacedInstallGrantsTheRulesOnlyInTheWatchedNamespaces() {
    List<JsonNode> docs = Charts.render(Map.of(), Charts.WATCH_NAMESPACES_VALUES);

    assertThat(Charts.ofKind(docs, "ClusterRole")).isEmpty();
    assertThat(Charts.ofKind(docs, "ClusterRoleBinding")).isEmpty();
    Map<String, Set<Rule>> granted = grantedRules(docs);
    assertThat(granted.keySet())
        .containsExactlyInAnyOrder("ttes-prod", "ttes-staging", Charts.NAMESPACE);
    for (String ns : List.of("ttes-prod", "ttes-staging")) {
      assertThat(granted.get(ns))
          .as("rules in %s", ns)
          .containsExactlyInAnyOrderElementsOf(ExpectedPermissions.watchedNamespaceRules());
    }
    assertThat(granted.get(Charts.NAMESPACE))
        .containsExactlyInAnyOrderElementsOf(ExpectedPermissions.leaseRules(LEASE));
    assertThat(env(Charts.only(docs, "Deployment")))
        .containsEntry("TTES_WATCH_NAMESPACES", "ttes-prod,ttes-staging");
  }

  @Test
  void podIsLockedDown() {
    JsonNode pod = Charts.only(Charts.render(Map.of()), "Deployment").at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");

    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(65532);
    JsonNode sc = container.path("securityContext");
    assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(sc.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(sc.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");

    assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/tmp");
    assertThat(pod.at("/volumes/0/emptyDir").isObject()).isTrue();
    assertThat(container.at("/resources/requests/cpu").asText()).isEqualTo("100m");
    assertThat(container.at("/resources/requests/memory").asText()).isEqualTo("256Mi");
    assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.path("image").asText())
        .isEqualTo("ghcr.io/ttes-operator/ttes-operator:0.1.0");
    assertThat(env(Charts.only(Charts.render(Map.of()), "Deployment")))
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError")
        .containsEntry("TTES_HTTP_PORT", "8080")
        .containsEntry("TTES_LEASE_NAMESPACE", Charts.NAMESPACE)
        .containsEntry("POD_NAMESPACE", "fieldRef:metadata.namespace")
        .doesNotContainKey("TTES_AWS_ENDPOINT");
  }

  @Test
  void leaderElectionIsOnByDefaultAndForcedOnWithTwoReplicas() {
    JsonNode one = Charts.only(Charts.render(Map.of()), "Deployment");
    JsonNode off =
        Charts.only(Charts.render(Map.of("leaderElection.enabled", false)), "Deployment");
    JsonNode two = Charts.only(Charts.render(Map.of("replicas", 2)), "Deployment");
    JsonNode forced =
        Charts.only(
            Charts.render(Map.of("leaderElection.enabled", false, "replicas", 2)), "Deployment");

    assertThat(one.at("/spec/replicas").asInt()).isEqualTo(1);
    assertThat(env(one)).containsEntry("TTES_LEADER_ELECTION", "true");
    assertThat(env(off)).containsEntry("TTES_LEADER_ELECTION", "false");
    assertThat(two.at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(env(two))
        .containsEntry("TTES_LEADER_ELECTION", "true")
        .containsEntry("TTES_LEASE_NAME", LEASE);
    assertThat(env(forced)).containsEntry("TTES_LEADER_ELECTION", "true");
  }

  @Test
  void serviceMonitorOnlyWhenEnabled() {
    assertThat(Charts.ofKind(Charts.render(Map.of()), "ServiceMonitor")).isEmpty();

    List<JsonNode> docs = Charts.render(Map.of(), Charts.HA_VALUES);
    JsonNode monitor = Charts.only(docs, "ServiceMonitor");
    assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http-metrics");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    JsonNode service = Charts.only(docs, "Service");
    assertThat(service.at("/spec/ports/0/name").asText()).isEqualTo("http-metrics");
    assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
  }

  @Test
  void irsaAnnotationLandsOnTheServiceAccount() {
    String role = "arn:aws:iam::123456789012:role/ttes-operator";
    JsonNode sa =
        Charts.only(
            Charts.render(
                Map.of("serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn", role)),
            "ServiceAccount");
    assertThat(sa.at("/metadata/annotations").path("eks.amazonaws.com/role-arn").asText())
        .isEqualTo(role);
  }

  @Test
  void schemaRejectsBadValues() {
    assertThatThrownBy(() -> Charts.render(Map.of("replicas", "two")))
        .hasMessageContaining("at '/replicas'");
    assertThatThrownBy(() -> Charts.render(Map.of("logFormat", "xml")))
        .hasMessageContaining("at '/logFormat'");
    assertThatThrownBy(() -> Charts.render(Map.of("polling.fast", "fast")))
        .hasMessageContaining("at '/polling/fast'");
    assertThatThrownBy(() -> Charts.render(Map.of("replica", 2)))
        .as("a misspelt value is an error, not silently ignored")
        .hasMessageContaining("'replica'");
  }

  /** Granted rules per namespace of the binding (CLUSTER_SCOPE for ClusterRoleBindings). */
  private static Map<String, Set<Rule>> grantedRules(List<JsonNode> docs) {
    String sa = Charts.only(docs, "ServiceAccount").at("/metadata/name").asText();
    Map<String, JsonNode> roles = new HashMap<>();
    for (JsonNode role : docs) {
      String kind = role.path("kind").asText();
      if (kind.equals("Role") || kind.equals("ClusterRole")) {
        roles.put(kind + "/" + role.at("/metadata/namespace").asText() + "/" + name(role), role);
      }
    }
    Map<String, Set<Rule>> granted = new LinkedHashMap<>();
    for (JsonNode binding : docs) {
      String kind = binding.path("kind").asText();
      if (!kind.equals("RoleBinding") && !kind.equals("ClusterRoleBinding")) {
        continue;
      }
      assertThat(binding.at("/subjects").size()).isEqualTo(1);
      assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(sa);
      assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Charts.NAMESPACE);
      String scope =
          kind.equals("ClusterRoleBinding")
              ? CLUSTER_SCOPE
              : binding.at("/metadata/namespace").asText();
      String roleKind = binding.at("/roleRef/kind").asText();
      String roleNs = roleKind.equals("Role") ? binding.at("/metadata/namespace").asText() : "";
      JsonNode role =
          roles.get(roleKind + "/" + roleNs + "/" + binding.at("/roleRef/name").asText());
      assertThat(role).as("role bound by %s %s", kind, name(binding)).isNotNull();
      Set<Rule> rules = granted.computeIfAbsent(scope, s -> new HashSet<>());
      for (JsonNode rule : role.path("rules")) {
        for (JsonNode group : rule.path("apiGroups")) {
          for (JsonNode resource : rule.path("resources")) {
            for (JsonNode verb : rule.path("verbs")) {
              List<String> names = new java.util.ArrayList<>();
              rule.path("resourceNames").forEach(n -> names.add(n.asText()));
              if (names.isEmpty()) {
                names.add("");
              }
              for (String n : names) {
                rules.add(new Rule(group.asText(), resource.asText(), verb.asText(), n));
              }
            }
          }
        }
      }
    }
    return granted;
  }

  private static String name(JsonNode doc) {
    return doc.at("/metadata/name").asText();
  }

  /** Container env as name -> value, or "fieldRef:path" for downward-API values. */
  static Map<String, String> env(JsonNode deployment) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode e : deployment.at("/spec/template/spec/containers/0/env")) {
      JsonNode field = e.at("/valueFrom/fieldRef/fieldPath");
      env.put(
          e.path("name").asText(),
          field.isMissingNode() ? e.path("value").asText() : "fieldRef:" + field.asText());
    }
    return env;
  }
}
