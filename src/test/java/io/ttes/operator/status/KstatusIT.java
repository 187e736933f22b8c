package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.Kstatus;
import io.ttes.operator.testing.Manifests;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Drives the real operator (on the in-memory AWS fake) into every terminal and waiting state of
 * each kind and applies the kstatus rules ({@link Kstatus}) to what it wrote: a failed run computes
 * as Failed, a waiting one as InProgress, and only success (or a finished dry run) as Current. This
 * is what Flux's health checks and {@code kstatus}-based tools conclude; the README's GitOps table
 * lists the same.
 */
class KstatusIT {
  private static final String NS = "kstatus";
  private static final String CLUSTER = "prod-eu1";
  private static final String OPS_STACK = CLUSTER + "-5-2-ecs-ops";
  private static final String SERVICES_STACK = CLUSTER + "-5-4-ecs-services";
  private static final String URL =
      "https://thethingsindustries.s3.amazonaws.com/public/cloud/{version}/{template}.gen.template";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private FakeAws aws;
  private OperatorTestBed bed;
  private final List<String> seen = new ArrayList<>();

  private void start(int maxConcurrentTasks) {
    aws = new FakeAws();
    FakeDeployment.seed(aws, CLUSTER, "3.33.1");
    bed = new OperatorTestBed(NS, aws);
    FakeDeployment.create(
        bed.client(), NS, FakeDeployment.clusterYaml(CLUSTER, CLUSTER, true, maxConcurrentTasks));
    bed.awaitClusterReady(CLUSTER);
  }

  @AfterEach
  void stop() {
    if (bed != null) {
      bed.close();
    }
    seen.forEach(System.out::println);
  }

  @Test
  void ttesCluster() {
    start(4);
    expect(TTESCluster.class, CLUSTER, "Ready", c -> true, Kstatus.Status.Current);
    aws.stacks().stack(SERVICES_STACK).status("UPDATE_IN_PROGRESS");
    expect(
        TTESCluster.class,
        CLUSTER,
        "StacksInProgress",
        c -> reason(c.getStatus(), "Reconciling").equals(Reasons.STACKS_IN_PROGRESS),
        Kstatus.Status.InProgress);
    aws.stacks().stack(SERVICES_STACK).status("UPDATE_ROLLBACK_FAILED");
    expect(
        TTESCluster.class,
        CLUSTER,
        "StackFailed",
        c -> reason(c.getStatus(), "Stalled").equals(Reasons.STACK_FAILED),
        Kstatus.Status.Failed);
  }

