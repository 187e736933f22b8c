package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.ttes.operator.TtesOperator;
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

    assertThat(Charts.ofKind(docs, "ClusterRole"))
        .extracting(ChartTest::name)
        .as("only the user roles, which grant nothing until someone binds them")
        .containsExactlyInAnyOrder(VIEW, OPS, UPGRADE);
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
    assertThat(container.at("/resources/requests/memory").asText()).isEqualTo("288Mi");
    assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(
            container.at("/startupProbe/periodSeconds").asInt()
                * container.at("/startupProbe/failureThreshold").asInt())
        .as("seconds the operator gets to start")
        .isGreaterThanOrEqualTo(60);
    assertThat(pod.path("enableServiceLinks").isBoolean()).isTrue();
    assertThat(pod.path("enableServiceLinks").asBoolean()).isFalse();
    assertThat(pod.path("terminationGracePeriodSeconds").asLong())
        .as("the kubelet waits longer than the operator's own shutdown")
        .isGreaterThan(TtesOperator.SHUTDOWN_GRACE.toSeconds());
    assertThat(container.path("image").asText())
        .isEqualTo("ghcr.io/ttes-operator/ttes-operator:0.1.0");
    assertThat(env(Charts.only(Charts.render(Map.of()), "Deployment")))
        .as(
            "JAVA_TOOL_OPTIONS makes the JVM print a line that is not JSON; the image has the flags")
        .doesNotContainKey("JAVA_TOOL_OPTIONS")
        .containsEntry("TTES_HTTP_PORT", "8080")
        .containsEntry("TTES_LEASE_NAMESPACE", Charts.NAMESPACE)
        .containsEntry("POD_NAMESPACE", "fieldRef:metadata.namespace")
        .doesNotContainKey("TTES_AWS_ENDPOINT");
  }

  @Test
  void jvmFlagsAndGracePeriodCanBeSet() {
    JsonNode deployment =
        Charts.only(
            Charts.render(
                Map.of("javaToolOptions", "-Xss512k", "terminationGracePeriodSeconds", 45)),
            "Deployment");
    assertThat(env(deployment)).containsEntry("JAVA_TOOL_OPTIONS", "-Xss512k");
    assertThat(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
        .isEqualTo(45);
    assertThatThrownBy(() -> Charts.render(Map.of("terminationGracePeriodSeconds", 10)))
        .as("shorter than the operator's shutdown")
        .hasMessageContaining("at '/terminationGracePeriodSeconds'");
  }

  @Test
  void podDisruptionBudgetOnlyWithSeveralReplicas() {
    assertThat(Charts.ofKind(Charts.render(Map.of()), "PodDisruptionBudget")).isEmpty();

    List<JsonNode> docs = Charts.render(Map.of(), Charts.HA_VALUES);
    JsonNode pdb = Charts.only(docs, "PodDisruptionBudget");
    assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(pdb.at("/metadata/namespace").asText()).isEqualTo(Charts.NAMESPACE);
    JsonNode podLabels = Charts.only(docs, "Deployment").at("/spec/template/metadata/labels");
    pdb.at("/spec/selector/matchLabels")
        .fields()
        .forEachRemaining(
            l ->
                assertThat(podLabels.path(l.getKey()).asText())
                    .as("the budget selects the operator's pods (%s)", l.getKey())
                    .isEqualTo(l.getValue().asText()));
    assertThat(
            Charts.ofKind(
                Charts.render(Map.of("replicas", 3, "podDisruptionBudget.enabled", false)),
                "PodDisruptionBudget"))
        .isEmpty();
  }

  @Test
  void crdsAreTemplatesKeptOnUninstallByDefault() throws IOException {
    assertThat(Charts.CHART.resolve("crds"))
        .as("Helm installs crds/ once and never upgrades it; the CRDs are in files/crds/")
        .doesNotExist();
    List<JsonNode> crds = Charts.ofKind(Charts.render(Map.of()), "CustomResourceDefinition");
    assertThat(crds)
        .extracting(ChartTest::name)
        .containsExactlyInAnyOrderElementsOf(
            ExpectedPermissions.PLURALS.stream()
                .map(p -> p + "." + ExpectedPermissions.GROUP)
                .toList());
    for (JsonNode crd : crds) {
      assertThat(crd.at("/metadata/annotations").path("helm.sh/resource-policy").asText())
          .as("%s survives helm uninstall", name(crd))
          .isEqualTo("keep");
      assertThat(crd.at("/metadata/labels").path("app.kubernetes.io/managed-by").asText())
          .isEqualTo("Helm");
      JsonNode generated =
          Charts.YAML.readTree(
              Charts.CHART.resolve("files/crds/" + name(crd) + "-v1.yml").toFile());
      // Helm's fromYaml/toYaml round trip writes 3650.0 as 3650: compare numbers by value.
      assertThat(crd.path("spec").equals(ChartTest::sameJson, generated.path("spec")))
          .as("%s is rendered from the generated file unchanged", name(crd))
          .isTrue();
    }

    assertThat(Charts.ofKind(Charts.render(Map.of("crds.keep", false)), "CustomResourceDefinition"))
        .hasSize(4)
        .allSatisfy(
            crd ->
                assertThat(crd.at("/metadata/annotations").has("helm.sh/resource-policy"))
                    .isFalse());
    assertThat(
            Charts.ofKind(Charts.render(Map.of("crds.install", false)), "CustomResourceDefinition"))
        .isEmpty();
  }

  @Test
  void viewReadsAllFourKindsAndCreatesNone() {
    List<JsonNode> docs = Charts.render(Map.of());
    Set<Rule> view = builtInRole(docs, "view");
    Set<Rule> own = rulesOf(clusterRole(docs, VIEW));
    assertThat(view).as("view gets exactly the chart's view role").isEqualTo(own);
    for (String plural : ExpectedPermissions.PLURALS) {
      for (String verb : List.of("get", "list", "watch")) {
        assertThat(view).contains(new Rule(ExpectedPermissions.GROUP, plural, verb, ""));
      }
    }
    assertThat(view)
        .as("view reads only")
        .allSatisfy(r -> assertThat(r.verb()).isIn("get", "list", "watch"))
        .allSatisfy(r -> assertThat(r.apiGroup()).isEqualTo(ExpectedPermissions.GROUP));
  }

  @Test
  void opsRoleRunsCommandsButNoUpgradeAndUpgradeRoleOnlyUpgrades() {
    List<JsonNode> docs = Charts.render(Map.of());
    Set<Rule> ops = rulesOf(clusterRole(docs, OPS));
    assertThat(mayCreate(ops)).containsExactlyInAnyOrder("opstasks", "tenantbootstraps");
    assertThat(ops)
        .as("the ops role never writes a status (only the operator does)")
        .noneMatch(r -> r.resource().contains("/"));
    Set<Rule> upgrade = rulesOf(clusterRole(docs, UPGRADE));
    assertThat(mayCreate(upgrade)).containsExactly("stackupgrades");
    assertThat(upgrade)
        .as("approving a plan is an update of spec.approvedPlan")
        .contains(new Rule(ExpectedPermissions.GROUP, "stackupgrades", "update", ""));
    for (JsonNode role : List.of(clusterRole(docs, OPS), clusterRole(docs, UPGRADE))) {
      assertThat(aggregationLabels(role)).as("%s joins no built-in role", name(role)).isEmpty();
    }
  }

  @Test
  void defaultEditAndAdminCreateNoneOfTheKinds() {
    List<JsonNode> docs = Charts.render(Map.of());
    for (String builtIn : List.of("edit", "admin")) {
      Set<Rule> rules = builtInRole(docs, builtIn);
      assertThat(mayCreate(rules)).as("%s creates", builtIn).isEmpty();
      assertThat(rules)
          .as("%s reads the kinds (through view)", builtIn)
          .contains(new Rule(ExpectedPermissions.GROUP, "opstasks", "list", ""));
    }
  }

  @Test
  void opsAndUpgradeJoinEditOrAdminOnlyWhenAsked() {
    List<JsonNode> docs =
        Charts.render(
            Map.of(
                "userRoles.ops.aggregateTo[0]",
                "edit",
                "userRoles.upgrade.aggregateTo[0]",
                "admin"));
    assertThat(mayCreate(builtInRole(docs, "edit")))
        .containsExactlyInAnyOrder("opstasks", "tenantbootstraps");
    assertThat(mayCreate(builtInRole(docs, "admin")))
        .as("edit joins admin, so admin gets ops and upgrade")
        .containsExactlyInAnyOrder("opstasks", "tenantbootstraps", "stackupgrades");
    assertThat(mayCreate(builtInRole(docs, "view"))).isEmpty();

    assertThatThrownBy(() -> Charts.render(Map.of("userRoles.ops.aggregateTo[0]", "cluster-admin")))
        .hasMessageContaining("userRoles/ops/aggregateTo/0");
    List<JsonNode> none = Charts.render(Map.of("userRoles.create", false));
    assertThat(Charts.ofKind(none, "ClusterRole"))
        .extracting(ChartTest::name)
        .containsExactly(Charts.RELEASE);
    List<JsonNode> notAggregated = Charts.render(Map.of("userRoles.view.aggregateToView", false));
    assertThat(builtInRole(notAggregated, "view")).isEmpty();
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
  void grafanaDashboardConfigMapForTheSidecarOnlyWhenEnabled() throws IOException {
    assertThat(Charts.ofKind(Charts.render(Map.of()), "ConfigMap")).isEmpty();

    JsonNode configMap =
        Charts.only(
            Charts.render(
                Map.of(
                    "metrics.grafanaDashboard.enabled",
                    true,
                    "metrics.grafanaDashboard.namespace",
                    "monitoring")),
            "ConfigMap");
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    JsonNode dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(configMap.at("/data/ttes-operator.json").asText());
    assertThat(dashboard)
        .as("the ConfigMap holds deploy/grafana's dashboard")
        .isEqualTo(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(GrafanaDashboardTest.DASHBOARD.toFile()));
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

  private static int sameJson(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return Double.compare(a.asDouble(), b.asDouble());
    }
    return a.equals(b) ? 0 : 1;
  }

  private static final String VIEW = "ttes-operator-view";
  private static final String OPS = "ttes-operator-ops";
  private static final String UPGRADE = "ttes-operator-upgrade";
  private static final String AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-";

  /**
   * What the chart adds to a built-in ClusterRole ("view", "edit", "admin") through aggregation:
   * the rules of its ClusterRoles labelled aggregate-to-that-role; and, as Kubernetes' own roles
   * are labelled (view aggregates to edit, edit to admin), what view gets edit gets, and admin gets
   * edit's.
   */
  private static Set<Rule> builtInRole(List<JsonNode> docs, String builtIn) {
    List<String> chain = List.of("view", "edit", "admin");
    Set<Rule> rules = new HashSet<>();
    for (String role : chain.subList(0, chain.indexOf(builtIn) + 1)) {
      for (JsonNode clusterRole : Charts.ofKind(docs, "ClusterRole")) {
        if (aggregationLabels(clusterRole).contains(role)) {
          rules.addAll(rulesOf(clusterRole));
        }
      }
    }
    return rules;
  }

  private static Set<String> aggregationLabels(JsonNode role) {
    Set<String> to = new HashSet<>();
    role.at("/metadata/labels")
        .fields()
        .forEachRemaining(
            l -> {
              if (l.getKey().startsWith(AGGREGATE_TO) && l.getValue().asText().equals("true")) {
                to.add(l.getKey().substring(AGGREGATE_TO.length()));
              }
            });
    return to;
  }

  private static JsonNode clusterRole(List<JsonNode> docs, String name) {
    return Charts.ofKind(docs, "ClusterRole").stream()
        .filter(r -> name(r).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ClusterRole " + name));
  }

  /** The kinds of ops.ttes.io that {@code rules} allow to create. */
  private static Set<String> mayCreate(Set<Rule> rules) {
    Set<String> kinds = new HashSet<>();
    for (Rule r : rules) {
      boolean anyGroup = r.apiGroup().equals("*") || r.apiGroup().equals(ExpectedPermissions.GROUP);
      boolean anyVerb = r.verb().equals("*") || r.verb().equals("create");
      if (anyGroup && anyVerb) {
        if (r.resource().equals("*")) {
          kinds.addAll(ExpectedPermissions.PLURALS);
        } else if (ExpectedPermissions.PLURALS.contains(r.resource())) {
          kinds.add(r.resource());
        }
      }
    }
    return kinds;
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
      granted.computeIfAbsent(scope, s -> new HashSet<>()).addAll(rulesOf(role));
    }
    return granted;
  }

  /** A (Cluster)Role's rules, one per (group, resource, verb, resourceName). */
  private static Set<Rule> rulesOf(JsonNode role) {
    Set<Rule> rules = new HashSet<>();
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
    return rules;
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
