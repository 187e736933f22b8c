package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ClusterStep;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bootstrap's progress from data: steps, records, the cluster's ledger, task phases. */
class BootstrapProgressTest {
  private final List<BootstrapStep> steps =
      BootstrapSteps.plan(BootstrapStepsTest.cluster(true), BootstrapStepsTest.example());
  private final TenantBootstrapStatus status = new TenantBootstrapStatus();
  private final Map<String, ClusterStep> ledger = new HashMap<>();
  private final Map<String, OpsTaskStatus> tasks = new HashMap<>();

  private Decision next() {
    BootstrapRecords.syncStepList(status, steps);
    return BootstrapProgress.next(steps, status, ledger, tasks, s -> "t-" + s.name());
  }

  private static OpsTaskStatus task(OpsTaskPhase phase, Integer exitCode, String logTail) {
    OpsTaskStatus s = new OpsTaskStatus();
    s.setPhase(phase);
    s.setExitCode(exitCode);
    s.setLogTail(logTail);
    return s;
  }

  @Test
  void aStepWithoutItsTaskIsCreatedAndATaskWithoutStatusIsWaitedFor() {
    assertThat(next())
        .extracting(Decision::kind, d -> d.step().name(), Decision::taskName)
        .containsExactly(Kind.CREATE, "storage-db-init", "t-storage-db-init");

    tasks.put("t-storage-db-init", null);
    assertThat(next())
        .extracting(Decision::kind, Decision::phase, Decision::message)
        .containsExactly(Kind.WAIT, "Pending", "OpsTask t-storage-db-init");

    tasks.put("t-storage-db-init", task(OpsTaskPhase.Running, null, null));
    assertThat(next())
        .extracting(Decision::kind, Decision::phase)
        .containsExactly(Kind.WAIT, "Running");
  }

  @Test
  void stepsDoneForTheClusterOrInTheRecordsAreSkipped() {
    ClusterStep done = new ClusterStep();
    done.setName("storage-db-init");
    done.setPhase("Succeeded");
    done.setBootstrap("boot/other");
    done.setOpsTask("prod-eu1-storage-db-init");
    ledger.put("storage-db-init", done);
    BootstrapRecords.syncStepList(status, steps);
    BootstrapRecords.record(status, "noc-db-init").setPhase("Succeeded");

    assertThat(next().step().name()).isEqualTo("is-db-migrate");
    var record = BootstrapRecords.record(status, "storage-db-init");
    assertThat(record.getPhase()).isEqualTo("Succeeded");
    assertThat(record.getMessage()).isEqualTo("done once for the cluster by boot/other");
    assertThat(record.getOpsTask()).isEqualTo("prod-eu1-storage-db-init");
  }

  @Test
  void aSucceededTaskIsDoneAndAFailedCreateThatFoundItsObjectIsDoneToo() {
    tasks.put("t-storage-db-init", task(OpsTaskPhase.Succeeded, 0, ""));
    assertThat(next())
        .extracting(Decision::kind, Decision::phase, Decision::exitCode, Decision::message)
        .containsExactly(Kind.DONE, "Succeeded", 0, "done");

    BootstrapStep createTenant =
        steps.stream().filter(s -> s.name().equals("create-tenant")).findFirst().orElseThrow();
    assertThat(
            BootstrapProgress.of(
                createTenant, "t", task(OpsTaskPhase.Failed, 1, "error: tenant already exists\n")))
        .extracting(Decision::kind, Decision::message)
        .containsExactly(Kind.DONE, "already existed (the command said so); counted as done");
  }

  @Test
  void aFailedTaskFailsTheStepWithExitCodeAndTheLastLogLine() {
    OpsTaskStatus failed = task(OpsTaskPhase.Failed, 3, "line one\nboom: no database\n");
    failed.setReason("CommandFailed");
    tasks.put("t-storage-db-init", failed);

    Decision d = next();

    assertThat(d)
        .extracting(Decision::kind, Decision::phase, Decision::exitCode, Decision::message)
        .containsExactly(
            Kind.FAILED, "Failed", 3, "exit code 3 (CommandFailed): boom: no database");
    assertThat(BootstrapProgress.failedMessage("storage-db-init", d.message()))
        .contains("step storage-db-init failed: exit code 3", "ops.ttes.io/retry");
  }

  @Test
  void everyStepSucceededIsAllDone() {
    BootstrapRecords.syncStepList(status, steps);
    status.getSteps().forEach(s -> s.setPhase("Succeeded"));

    assertThat(next().kind()).isEqualTo(Kind.ALL_DONE);
  }
}
