package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.IdentityServerMode;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order of the bootstrap steps as dependencies, and the steps it lets move at once. */
class BootstrapOrderTest {
  private static final String STORAGE = BootstrapSteps.STORAGE_INIT;
  private static final String NOC = BootstrapSteps.NOC_INIT;
  private static final String MIGRATE = BootstrapSteps.IS_MIGRATE;
  private static final String CLI = BootstrapSteps.OAUTH_CLI;
  private static final String CONSOLE = BootstrapSteps.OAUTH_CONSOLE;
  private static final String NOC_CLIENT = BootstrapSteps.OAUTH_NOC;
  private static final String TENANT = BootstrapSteps.CREATE_TENANT;
  private static final String ADMIN = BootstrapSteps.CREATE_ADMIN;

  private final List<BootstrapStep> steps =
      BootstrapSteps.plan(BootstrapStepsTest.cluster(true), BootstrapStepsTest.example());
  private final TenantBootstrapStatus status = new TenantBootstrapStatus();
  private final Map<String, OpsTaskStatus> tasks = new HashMap<>();

  private List<Decision> ready() {
    BootstrapRecords.syncStepList(status, steps);
    return BootstrapProgress.ready(steps, status, Map.of(), tasks, s -> "t-" + s.name());
  }

  private static List<String> names(List<Decision> decisions) {
    return decisions.stream().map(d -> d.step().name()).toList();
  }

  private void task(String step, OpsTaskPhase phase) {
    OpsTaskStatus s = new OpsTaskStatus();
    s.setPhase(phase);
    s.setExitCode(phase == OpsTaskPhase.Failed ? 1 : 0);
    tasks.put("t-" + step, s);
  }

  private void succeeded(String... steps) {
    BootstrapRecords.syncStepList(status, this.steps);
    for (String s : steps) {
      BootstrapRecords.record(status, s).setPhase("Succeeded");
    }
  }

  private static List<List<String>> waveNames(List<BootstrapStep> steps) {
    return BootstrapSteps.waves(steps).stream()
        .map(w -> w.stream().map(BootstrapStep::name).toList())
        .toList();
  }

