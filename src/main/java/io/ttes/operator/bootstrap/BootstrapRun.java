package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ClusterStep;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.status.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One reconcile of a bootstrap's steps: asks {@link BootstrapProgress} which steps may move,
 * carries out every one of them in the same reconcile (each ready step's OpsTask is created at
 * once, so the steps the dependency graph lets go together run together, each in its own OpsTask
 * slot) and goes round again while a step finished, until nothing moves. Kubernetes and AWS stay
 * behind {@link Actions}, so the order is tested on data.
 *
 * <p>Crash-safe without a write-ahead record of its own: a step's task name follows from the plan
 * and the step's attempt ({@link BootstrapRecords#taskName}), and {@link Actions#create} adopts a
 * task of that name that exists already. A restart anywhere in a wave therefore finds the same
 * names and creates nothing twice.
 */
final class BootstrapRun {
  /** What the run does outside the status. */
  interface Actions {
    /** The step's OpsTask of that name, created when it does not exist (adopted when it does). */
    OpsTask create(BootstrapStep step, String taskName);

    /** Records a cluster-wide step done on the cluster, once. */
    void recordDone(BootstrapStep step, String taskName, String message);

    /** Checks the references of a step about to get its first task (throws on a problem). */
    void checkReferences(BootstrapStep step);
  }

  private final List<BootstrapStep> steps;
  private final Map<String, ClusterStep> clusterDone;
  private final Function<BootstrapStep, String> taskName;
  private final ClusterStepsGuard guard;
  private final Actions actions;
  private final BootstrapReport report;

  /**
   * @param clusterDone the cluster-wide steps the cluster records done, by name
   * @param taskName the task name of a step's current attempt
   */
  BootstrapRun(
      List<BootstrapStep> steps,
      Map<String, ClusterStep> clusterDone,
      Function<BootstrapStep, String> taskName,
      ClusterStepsGuard guard,
      Actions actions,
      BootstrapReport report) {
    this.steps = steps;
    this.clusterDone = clusterDone;
    this.taskName = taskName;
    this.guard = guard;
    this.actions = actions;
    this.report = report;
  }

  /**
   * Moves every step that may move and returns the outcome for the bootstrap's conditions.
   *
   * @param observed this bootstrap's OpsTasks' status by name, from the informer cache
   * @param started whether the bootstrap had started a task before this reconcile (its references
   *     were checked then; a step about to get its first task is checked again)
   */
  Outcome run(
      TenantBootstrap tb,
      TenantBootstrapStatus status,
      Map<String, OpsTaskStatus> observed,
      boolean started) {
    Map<String, OpsTaskStatus> seen = new HashMap<>(observed);
    while (true) {
      List<Decision> ready = BootstrapProgress.ready(steps, status, clusterDone, seen, taskName);
      if (ready.get(0).kind() == Kind.ALL_DONE) {
        guard.release();
        return BootstrapReport.succeeded(status, steps.size());
      }
      boolean moved = false;
      List<Decision> failed = new ArrayList<>();
      List<Decision> waiting = new ArrayList<>();
      for (Decision d : ready) {
        BootstrapStep step = d.step();
        String other = guard.claimFor(step);
        if (other != null) {
          return BootstrapReport.waitingForHolder(status, step, other);
        }
        if (started && BootstrapRecords.record(status, step.name()).getOpsTask() == null) {
          actions.checkReferences(step);
        }
        if (d.kind() == Kind.CREATE) {
          OpsTask task = actions.create(step, d.taskName());
          seen.put(d.taskName(), task.getStatus());
          d = BootstrapProgress.of(step, d.taskName(), task.getStatus());
        }
        report.apply(tb, status, d);
        if (d.kind() == Kind.DONE) {
          moved = true;
          if (step.scope() == Scope.CLUSTER) {
            actions.recordDone(step, d.taskName(), d.message());
          }
        } else if (d.kind() == Kind.FAILED) {
          failed.add(d);
        } else {
          waiting.add(d);
        }
      }
      if (!moved) {
        Map<String, String> stopped = BootstrapProgress.stoppedBy(steps, status);
        markStopped(status, stopped);
        if (!failed.isEmpty() && waiting.isEmpty()) {
          guard.release();
        }
        return BootstrapReport.of(status, failed, waiting, seen, stopped);
      }
    }
  }

  /** The step records a failure stops say which failure they wait for. */
  private static void markStopped(TenantBootstrapStatus status, Map<String, String> stopped) {
    stopped.forEach(
        (step, failed) -> {
          Step record = BootstrapRecords.record(status, step);
          if ("Pending".equals(record.getPhase())) {
            record.setMessage("stopped: it needs " + failed + ", which failed");
          }
        });
  }
}
