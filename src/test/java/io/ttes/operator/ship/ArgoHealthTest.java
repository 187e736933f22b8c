package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.testing.Kstatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** What Argo CD shows for each ops.ttes.io object, from the Lua health checks in deploy/argocd. */
class ArgoHealthTest {

  /** One script serves every kind (Argo CD still needs an entry per kind, see argocd-cm-patch). */
  static Path script(String kind) {
    return Path.of("deploy/argocd/health.lua");
  }

  static Iterable<String> kinds() {
    return ExpectedPermissions.KINDS;
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void noStatusYetIsProgressing(String kind) throws IOException {
    assertThat(health(kind, "metadata: {name: x, generation: 1}\nspec: {}"))
        .containsExactly("Progressing", "Waiting for the operator to report status");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void statusOfAnOlderGenerationIsProgressingEvenIfItSaysReady(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 3}
        status:
          observedGeneration: 2
          conditions:
          - {type: Ready, status: "True", reason: Ready, message: all good}
        """;
    assertThat(health(kind, obj))
        .containsExactly("Progressing", "Waiting for the operator to observe generation 3");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void reconcilingIsProgressingWithTheOperatorsMessage(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 2}
        status:
          observedGeneration: 2
          phase: Running
          conditions:
          - {type: Ready, status: "False", reason: Reconciling, message: waiting}
          - {type: Reconciling, status: "True", reason: TaskRunning, message: ECS task RUNNING}
          - {type: Stalled, status: "False", reason: Ok, message: ""}
        """;
    assertThat(health(kind, obj)).containsExactly("Progressing", "ECS task RUNNING");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void stalledIsDegradedWithWhatToFix(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        status:
          observedGeneration: 1
          conditions:
          - {type: Ready, status: "True", reason: Ready, message: stale ready}
          - {type: Reconciling, status: "True", reason: Planning, message: planning}
          - {type: Stalled, status: "True", reason: MissingParameter, message: "parameter DbSize has no value"}
        """;
    assertThat(health(kind, obj)).containsExactly("Degraded", "parameter DbSize has no value");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void failedPhaseIsDegradedWithTheReadyMessage(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        status:
          observedGeneration: 1
          phase: Failed
          conditions:
          - {type: Ready, status: "False", reason: TaskFailed, message: exit code 1}
          - {type: Reconciling, status: "False", reason: Done}
        """;
    assertThat(health(kind, obj)).containsExactly("Degraded", "exit code 1");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void readyIsHealthy(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 4}
        spec: {suspend: false}
        status:
          observedGeneration: 4
          phase: Succeeded
          conditions:
          - {type: Ready, status: "True", reason: Succeeded, message: at version 3.33.2}
          - {type: Reconciling, status: "False", reason: Done}
          - {type: Stalled, status: "False", reason: Ok}
        """;
    assertThat(health(kind, obj)).containsExactly("Healthy", "at version 3.33.2");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void notReadyAndNothingElseSaidIsProgressing(String kind) throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        status:
          observedGeneration: 1
          conditions:
          - {type: Ready, status: "False", reason: Pending}
        """;
    assertThat(health(kind, obj)).containsExactly("Progressing", "Pending");
  }

  @Test
  void suspendedStackUpgradeIsSuspended() throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 2}
        spec: {suspend: true, targetVersion: 3.33.2}
        status:
          observedGeneration: 2
          phase: Updating
          conditions:
          - {type: Reconciling, status: "True", reason: Updating, message: updating stack}
        """;
    assertThat(health("StackUpgrade", obj))
        .containsExactly("Suspended", "Suspended (spec.suspend is true)");
  }

  @Test
  void stackUpgradeAwaitingApprovalIsSuspendedAndSaysWhatToSet() throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        spec: {approval: Manual}
        status:
          observedGeneration: 1
          phase: AwaitingApproval
          plan: {hash: 7c1e9a}
          conditions:
          - {type: Ready, status: "False", reason: AwaitingApproval}
          - {type: Reconciling, status: "True", reason: AwaitingApproval}
        """;
    assertThat(health("StackUpgrade", obj))
        .containsExactly(
            "Suspended", "Awaiting approval of the plan: set spec.approvedPlan to 7c1e9a");
  }