  @Test
  void theDatabasesAtOnceThenTheOAuthClientsAtOnceThenTheTenantThenItsAdmin() {
    assertThat(steps)
        .extracting(BootstrapStep::name, BootstrapStep::after)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(STORAGE, List.of()),
            org.assertj.core.groups.Tuple.tuple(NOC, List.of()),
            org.assertj.core.groups.Tuple.tuple(MIGRATE, List.of()),
            org.assertj.core.groups.Tuple.tuple(CLI, List.of(MIGRATE)),
            org.assertj.core.groups.Tuple.tuple(CONSOLE, List.of(MIGRATE)),
            org.assertj.core.groups.Tuple.tuple(NOC_CLIENT, List.of(MIGRATE)),
            org.assertj.core.groups.Tuple.tuple(
                TENANT, List.of(STORAGE, NOC, MIGRATE, CLI, CONSOLE, NOC_CLIENT)),
            org.assertj.core.groups.Tuple.tuple(
                ADMIN, List.of(STORAGE, NOC, MIGRATE, CLI, CONSOLE, NOC_CLIENT, TENANT)));
    assertThat(waveNames(steps))
        .containsExactly(
            List.of(STORAGE, NOC, MIGRATE),
            List.of(CLI, CONSOLE, NOC_CLIENT),
            List.of(TENANT),
            List.of(ADMIN));
  }

  @Test
  void aSecondaryClusterWithoutMigrateStartsItsOAuthClientsWithTheDatabases() {
    TTESClusterSpec secondary = BootstrapStepsTest.cluster(false);
    secondary.setIdentityServer(IdentityServerMode.External);

    List<BootstrapStep> plan = BootstrapSteps.plan(secondary, BootstrapStepsTest.example());

    assertThat(waveNames(plan))
        .containsExactly(List.of(STORAGE, NOC, CLI, CONSOLE, NOC_CLIENT), List.of(ADMIN));
  }

  @Test
  void theThreeDatabaseStepsAreCreatedTogetherAndTheOAuthClientsWaitForMigrateOnly() {
    assertThat(ready())
        .extracting(d -> d.step().name(), Decision::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(STORAGE, Kind.CREATE),
            org.assertj.core.groups.Tuple.tuple(NOC, Kind.CREATE),
            org.assertj.core.groups.Tuple.tuple(MIGRATE, Kind.CREATE));

    task(STORAGE, OpsTaskPhase.Running);
    task(NOC, OpsTaskPhase.Running);
    succeeded(MIGRATE);
    assertThat(names(ready())).containsExactly(STORAGE, NOC, CLI, CONSOLE, NOC_CLIENT);

    succeeded(STORAGE, NOC, CLI, CONSOLE);
    assertThat(names(ready()))
        .as("the tenant waits for every cluster-wide step")
        .containsExactly(NOC_CLIENT);

    succeeded(NOC_CLIENT);
    assertThat(names(ready())).containsExactly(TENANT);
    succeeded(TENANT);
    assertThat(names(ready())).containsExactly(ADMIN);
    succeeded(ADMIN);
    assertThat(ready()).extracting(Decision::kind).containsExactly(Kind.ALL_DONE);
  }

  @Test
  void aFailedStepStopsWhatDependsOnItAndLetsTheStepsThatDoNotNeedItStart() {
    task(STORAGE, OpsTaskPhase.Running);
    task(MIGRATE, OpsTaskPhase.Failed);

    assertThat(ready())
        .as("noc-db init does not need is-db migrate: it is started after the failure")
        .extracting(d -> d.step().name(), Decision::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(STORAGE, Kind.WAIT),
            org.assertj.core.groups.Tuple.tuple(NOC, Kind.CREATE),
            org.assertj.core.groups.Tuple.tuple(MIGRATE, Kind.FAILED));
    BootstrapRecords.record(status, MIGRATE).setPhase("Failed");
    assertThat(BootstrapProgress.stoppedBy(steps, status))
        .containsExactly(
            java.util.Map.entry(CLI, MIGRATE),
            java.util.Map.entry(CONSOLE, MIGRATE),
            java.util.Map.entry(NOC_CLIENT, MIGRATE),
            java.util.Map.entry(TENANT, MIGRATE),
            java.util.Map.entry(ADMIN, MIGRATE));

    task(STORAGE, OpsTaskPhase.Succeeded);
    assertThat(ready())
        .extracting(d -> d.step().name(), Decision::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(STORAGE, Kind.DONE),
            org.assertj.core.groups.Tuple.tuple(NOC, Kind.CREATE),
            org.assertj.core.groups.Tuple.tuple(MIGRATE, Kind.FAILED));
  }

  @Test
  void whileASiblingRunsAFailureShowsAsReconcilingAndOnceAloneTheBootstrapIsFailed() {
    task(MIGRATE, OpsTaskPhase.Failed);
    task(STORAGE, OpsTaskPhase.Running);
    task(NOC, OpsTaskPhase.Running);
    List<Decision> ready = ready();
    List<Decision> failed = ready.stream().filter(d -> d.kind() == Kind.FAILED).toList();
    List<Decision> waiting = ready.stream().filter(d -> d.kind() == Kind.WAIT).toList();
    BootstrapRecords.record(status, MIGRATE).setPhase("Failed");
    var stopped = BootstrapProgress.stoppedBy(steps, status);

    var meanwhile = BootstrapReport.of(status, failed, waiting, tasks, stopped);
    assertThat(meanwhile.state()).isEqualTo(io.ttes.operator.status.Outcome.State.RECONCILING);
    assertThat(meanwhile.reason()).isEqualTo("StepFailed");
    assertThat(meanwhile.message())
        .contains(
            "step is-db-migrate failed",
            "it stops oauth-client-cli, oauth-client-console, oauth-client-noc, create-tenant,"
                + " create-admin-user",
            "go on (running: storage-db-init, noc-db-init)");
    assertThat(status.getPhase()).isEqualTo(io.ttes.operator.api.v1alpha1.BootstrapPhase.Running);

    var after = BootstrapReport.of(status, failed, List.of(), tasks, stopped);
    assertThat(after.state()).isEqualTo(io.ttes.operator.status.Outcome.State.FAILED);
    assertThat(after.message())
        .contains("step is-db-migrate failed", "it stopped oauth-client-cli", "ops.ttes.io/retry");
    assertThat(status.getPhase()).isEqualTo(io.ttes.operator.api.v1alpha1.BootstrapPhase.Failed);

    var alone = BootstrapReport.of(status, List.of(), waiting, tasks, Map.of());
    assertThat(alone.reason()).isEqualTo("StepRunning");
    assertThat(alone.message()).isEqualTo("running: storage-db-init, noc-db-init");
  }
}
