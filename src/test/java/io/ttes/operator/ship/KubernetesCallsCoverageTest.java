package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.ship.ExpectedPermissions.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes calls in src/main/java are covered by {@link ExpectedPermissions} (which the
 * chart's RBAC is checked against).
 *
 * <p>How the calls are found: the source is split into statements (comments and strings removed); a
 * statement that names a resource ({@code resources(OpsTask.class)}, {@code secrets()}, {@code
 * configMaps()}, {@code events()}, {@code leases()}, or {@code resource(x)} with {@code x} declared
 * as a custom resource) gives that resource the verbs called in the same statement ({@code .get()},
 * {@code .create()}, {@code .update()}, {@code .patch(}, {@code .edit(}, {@code .delete()}, {@code
 * .list()}, {@code .watch(}, {@code .updateStatus()}, {@code .patchStatus(}, {@code .editStatus(});
 * {@code var x = ...} binds {@code x} to the resource for later statements of the file. What the
 * Java Operator SDK does for the operator is derived from the source too: every {@code
 * Reconciler<X>} watches, finalizes and patches the status of X; every informer on {@code X.class}
 * lists and watches X; leader election uses the Lease.
 *
 * <p>Limits: a client handed to a helper under another variable name, a resource type only known at
 * run time ({@code resource(obj)} with {@code obj} typed {@code HasMetadata}), or a call through
 * reflection is not seen; the chart tests and the operator ITs against the in-process API (which
 * does not enforce RBAC) do not close that gap either, so new helpers should keep the {@code
 * client.resources(X.class)...verb()} shape.
 */
class KubernetesCallsCoverageTest {
  static final Path MAIN = Path.of("src/main/java");
  static final String API_PACKAGE = "io.ttes.operator.api.v1alpha1.";

  private static final Pattern RESOURCES_OF =
      Pattern.compile("\\bresources\\s*\\(\\s*(\\w+)\\.class");
  private static final Pattern RESOURCE_OF = Pattern.compile("\\.resource\\s*\\(\\s*(\\w+)\\s*\\)");
  private static final Pattern VAR_BINDING =
      Pattern.compile("^\\s*(?:final\\s+)?\\w+(?:<[^=]*>)?\\s+(\\w+)\\s*=");
  private static final Pattern RECONCILER = Pattern.compile("\\bReconciler\\s*<\\s*(\\w+)\\s*>");
  private static final Pattern INFORMER_OF =
      Pattern.compile("InformerEventSourceConfiguration\\s*\\.\\s*from\\s*\\(\\s*(\\w+)\\.class");

  private static final Map<String, List<String>> VERBS =
      Map.ofEntries(
          Map.entry("\\.get\\(\\s*\\)", List.of("get")),
          Map.entry("\\.list\\(", List.of("list")),
          Map.entry("\\.create\\(\\s*\\)", List.of("create")),
          Map.entry("\\.update\\(\\s*\\)", List.of("update")),
          Map.entry("\\.(patch|edit)\\(", List.of("patch")),
          Map.entry("\\.delete\\(\\s*\\)", List.of("delete")),
          Map.entry("\\.(watch|inform)\\(", List.of("list", "watch")),
          Map.entry("\\.updateStatus\\(\\s*\\)", List.of("update /status")),
          Map.entry("\\.(patchStatus|editStatus)\\(", List.of("patch /status")));

  @Test
  void everyCallOfTheOperatorIsGranted() throws IOException {
    Map<Rule, Set<String>> used = usedRules();
    Set<Rule> granted = new LinkedHashSet<>(ExpectedPermissions.watchedNamespaceRules());
    for (Rule lease : ExpectedPermissions.leaseRules("")) {
      granted.add(new Rule(lease.apiGroup(), lease.resource(), lease.verb(), ""));
    }
    Map<Rule, Set<String>> missing = new TreeMap<>(java.util.Comparator.comparing(Rule::toString));
    used.forEach(
        (rule, where) -> {
          if (!granted.contains(rule)) {
            missing.put(rule, where);
          }
        });
    assertThat(missing).as("calls not in ExpectedPermissions (rule → where)").isEmpty();
  }

  @Test
  void theScanSeesEachShapeOfCall() throws IOException {
    Map<Rule, Set<String>> used = usedRules();
    assertThat(used)
        .containsKeys(
            // var ops = client.resources(OpsTask.class)...; ops.resource(task).create()
            new Rule(ExpectedPermissions.GROUP, "opstasks", "create", ""),
            // context.getClient().secrets().inNamespace(ns).withName(name).get()
            new Rule("", "secrets", "get", ""),
            // var events = client.v1().events()...; events.resource(existing).update()
            new Rule("", "events", "update", ""),
            // TTESCluster latest = resource.get(); client.resource(latest).updateStatus()
            new Rule(ExpectedPermissions.GROUP, "ttesclusters/status", "update", ""),
            // a Reconciler<OpsTask>: the SDK's informer and finalizer
            new Rule(ExpectedPermissions.GROUP, "opstasks", "watch", ""),
            new Rule(ExpectedPermissions.GROUP, "opstasks/status", "patch", ""),
            new Rule("coordination.k8s.io", "leases", "update", ""));
  }

  @Test
  void theScannerBindsVariablesAndIgnoresCommentsAndStrings() {
    Map<Rule, Set<String>> used = new HashMap<>();
    scan(
        "X.java",
        """
        // client.secrets().delete();
        String s = "client.resources(OpsTask.class).delete()";
        var tasks = client.resources(OpsTask.class).inNamespace(ns);
        OpsTask t = tasks.withName(n).get();
        tasks
            .resource(t)
            .patch(PatchContext.of(PatchType.JSON_MERGE), t);
        """,
        used);
    assertThat(used.keySet())
        .containsExactlyInAnyOrder(
            new Rule(ExpectedPermissions.GROUP, "opstasks", "get", ""),
            new Rule(ExpectedPermissions.GROUP, "opstasks", "patch", ""));
  }

  /** Rule → files using it. */
  static Map<Rule, Set<String>> usedRules() throws IOException {
    Map<Rule, Set<String>> used = new HashMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        scan(MAIN.relativize(file).toString(), Files.readString(file), used);
      }
    }
    return used;
  }

  static void scan(String fileName, String source, Map<Rule, Set<String>> used) {
    String code = AwsOperationsCoverageTest.withoutCommentsAndStrings(source);
    Map<String, String> declaredKinds = declaredKinds(code);
    Map<String, String[]> bound = new HashMap<>();
    for (String statement : code.split("[;{}]")) {
      String[] resource = resourceOf(statement, declaredKinds, bound);
      if (resource == null) {
        continue;
      }
      Matcher binding = VAR_BINDING.matcher(statement);
      if (binding.find() && statement.indexOf('.') > binding.end()) {
        bound.put(binding.group(1), resource);
      }
      VERBS.forEach(
          (pattern, verbs) -> {
            if (Pattern.compile(pattern).matcher(statement).find()) {
              for (String verb : verbs) {
                boolean status = verb.endsWith(" /status");
                used.computeIfAbsent(
                        new Rule(
                            resource[0],
                            resource[1] + (status ? "/status" : ""),
                            verb.replace(" /status", ""),
                            ""),
                        k -> new TreeSet<>())
                    .add(fileName);
              }
            }
          });
    }
    // What the SDK does for the reconcilers and informers registered in this file.
    Matcher reconciler = RECONCILER.matcher(code);
    while (reconciler.find()) {
      String[] r = customResource(reconciler.group(1));
      if (r != null) {
        for (String verb : List.of("get", "list", "watch", "patch")) {
          add(used, new Rule(r[0], r[1], verb, ""), fileName + " (SDK: informer, finalizer)");
        }
        add(used, new Rule(r[0], r[1] + "/status", "patch", ""), fileName + " (SDK: status)");
      }
    }
    Matcher informer = INFORMER_OF.matcher(code);
    while (informer.find()) {
      String[] r = customResource(informer.group(1));
      if (r != null) {
        for (String verb : List.of("list", "watch")) {
          add(used, new Rule(r[0], r[1], verb, ""), fileName + " (SDK: informer)");
        }
      }
    }
    if (code.contains("LeaderElectionConfiguration")) {
      for (String verb : List.of("create", "get", "update")) {
        add(
            used,
            new Rule("coordination.k8s.io", "leases", verb, ""),
            fileName + " (SDK: leader election)");
      }
    }
  }

  private static void add(Map<Rule, Set<String>> used, Rule rule, String where) {
    used.computeIfAbsent(rule, k -> new TreeSet<>()).add(where);
  }

  /** The (apiGroup, plural) a statement works on, or null. */
  private static String[] resourceOf(
      String statement, Map<String, String> declaredKinds, Map<String, String[]> bound) {
    Matcher m = RESOURCES_OF.matcher(statement);
    if (m.find()) {
      return customResource(m.group(1));
    }
    if (statement.matches("(?s).*\\.secrets\\s*\\(\\s*\\).*")) {
      return new String[] {"", "secrets"};
    }
    if (statement.matches("(?s).*\\.configMaps\\s*\\(\\s*\\).*")) {
      return new String[] {"", "configmaps"};
    }
    if (statement.matches("(?s).*\\.events\\s*\\(\\s*\\).*")) {
      return new String[] {"", "events"};
    }
    if (statement.matches("(?s).*\\.leases\\s*\\(\\s*\\).*")) {
      return new String[] {"coordination.k8s.io", "leases"};
    }
    for (Map.Entry<String, String[]> b : bound.entrySet()) {
      if (Pattern.compile("(?<![.\\w])" + Pattern.quote(b.getKey()) + "\\s*\\.")
          .matcher(statement)
          .find()) {
        return b.getValue();
      }
    }
    Matcher single = RESOURCE_OF.matcher(statement);
    if (single.find() && declaredKinds.containsKey(single.group(1))) {
      return customResource(declaredKinds.get(single.group(1)));
    }
    return null;
  }

  /** Variables declared with a custom resource type: name → kind class. */
  private static Map<String, String> declaredKinds(String code) {
    Map<String, String> out = new HashMap<>();
    for (String kind : ExpectedPermissions.KINDS) {
      Matcher m = Pattern.compile("\\b" + kind + "\\s+(\\w+)\\s*[=;,)]").matcher(code);
      while (m.find()) {
        out.put(m.group(1), kind);
      }
    }
    return out;
  }

  /** (apiGroup, plural) of a class of the API package, or null for other classes. */
  @SuppressWarnings("unchecked")
  private static String[] customResource(String simpleName) {
    try {
      Class<? extends HasMetadata> type =
          (Class<? extends HasMetadata>) Class.forName(API_PACKAGE + simpleName);
      return new String[] {HasMetadata.getGroup(type), HasMetadata.getPlural(type)};
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
