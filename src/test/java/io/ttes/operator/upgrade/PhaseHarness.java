package io.ttes.operator.upgrade;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.testing.KubeApi;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * The upgrade's phase handlers ({@link PhaseTable}) without the operator: one call of {@link
 * #reconcile()} is what one reconcile hands to the handler of the stored phase, with a status read
 * from and written back to {@link #upgrade}; {@link #restart()} wires new handlers (empty template
 * summary cache), as a restarted operator does. AWS is {@link FakeAws}; Kubernetes (events, the
 * migrations' OpsTasks, the upgrade object) is the in-process {@link KubeApi}.
 *
 * <p>Three stacks of cluster "prod": the Aurora stack, the ops stack (migrations follow it) and the
 * services stack, at 3.33.1, upgraded to 3.33.2 ({@link #between} for other versions).
 */
final class PhaseHarness implements AutoCloseable {
  static final String NS = "ns";
  static final String URL = "https://templates.example/{version}/{template}.yml";
  static final String IMAGE = "docker.io/thethingsindustries/lorawan-stack:";
  static final String AURORA = "prod-2-1-db-aurora-master";
  static final String OPS = "prod-5-2-ecs-ops";
  static final String SERVICES = "prod-5-4-ecs-services";

  final KubeApi api = KubeApi.start();
  final KubernetesClient client = api.client();
  final FakeAws aws = new FakeAws(Clock.systemUTC());
  final TTESCluster cluster;
  StackUpgrade upgrade;

  /** The version the cluster reports to the handlers. */
  String observed = "3.33.1";

  /** What checks the spec each reconcile (the shipped release catalogue unless a test sets one). */
  UpgradeValidator validator = new UpgradeValidator();

  private PhaseTable phases;
  private final Clock clock;

  /** The versions whose templates exist (the target and, for a multi-hop upgrade, each hop's). */
  private final List<String> versions;

  /**
   * Stacks at {@code from} (their images), an upgrade to {@code target}, and templates of every
   * version in {@code versions} declaring what the stacks have.
   */
  static PhaseHarness between(String spec, String from, String target, String... versions) {
    return new PhaseHarness(spec, Clock.systemUTC(), from, target, List.of(versions));
  }

  /** {@code spec} is the StackUpgrade's spec in YAML, indented by two spaces. */
  PhaseHarness(String spec) {
    this(spec, Clock.systemUTC());
  }

  /** The same, with the handlers reading {@code clock} (a maintenance window, step times). */
  PhaseHarness(String spec, Clock clock) {
    this(spec, clock, "3.33.1", "3.33.2", List.of("3.33.2"));
  }

  private PhaseHarness(
      String spec, Clock clock, String from, String target, List<String> versions) {
    this.clock = clock;
    this.versions = List.copyOf(versions);
    this.observed = from;
    api.createNamespace(NS);
    aws.changeSets().defaultChanges(FakeChangeSets::parameterDiff);
    stack(AURORA, "2-1-db-aurora-master", Map.of("DBSnapshotIdentifier", ""));
    stack(OPS, "5-2-ecs-ops", Map.of("Image", IMAGE + from + "-aws"));
    stack(SERVICES, "5-4-ecs-services", Map.of("Image", IMAGE + from + "-aws", "Replicas", "2"));
    TTESCluster c =
        client
            .getKubernetesSerialization()
            .unmarshal(
                """
                apiVersion: ops.ttes.io/v1alpha1
                kind: TTESCluster
                metadata: {name: prod, namespace: ns}
                spec:
                  region: eu-west-1
                  naming: {network: prod, environment: eu1, cluster: c1}
                  stacks:
                    - {name: prod-5-4-ecs-services, template: 5-4-ecs-services}
                    - {name: prod-5-2-ecs-ops, template: 5-2-ecs-ops}
                    - {name: prod-2-1-db-aurora-master, template: 2-1-db-aurora-master}
                  ops: {ecs: {stack: prod-5-2-ecs-ops}}
                  templates: {urlPattern: "https://templates.example/{version}/{template}.yml"}
                """,
                TTESCluster.class);
    cluster = client.resource(c).create();
    // The upgrade holds the cluster's lock, as after PendingPhase took it.
    TTESClusterStatus status = new TTESClusterStatus();
    status.setActiveUpgrade("up");
    status.setVersion(from);
    cluster.setStatus(status);
    cluster.setStatus(client.resource(cluster).updateStatus().getStatus());
    StackUpgrade su =
        client
            .getKubernetesSerialization()
            .unmarshal(
                """
                apiVersion: ops.ttes.io/v1alpha1
                kind: StackUpgrade
                metadata: {name: up, namespace: ns}
                spec:
                  clusterRef: {name: prod}
                  targetVersion: %s
                %s"""
                    .formatted(target, spec),
                StackUpgrade.class);
    upgrade = client.resource(su).create();
    restart();
  }

  /** A stack at 3.33.1 whose 3.33.2 template (each version's) declares the same parameters. */
  void stack(String name, String template, Map<String, String> parameters) {
    var s = aws.stacks().stack(name).status("UPDATE_COMPLETE").tag("cost-center", "lora-1");
    parameters.forEach(s::parameter);
    List<TemplateParameter> declared = new ArrayList<>();
    parameters.keySet().forEach(k -> declared.add(new TemplateParameter(k, null, false, null)));
    template(template, declared);
  }

  /** Replaces the 3.33.2 template summary (each version's) of {@code template}. */
  void template(String template, List<TemplateParameter> declared) {
    for (String version : versions) {
      aws.changeSets()
          .template(
              URL.replace("{version}", version).replace("{template}", template),
              new TemplateSummary(declared, List.of("CAPABILITY_IAM")));
    }
  }

  /** New handlers, as a restarted operator wires them: nothing is remembered but the status. */
  void restart() {
    phases =
        new PhaseTable(
            aws,
            new EventRecorder(client, clock),
            OperatorConfig.defaults().withPolling(Duration.ofMillis(50), Duration.ofSeconds(1)),
            new OwnedOpsTasks(client),
            new UpgradeLock(client),
            clock);
  }

  /** One reconcile of the upgrade's stored phase; the status it computed is stored. */
  PhaseResult reconcile() {
    var serialization = client.getKubernetesSerialization();
    StackUpgradeStatus copy =
        upgrade.getStatus() == null
            ? new StackUpgradeStatus()
            : serialization.clone(upgrade.getStatus());
    UpgradeRun run = new UpgradeRun(upgrade, new TestContext(), copy, this::write);
    run.cluster = cluster;
    run.validation = validator.validate(upgrade.getSpec(), cluster.getSpec(), observed, copy);
    PhaseResult result = phases.handle(run, copy.getPhase(), observed);
    upgrade = write(run.resource, null, run.status);
    return result;
  }

  /** Reconciles until the stored phase is {@code phase}; fails after 50 reconciles. */
  PhaseResult reconcileUntil(io.ttes.operator.api.v1alpha1.UpgradePhase phase) {
    PhaseResult last = null;
    for (int i = 0; i < 50; i++) {
      if (upgrade.getStatus() != null && upgrade.getStatus().getPhase() == phase) {
        return last;
      }
      last = reconcile();
    }
    throw new AssertionError(
        "not " + phase + " after 50 reconciles: " + (last == null ? null : last.outcome()));
  }

  StackUpgradeStatus status() {
    return upgrade.getStatus();
  }

  /** Edits the stored spec (the digest the plan was made for is kept when nothing else changes). */
  void editSpec(java.util.function.Consumer<io.ttes.operator.api.v1alpha1.StackUpgradeSpec> edit) {
    edit.accept(upgrade.getSpec());
  }

  int calls(String operation) {
    return aws.calls().count(operation);
  }

  /** The migration OpsTasks succeed, as the OpsTask reconciler would report. */
  void succeedOpsTasks() {
    for (OpsTask t : opsTasks()) {
      var status = new io.ttes.operator.api.v1alpha1.OpsTaskStatus();
      status.setPhase(io.ttes.operator.api.v1alpha1.OpsTaskPhase.Succeeded);
      t.setStatus(status);
      client.resource(t).updateStatus();
    }
  }

  List<OpsTask> opsTasks() {
    return client.resources(OpsTask.class).inNamespace(NS).list().getItems();
  }

  private StackUpgrade write(
      StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus status) {
    StackUpgrade copy = client.getKubernetesSerialization().clone(resource);
    copy.setStatus(client.getKubernetesSerialization().clone(status));
    // Stored, as by the API server: a checkpoint outlives a reconcile that throws after it.
    upgrade = copy;
    return copy;
  }

  @Override
  public void close() {
    api.close();
  }

  /** The parts of a reconcile's context the handlers use: the client and the owned OpsTasks. */
  private final class TestContext implements Context<StackUpgrade> {
    @Override
    public Optional<RetryInfo> getRetryInfo() {
      return Optional.empty();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> Set<R> getSecondaryResources(Class<R> type) {
      if (type != OpsTask.class) {
        throw new UnsupportedOperationException("no secondary " + type.getSimpleName());
      }
      return (Set<R>) new HashSet<>(opsTasks());
    }

    @Override
    public <R> Optional<R> getSecondaryResource(Class<R> type, String eventSourceName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ControllerConfiguration<StackUpgrade> getControllerConfiguration() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ManagedWorkflowAndDependentResourceContext managedWorkflowAndDependentResourceContext() {
      throw new UnsupportedOperationException();
    }

    @Override
    public EventSourceRetriever<StackUpgrade> eventSourceRetriever() {
      throw new UnsupportedOperationException();
    }

    @Override
    public KubernetesClient getClient() {
      return client;
    }

    @Override
    public ExecutorService getWorkflowExecutorService() {
      throw new UnsupportedOperationException();
    }

    @Override
    public StackUpgrade getPrimaryResource() {
      return upgrade;
    }

    @Override
    public IndexedResourceCache<StackUpgrade> getPrimaryCache() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isNextReconciliationImminent() {
      return false;
    }

    @Override
    public boolean isPrimaryResourceDeleted() {
      return false;
    }

    @Override
    public boolean isPrimaryResourceFinalStateUnknown() {
      return false;
    }
  }
}