  @Test
  void suspendOnlyMeansSomethingForStackUpgrades() throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        spec: {suspend: true}
        status:
          observedGeneration: 1
          phase: AwaitingApproval
          conditions:
          - {type: Ready, status: "True", reason: Ready, message: fine}
        """;
    for (String kind : new String[] {"TTESCluster", "TenantBootstrap", "OpsTask"}) {
      assertThat(health(kind, obj)).as(kind).containsExactly("Healthy", "fine");
    }
  }

  @Test
  void aFinishedStackUpgradeIsHealthyEvenWhenSuspended() throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 2}
        spec: {suspend: true}
        status:
          observedGeneration: 2
          phase: Succeeded
          conditions:
          - {type: Ready, status: "True", reason: Succeeded, message: at version 3.33.2}
          - {type: Reconciling, status: "False", reason: Idle}
          - {type: Stalled, status: "False", reason: Progressing}
        """;
    assertThat(health("StackUpgrade", obj)).containsExactly("Healthy", "at version 3.33.2");
  }

  @Test
  void aStalledStackUpgradeIsDegradedEvenWhenSuspended() throws IOException {
    String obj =
        """
        metadata: {name: x, generation: 1}
        spec: {suspend: true}
        status:
          observedGeneration: 1
          conditions:
          - {type: Stalled, status: "True", reason: RollbackFailed, message: UPDATE_ROLLBACK_FAILED}
        """;
    assertThat(health("StackUpgrade", obj)).containsExactly("Degraded", "UPDATE_ROLLBACK_FAILED");
  }

  /**
   * The conditions {@link ConditionWriter} writes for each outcome, read by Argo CD and by kstatus
   * (Flux): the two never disagree about a failure, and a waiting upgrade is never healthy.
   */
  @ParameterizedTest
  @MethodSource("kinds")
  void argoAndKstatusReadTheOperatorsConditionsAlike(String kind) throws IOException {
    record Case(Outcome outcome, String phase, String argo, Kstatus.Status kstatus) {}
    List<Case> cases =
        List.of(
            new Case(Outcome.ready("Completed", "done"), "Succeeded", "Healthy", CURRENT),
            new Case(Outcome.reconciling("Running", "running"), "Running", "Progressing", WAITING),
            new Case(Outcome.stalled("InvalidSpec", "spec.x: bad"), "Pending", "Degraded", FAILED),
            new Case(Outcome.failed("NonZeroExit", "exit code 3"), "Failed", "Degraded", FAILED));
    for (Case c : cases) {
      KindStatusDoc doc = written(c.outcome(), c.phase());
      assertThat(health(kind, doc.yaml())[0]).as("%s %s", kind, c.phase()).isEqualTo(c.argo());
      assertThat(Kstatus.compute(doc.json())).as("%s %s", kind, c.phase()).isEqualTo(c.kstatus());
    }
  }

  @Test
  void aSuspendedUpgradeIsSuspendedInArgoAndInProgressForKstatus() throws IOException {
    KindStatusDoc doc =
        written(Outcome.reconciling("Suspended", "suspended before step x"), "Updating");
    String yaml = doc.yaml().replace("spec: {}", "spec: {suspend: true}");
    assertThat(health("StackUpgrade", yaml)[0]).isEqualTo("Suspended");
    assertThat(Kstatus.compute(doc.json())).isEqualTo(WAITING);
  }

  private static final Kstatus.Status CURRENT = Kstatus.Status.Current;
  private static final Kstatus.Status WAITING = Kstatus.Status.InProgress;
  private static final Kstatus.Status FAILED = Kstatus.Status.Failed;

  private record KindStatusDoc(String yaml, Map<String, Object> json) {}

  /** An object of generation 1 whose status ConditionWriter wrote for {@code outcome}. */
  @SuppressWarnings("unchecked")
  private static KindStatusDoc written(Outcome outcome, String phase) throws IOException {
    OpsTaskStatus status = new OpsTaskStatus();
    new ConditionWriter(Clock.systemUTC()).apply(status, 1L, outcome);
    Map<String, Object> statusMap = JSON.convertValue(status, Map.class);
    statusMap.put("phase", phase);
    Map<String, Object> obj = new LinkedHashMap<>();
    obj.put("metadata", Map.of("name", "x", "generation", 1));
    obj.put("spec", Map.of());
    obj.put("status", statusMap);
    // JSON is YAML in flow style.
    String yaml =
        "metadata: {name: x, generation: 1}\nspec: {}\nstatus: "
            + JSON.writeValueAsString(statusMap)
            + "\n";
    return new KindStatusDoc(yaml, obj);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs the script the way Argo CD does: the object in global {@code obj}, a table returned. */
  private static String[] health(String kind, String objectYaml) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    // Argo CD hands the script the whole object, kind included.
    globals.set("obj", toLua(Charts.YAML.readTree("kind: " + kind + "\n" + objectYaml)));
    LuaValue result = globals.load(Files.readString(script(kind)), script(kind).toString()).call();
    assertThat(result.istable()).as("%s returns a table", kind).isTrue();
    return new String[] {result.get("status").tojstring(), result.get("message").tojstring()};
  }

  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        table.set(e.getKey(), toLua(e.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isNull() || node.isMissingNode()) {
      return LuaValue.NIL;
    }
    return LuaValue.valueOf(node.asText());
  }
}