  @Test
  void opsTask() {
    start(1);
    aws.ecs().whenCommand(List.of("tti-lw-stack", "ns-db", "migrate")).neverStop();
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "fails")).exitCode(3);
    bed.create(Manifests.opsTask("runs", "prod-eu1", List.of("ns-db", "migrate")), OpsTask.class);
    expect(OpsTask.class, "runs", "Running", t -> phase(t) == OpsTaskPhase.Running, IN_PROGRESS);
    bed.create(Manifests.opsTask("waits", "prod-eu1", List.of("is-db", "migrate")), OpsTask.class);
    expect(
        OpsTask.class,
        "waits",
        "Pending (WaitingForSlot)",
        t -> phase(t) == OpsTaskPhase.Pending,
        IN_PROGRESS);
    aws.ecs().finish(aws.ecs().startedTasks().get(0), 0);
    expect(OpsTask.class, "runs", "Succeeded", t -> phase(t) == OpsTaskPhase.Succeeded, CURRENT);
    expect(OpsTask.class, "waits", "Succeeded", t -> phase(t) == OpsTaskPhase.Succeeded, CURRENT);
    bed.create(Manifests.opsTask("fails", "prod-eu1", List.of("is-db", "fails")), OpsTask.class);
    expect(OpsTask.class, "fails", "Failed", t -> phase(t) == OpsTaskPhase.Failed, FAILED);
    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: no-secret}
        spec:
          clusterRef: {name: prod-eu1}
          command: [is-db, migrate, $(X)]
          secretArgs: [{name: X, secretKeyRef: {name: missing, key: x}}]
        """,
        OpsTask.class);
    expect(
        OpsTask.class,
        "no-secret",
        "Stalled (SecretNotFound)",
        t -> Reasons.SECRET_NOT_FOUND.equals(reason(t.getStatus(), "Stalled")),
        FAILED);
  }

  @Test
  void tenantBootstrap() {
    start(4);
    bed.secret("admin", Map.of("password", "kstatus-secret"));
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user")).exitCode(2);
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "create-tenant")).neverStop();
    bed.create(bootstrap("acme"), TenantBootstrap.class);
    expect(
        TenantBootstrap.class,
        "acme",
        "Running",
        t -> phase(t) == BootstrapPhase.Running,
        IN_PROGRESS);
    awaitTask("acme-create-tenant");
    aws.ecs().finish(runningTask("acme-create-tenant"), 0);
    expect(TenantBootstrap.class, "acme", "Failed", t -> phase(t) == BootstrapPhase.Failed, FAILED);

    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user")).exitCode(0);
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db", "create-tenant")).exitCode(0);
    bed.create(bootstrap("umbrella"), TenantBootstrap.class);
    expect(
        TenantBootstrap.class,
        "umbrella",
        "Succeeded",
        t -> phase(t) == BootstrapPhase.Succeeded,
        CURRENT);
  }

  @Test
  void stackUpgradeWaitingStates() {
    start(4);
    templates("3.33.2");
    bed.create(upgrade("dry-run", "3.33.2", "approval: Automatic\n  dryRun: true"), SU);
    expect(SU, "dry-run", "Planned (dry run)", u -> phase(u) == UpgradePhase.Planned, CURRENT);
    bed.create(upgrade("manual", "3.33.2", "approval: Manual"), SU);
    expect(
        SU,
        "manual",
        "AwaitingApproval",
        u -> phase(u) == UpgradePhase.AwaitingApproval,
        IN_PROGRESS);
    bed.create(upgrade("second", "3.33.2", "approval: Automatic"), SU);
    expect(
        SU,
        "second",
        "Pending (another upgrade holds the cluster)",
        u -> phase(u) == UpgradePhase.Pending && reason(u.getStatus(), "Reconciling") != null,
        IN_PROGRESS);
    bed.create(upgrade("downgrade", "3.32.0", "approval: Automatic"), SU);
    expect(
        SU,
        "downgrade",
        "Stalled (Downgrade)",
        u -> "Downgrade".equals(reason(u.getStatus(), "Stalled")),
        FAILED);
    bed.create(upgrade("same", "3.33.1", "approval: Automatic"), SU);
    expect(SU, "same", "Succeeded (AlreadyAtTarget)", u -> done(u), CURRENT);
  }

  @Test
  void stackUpgradeSuspendedThenFailed() {
    start(4);
    templates("3.33.2");
    aws.stacks()
        .nextUpdateEnds(OPS_STACK, "UPDATE_ROLLBACK_COMPLETE", "TaskDefinition", "image not found");
    bed.create(upgrade("up", "3.33.2", "approval: Automatic\n  suspend: true"), SU);
    expect(
        SU,
        "up",
        "Suspended",
        u -> "Suspended".equals(reason(u.getStatus(), "Reconciling")),
        IN_PROGRESS);
    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace(NS)
        .withName("up")
        .edit(
            u -> {
              u.getSpec().setSuspend(false);
              return u;
            });
    expect(SU, "up", "Failed (rollback)", u -> phase(u) == UpgradePhase.Failed, FAILED);
  }

  @Test
  void stackUpgradeSucceeded() {
    start(4);
    templates("3.33.2");
    bed.create(upgrade("up", "3.33.2", "approval: Automatic"), SU);
    expect(SU, "up", "Migrating or Updating", u -> running(u), IN_PROGRESS);
    expect(SU, "up", "Succeeded", u -> done(u), CURRENT);
  }

  // ---- helpers

  private static final Class<StackUpgrade> SU = StackUpgrade.class;
  private static final Kstatus.Status CURRENT = Kstatus.Status.Current;
  private static final Kstatus.Status FAILED = Kstatus.Status.Failed;
  private static final Kstatus.Status IN_PROGRESS = Kstatus.Status.InProgress;

  /** Waits for the state, then checks what kstatus computes from the object as stored. */
  private <T extends HasMetadata> void expect(
      Class<T> type, String name, String state, Predicate<T> reached, Kstatus.Status expected) {
    T object =
        bed.await(
            type,
            name,
            WAIT,
            o -> {
              KindStatus s = status(o);
              return s != null
                  && s.getObservedGeneration() != null
                  && s.getObservedGeneration().equals(o.getMetadata().getGeneration())
                  && reached.test(o);
            });
    Kstatus.Status computed = Kstatus.compute(object);
    seen.add(
        String.format(
            "kstatus: %-15s %-45s %s (Ready=%s Reconciling=%s Stalled=%s)",
            type.getSimpleName(),
            state,
            computed,
            cond(object, "Ready"),
            cond(object, "Reconciling"),
            cond(object, "Stalled")));
    assertThat(computed)
        .as("%s %s in state %s", type.getSimpleName(), name, state)
        .isEqualTo(expected);
  }

  private static KindStatus status(HasMetadata o) {
    Function<HasMetadata, KindStatus> get =
        x ->
            x instanceof TTESCluster c
                ? c.getStatus()
                : x instanceof OpsTask t
                    ? t.getStatus()
                    : x instanceof TenantBootstrap b
                        ? b.getStatus()
                        : ((StackUpgrade) x).getStatus();
    return get.apply(o);
  }

  private static String cond(HasMetadata o, String type) {
    var c = ConditionWriter.find(status(o), type);
    return c == null ? "-" : c.getStatus() + "/" + c.getReason();
  }

  private static String reason(KindStatus status, String type) {
    var c = ConditionWriter.find(status, type);
    return c != null && "True".equals(c.getStatus()) ? c.getReason() : "";
  }

  private static OpsTaskPhase phase(OpsTask t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private static BootstrapPhase phase(TenantBootstrap t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private static UpgradePhase phase(StackUpgrade u) {
    return u.getStatus() == null ? null : u.getStatus().getPhase();
  }

  private static boolean done(StackUpgrade u) {
    return phase(u) == UpgradePhase.Succeeded;
  }

  private static boolean running(StackUpgrade u) {
    return phase(u) == UpgradePhase.Updating || phase(u) == UpgradePhase.Migrating;
  }

  private void awaitTask(String name) {
    bed.await(OpsTask.class, name, WAIT, t -> phase(t) == OpsTaskPhase.Running);
  }

  private String runningTask(String opsTask) {
    return bed.get(OpsTask.class, opsTask).getStatus().getTaskArn();
  }

  /** The target version's templates declare the stacks' parameters; 5-2 and 5-4 change. */
  private void templates(String version) {
    for (String template : FakeDeployment.TEMPLATES) {
      String stack = CLUSTER + "-" + template;
      List<TemplateParameter> declared = new ArrayList<>();
      aws.stacks()
          .stack(stack)
          .info()
          .parameters()
          .keySet()
          .forEach(k -> declared.add(new TemplateParameter(k, null, false, null)));
      aws.changeSets()
          .template(
              URL.replace("{version}", version).replace("{template}", template),
              new TemplateSummary(declared, List.of()));
    }
    for (String stack : List.of(OPS_STACK, SERVICES_STACK)) {
      aws.changeSets()
          .changesFor(
              stack,
              List.of(
                  new ResourceChange(
                      "Modify", "TaskDefinition", "td", "AWS::ECS::TaskDefinition", "True")));
    }
  }

  private static String bootstrap(String tenant) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TenantBootstrap
        metadata: {name: %s}
        spec:
          clusterRef: {name: prod-eu1}
          tenant: {id: %s}
          admin: {email: admin@%s.example, passwordSecretRef: {name: admin, key: password}}
        """
        .formatted(tenant, tenant, tenant);
  }

  private static String upgrade(String name, String target, String extra) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s}
        spec:
          clusterRef: {name: prod-eu1}
          targetVersion: %s
          %s
        """
        .formatted(name, target, extra);
  }
}
