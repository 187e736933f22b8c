package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ClusterStep;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.TaskSlots;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.RecordedEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciles of one bootstrap over its dependency graph: which OpsTasks each reconcile creates
 * (in an in-process Kubernetes API, through the operator's own {@link OwnedOpsTasks}), what the
 * status says meanwhile, and what a failure, a retry and a restart do. The OpsTasks' phases are set
 * by the test as the OpsTask controller would write them.
 */
class BootstrapRunTest {
  private static final String NS = "boot";
  private static final String CLUSTER = "prod-eu1";
  private static final String STORAGE = "prod-eu1-storage-db-init";
  private static final String NOC = "prod-eu1-noc-db-init";
  private static final String MIGRATE = "prod-eu1-is-db-migrate";
  private static final String CLI = "prod-eu1-oauth-client-cli";
  private static final String CONSOLE = "prod-eu1-oauth-client-console";
  private static final String NOC_CLIENT = "prod-eu1-oauth-client-noc";
  private static final String TENANT = "acme-create-tenant";
  private static final String ADMIN = "acme-create-admin-user";

  private final KubeApi api = KubeApi.start();
  private final OwnedOpsTasks opsTasks = new OwnedOpsTasks(api.client());
  private final BootstrapTasks tasks = new BootstrapTasks(opsTasks);
  private final List<BootstrapStep> steps =
      BootstrapSteps.plan(BootstrapStepsTest.cluster(true), BootstrapStepsTest.example());
  private final TenantBootstrap tb = new TenantBootstrap();
  private final RecordedEvents recorded = new RecordedEvents();
  private final List<String> events = recorded.lines();
  private final BootstrapReport report = new BootstrapReport(recorded);

  /** The cluster's record of done cluster-wide steps, as the ledger keeps it. */
  private final Map<String, ClusterStep> ledger = new HashMap<>();

  /** The cluster's bootstrap guard holder (null: free). */
  private String holder;

  /** Task names the run asked to create, in order (adopted ones included). */
  private final List<String> asked = new ArrayList<>();

  /** Fails the create of this task name once, as a crash at that line would. */
  private String crashAt;

  private TenantBootstrapStatus status = new TenantBootstrapStatus();

  BootstrapRunTest() {
    api.createNamespace(NS);
    tb.setMetadata(
        new ObjectMetaBuilder().withName("acme").withNamespace(NS).withUid("uid-acme").build());
    tb.setSpec(BootstrapStepsTest.example());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  // ---- one reconcile

  /**
   * One reconcile of the bootstrap's steps, its OpsTasks read from the API as the cache holds them.
   */
  private Outcome reconcile() {
    return reconcile(observed());
  }

  private Outcome reconcile(Map<String, OpsTaskStatus> cache) {
    BootstrapRecords.handleRetry(tb, status);
    BootstrapRecords.syncStepList(status, steps);
    boolean started = BootstrapRecords.started(status);
    if (status.getPhase() == BootstrapPhase.Failed) {
      return BootstrapReport.stillFailed(status);
    }
    String me = NS + "/acme";
    ClusterStepsGuard guard =
        new ClusterStepsGuard(
            me,
            holder,
            new ClusterStepsGuard.Hold() {
              @Override
              public String acquire() {
                holder = holder == null ? me : holder;
                return holder;
              }

              @Override
              public void release() {
                holder = me.equals(holder) ? null : holder;
              }
            });
    BootstrapRun.Actions actions =
        new BootstrapRun.Actions() {
          @Override
          public OpsTask create(BootstrapStep step, String taskName) {
            asked.add(taskName);
            if (taskName.equals(crashAt)) {
              crashAt = null;
              throw new IllegalStateException("crash before creating " + taskName);
            }
            return tasks.create(tb, CLUSTER, step, taskName);
          }

          @Override
          public void recordDone(BootstrapStep step, String taskName, String message) {
            ClusterStep s = new ClusterStep();
            s.setName(step.name());
            s.setPhase("Succeeded");
            s.setOpsTask(taskName);
            s.setBootstrap(me);
            ledger.putIfAbsent(step.name(), s);
          }

          @Override
          public void checkReferences(BootstrapStep step) {}
        };
    return new BootstrapRun(
            steps,
            Map.copyOf(ledger),
            s -> BootstrapRecords.taskName(tb, CLUSTER, s, status),
            guard,
            actions,
            report)
        .run(tb, status, cache, started);
  }

  // ---- the OpsTasks in the API

  private Map<String, OpsTaskStatus> observed() {
    Map<String, OpsTaskStatus> seen = new HashMap<>();
    for (OpsTask t : list()) {
      seen.put(t.getMetadata().getName(), t.getStatus());
    }
    return seen;
  }

  private List<OpsTask> list() {
    return api.client().resources(OpsTask.class).inNamespace(NS).list().getItems();
  }

  /** The OpsTasks' names with their uids (a task created twice would show a new uid). */
  private Map<String, String> uids() {
    Map<String, String> uids = new TreeMap<>();
    list().forEach(t -> uids.put(t.getMetadata().getName(), t.getMetadata().getUid()));
    return uids;
  }

  private List<String> taskNames() {
    return List.copyOf(uids().keySet());
  }

  /** Writes the task's status as the OpsTask controller would. */
  private void phase(String task, OpsTaskPhase phase, String reason, String message) {
    OpsTask t = api.client().resources(OpsTask.class).inNamespace(NS).withName(task).get();
    OpsTaskStatus s = new OpsTaskStatus();
    s.setPhase(phase);
    s.setReason(reason);
    s.setMessage(message);
    if (phase == OpsTaskPhase.Succeeded) {
      s.setExitCode(0);
    } else if (phase == OpsTaskPhase.Failed) {
      s.setExitCode(2);
      s.setLogTail("connection refused");
    }
    t.setStatus(s);
    api.client().resource(t).updateStatus();
  }

  private void running(String... names) {
    for (String n : names) {
      phase(n, OpsTaskPhase.Running, "Running", "running");
    }
  }

  private void succeeded(String... names) {
    for (String n : names) {
      phase(n, OpsTaskPhase.Succeeded, "Succeeded", "exit code 0");
    }
  }

  private Map<String, String> stepPhases() {
    Map<String, String> phases = new java.util.LinkedHashMap<>();
    status.getSteps().forEach(s -> phases.put(s.getName(), s.getPhase()));
    return phases;
  }

  private Step record(String step) {
    return BootstrapRecords.record(status, step);
  }

  // ---- tests

  @Test
  void theThreeInitStepsAreCreatedInOneReconcileAndNothingElse() {
    Outcome o = reconcile();

    assertThat(taskNames()).containsExactly(MIGRATE, NOC, STORAGE);
    assertThat(o.reason()).isEqualTo(Reasons.STEP_RUNNING);
    assertThat(o.message()).isEqualTo("starting: storage-db-init, noc-db-init, is-db-migrate");
    assertThat(status.getSteps())
        .extracting(Step::getName, Step::getOpsTask)
        .startsWith(
            org.assertj.core.groups.Tuple.tuple("storage-db-init", STORAGE),
            org.assertj.core.groups.Tuple.tuple("noc-db-init", NOC),
            org.assertj.core.groups.Tuple.tuple("is-db-migrate", MIGRATE),
            org.assertj.core.groups.Tuple.tuple("oauth-client-cli", null));
    assertThat(status.getSteps()).hasSize(8);
    assertThat(events).filteredOn(e -> e.startsWith("Normal StepStarted")).hasSize(3);
    assertThat(holder).isEqualTo(NS + "/acme");
  }

  @Test
  void theOAuthClientsStartOnlyOnceIsDbMigrateSucceededAndTheTenantStepsAfterAllOfThem() {
    reconcile();
    running(STORAGE, NOC, MIGRATE);
    assertThat(reconcile().message())
        .isEqualTo("running: storage-db-init, noc-db-init, is-db-migrate");
    assertThat(taskNames()).hasSize(3);

    succeeded(MIGRATE);
    Outcome o = reconcile();

    assertThat(taskNames()).containsExactly(MIGRATE, NOC, CLI, CONSOLE, NOC_CLIENT, STORAGE);
    assertThat(o.message())
        .isEqualTo(
            "running: storage-db-init, noc-db-init;"
                + " starting: oauth-client-cli, oauth-client-console, oauth-client-noc");
    assertThat(ledger).containsOnlyKeys("is-db-migrate");

    succeeded(STORAGE, CLI, CONSOLE, NOC_CLIENT);
    reconcile();
    assertThat(taskNames()).as("the tenant waits for noc-db-init too").hasSize(6);
    assertThat(holder).isNotNull();

    succeeded(NOC);
    assertThat(reconcile().message()).isEqualTo("starting: create-tenant");
    assertThat(taskNames()).hasSize(7).contains(TENANT).doesNotContain(ADMIN);
    assertThat(holder).as("the tenant steps give the cluster's guard back").isNull();

    succeeded(TENANT);
    reconcile();
    succeeded(ADMIN);
    Outcome done = reconcile();
    assertThat(done.state()).isEqualTo(Outcome.State.READY);
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Succeeded);
    assertThat(taskNames()).hasSize(8);
  }

  @Test
  void withMaxConcurrentTasksTwoTheThirdInitStepWaitsForASlot() {
    reconcile();
    // The OpsTask controller gives each created task a slot of the cluster's line, oldest first.
    TaskSlots slots =
        new TaskSlots(MutableClock.at("2025-01-01T00:00:00Z"), Duration.ofMinutes(10));
    List<String> granted = new ArrayList<>();
    for (String name : List.of(STORAGE, NOC, MIGRATE)) {
      TaskSlots.Decision d = slots.tryAcquire(CLUSTER, name, null, 2);
      if (d.granted()) {
        granted.add(name);
        running(name);
      } else {
        phase(
            name,
            OpsTaskPhase.Pending,
            Reasons.WAITING_FOR_SLOT,
            "waiting for a free slot on TTESCluster prod-eu1: " + d.describe());
      }
    }

    Outcome o = reconcile();

    assertThat(granted).containsExactly(STORAGE, NOC);
    assertThat(o.message())
        .isEqualTo("running: storage-db-init, noc-db-init; waiting for a slot: is-db-migrate");
    assertThat(record("is-db-migrate"))
        .extracting(Step::getPhase, Step::getMessage)
        .containsExactly(
            "Pending",
            "waiting for a free slot on TTESCluster prod-eu1: 1st in line, 2 of 2 running");
    assertThat(taskNames()).as("nothing else starts while it waits").hasSize(3);

    slots.release(STORAGE);
    succeeded(STORAGE);
    assertThat(slots.tryAcquire(CLUSTER, MIGRATE, null, 2).granted()).isTrue();
    running(MIGRATE);
    assertThat(reconcile().message()).isEqualTo("running: noc-db-init, is-db-migrate");
  }

  @Test
  void aFailedNocDbInitLetsTheIndependentStepsFinishStopsTheTenantStepsAndARetryRunsOnlyIt() {
    reconcile();
    running(STORAGE, MIGRATE);
    phase(NOC, OpsTaskPhase.Failed, "Failed", "exit code 2");

    Outcome meanwhile = reconcile();

    assertThat(meanwhile.state()).isEqualTo(Outcome.State.RECONCILING);
    assertThat(meanwhile.reason()).isEqualTo(Reasons.STEP_FAILED);
    assertThat(meanwhile.message())
        .startsWith("step noc-db-init failed: exit code 2")
        .contains(
            "it stops create-tenant, create-admin-user",
            "the steps that do not need it go on (running: storage-db-init, is-db-migrate)");
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Running);
    assertThat(events).anyMatch(e -> e.startsWith("Warning StepFailed: step noc-db-init failed"));

    succeeded(MIGRATE);
    reconcile();
    assertThat(taskNames())
        .as("the OAuth clients need is-db-migrate only: they start")
        .containsExactly(MIGRATE, NOC, CLI, CONSOLE, NOC_CLIENT, STORAGE);

    succeeded(STORAGE, CLI, CONSOLE, NOC_CLIENT);
    Outcome failed = reconcile();

    assertThat(failed.state()).isEqualTo(Outcome.State.FAILED);
    assertThat(failed.message())
        .startsWith("step noc-db-init failed: exit code 2")
        .contains("it stopped create-tenant, create-admin-user", ApiGroup.RETRY_ANNOTATION);
    assertThat(status.getPhase()).isEqualTo(BootstrapPhase.Failed);
    assertThat(stepPhases())
        .containsExactly(
            Map.entry("storage-db-init", "Succeeded"),
            Map.entry("noc-db-init", "Failed"),
            Map.entry("is-db-migrate", "Succeeded"),
            Map.entry("oauth-client-cli", "Succeeded"),
            Map.entry("oauth-client-console", "Succeeded"),
            Map.entry("oauth-client-noc", "Succeeded"),
            Map.entry("create-tenant", "Pending"),
            Map.entry("create-admin-user", "Pending"));
    assertThat(record("create-tenant").getMessage())
        .isEqualTo("stopped: it needs noc-db-init, which failed");
    assertThat(taskNames()).doesNotContain(TENANT, ADMIN);
    assertThat(holder).as("nothing runs any more: the guard is free").isNull();
    assertThat(reconcile().message()).isEqualTo(failed.message());

    tb.getMetadata().setAnnotations(Map.of(ApiGroup.RETRY_ANNOTATION, "1"));
    Outcome retried = reconcile();

    assertThat(taskNames()).hasSize(7).contains(NOC + "-r2");
    assertThat(retried.message()).isEqualTo("starting: noc-db-init");
    assertThat(record("create-tenant").getMessage()).isNull();
    succeeded(NOC + "-r2");
    reconcile();
    assertThat(taskNames()).hasSize(8).contains(TENANT);
  }

  @Test
  void aRetryAskedWhileTheIndependentStepsStillRunIsNotLost() {
    reconcile();
    running(STORAGE, MIGRATE);
    phase(NOC, OpsTaskPhase.Failed, "Failed", "exit code 2");
    reconcile();

    tb.getMetadata().setAnnotations(Map.of(ApiGroup.RETRY_ANNOTATION, "early"));
    Outcome o = reconcile();

    assertThat(status.getRetryToken()).isEqualTo("early");
    assertThat(taskNames()).contains(NOC + "-r2");
    assertThat(o.message())
        .isEqualTo("running: storage-db-init, is-db-migrate; starting: noc-db-init");
  }

  @Test
  void aRestartMidWaveAdoptsTheTasksItCreatedAndCreatesNoSecondOne() {
    reconcile();
    Map<String, String> first = uids();
    // The status written by that reconcile is lost (a crash before the patch), and the informer
    // cache of the restarted operator does not show the tasks yet.
    status = new TenantBootstrapStatus();

    Outcome o = reconcile(Map.of());

    assertThat(uids()).isEqualTo(first);
    assertThat(o.message()).isEqualTo("starting: storage-db-init, noc-db-init, is-db-migrate");
    assertThat(status.getSteps()).extracting(Step::getOpsTask).startsWith(STORAGE, NOC, MIGRATE);

    // A crash between two creates of the OAuth wave: the restart creates the one missing.
    running(STORAGE, NOC);
    succeeded(MIGRATE);
    TenantBootstrapStatus beforeWave = copy(status);
    crashAt = CONSOLE;
    assertThatThrownBy(this::reconcile).hasMessageContaining("crash before creating");
    assertThat(taskNames()).contains(CLI).doesNotContain(CONSOLE, NOC_CLIENT);
    Map<String, String> mid = uids();
    status = beforeWave;

    reconcile(Map.of());

    assertThat(uids()).containsAllEntriesOf(mid).hasSize(6).containsKeys(CONSOLE, NOC_CLIENT);
    assertThat(asked.stream().filter(CLI::equals)).hasSize(2);
    assertThat(status.getSteps())
        .extracting(Step::getOpsTask)
        .containsSubsequence(STORAGE, NOC, MIGRATE, CLI, CONSOLE, NOC_CLIENT);
  }

  private TenantBootstrapStatus copy(TenantBootstrapStatus s) {
    var json = api.client().getKubernetesSerialization();
    return json.unmarshal(json.asJson(s), TenantBootstrapStatus.class);
  }
}
