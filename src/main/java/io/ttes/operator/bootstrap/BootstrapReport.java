package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a bootstrap shows: a decision written into its step record and phase, the events of a step
 * that starts, succeeds or fails, and the outcome its conditions get.
 */
final class BootstrapReport {
  private final EventRecorder events;

  BootstrapReport(EventRecorder events) {
    this.events = events;
  }

  /**
   * Writes a decision about a step (CREATE already carried out: its task exists) into the step's
   * record and the bootstrap's phase, with its events. The outcome of the reconcile comes from
   * {@link #of} once every ready step was carried out.
   */
  void apply(TenantBootstrap tb, TenantBootstrapStatus status, Decision d) {
    String step = d.step().name();
    Step record = BootstrapRecords.record(status, step);
    boolean failedBefore = "Failed".equals(record.getPhase());
    if (!d.taskName().equals(record.getOpsTask())) {
      events.normal(tb, "StepStarted", "step " + step + " started as OpsTask " + d.taskName());
    }
    record.setOpsTask(d.taskName());
    record.setPhase(d.phase());
    record.setMessage(d.message());
    status.setPhase(BootstrapPhase.Running);
    if (d.kind() == Kind.WAIT) {
      return;
    }
    record.setExitCode(d.exitCode());
    if (d.kind() == Kind.FAILED) {
      status.setPhase(BootstrapPhase.Failed);
      if (!failedBefore) {
        events.warning(tb, Reasons.STEP_FAILED, "step " + step + " failed: " + d.message());
      }
      return;
    }
    events.normal(tb, "StepSucceeded", "step " + step + ": " + d.message());
  }

  /**
   * The outcome of one round of decisions that moved nothing further. Without a failure:
   * Reconciling StepRunning saying what runs now ({@link #now}), or the upgrade that holds a step's
   * task. While a failed step's independent steps still run, the bootstrap stays Running,
   * Reconciling with reason StepFailed naming the failure, the steps it stops and the ones that go
   * on (the Warning event was recorded when the step failed); once none runs, the first failure
   * (the bootstrap is Failed).
   *
   * @param failed the steps that failed, in plan order
   * @param waiting the steps that wait for their task, in plan order
   * @param tasks the tasks' status by name, as observed or created in this reconcile
   * @param stopped the steps a failure stops ({@link BootstrapProgress#stoppedBy})
   */
  static Outcome of(
      TenantBootstrapStatus status,
      List<Decision> failed,
      List<Decision> waiting,
      Map<String, OpsTaskStatus> tasks,
      Map<String, String> stopped) {
    if (failed.isEmpty()) {
      for (Decision d : waiting) {
        Outcome held = BootstrapTasks.waiting(null, d.step(), tasks.get(d.taskName()));
        if (held != null) {
          return held;
        }
      }
      return Outcome.reconciling(Reasons.STEP_RUNNING, now(waiting, tasks));
    }
    Decision first = failed.get(0);
    List<String> stops = stoppedList(stopped);
    if (waiting.isEmpty()) {
      status.setPhase(BootstrapPhase.Failed);
      return Outcome.failed(
          Reasons.STEP_FAILED,
          BootstrapProgress.failedMessage(first.step().name(), first.message(), stops));
    }
    status.setPhase(BootstrapPhase.Running);
    return Outcome.reconciling(
        Reasons.STEP_FAILED,
        "step "
            + first.step().name()
            + " failed: "
            + first.message()
            + (stops.isEmpty() ? "" : "; it stops " + String.join(", ", stops))
            + "; the steps that do not need it go on ("
            + now(waiting, tasks)
            + "), then the bootstrap is Failed and can be retried");
  }

  /**
   * What runs now, by what each step's task shows: "running: a, b; waiting for a slot: c; starting:
   * d". A task's place in line is left out: it moves with every task that finishes, and the message
   * would be patched each time.
   */
  static String now(List<Decision> waiting, Map<String, OpsTaskStatus> tasks) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put("running", new ArrayList<>());
    groups.put("waiting for a slot", new ArrayList<>());
    groups.put("starting", new ArrayList<>());
    for (Decision d : waiting) {
      OpsTaskStatus task = tasks.get(d.taskName());
      String group =
          task != null && task.getPhase() == OpsTaskPhase.Running
              ? "running"
              : task != null && Reasons.WAITING_FOR_SLOT.equals(task.getReason())
                  ? "waiting for a slot"
                  : "starting";
      groups.get(group).add(d.step().name());
    }
    List<String> parts = new ArrayList<>();
    groups.forEach(
        (group, steps) -> {
          if (!steps.isEmpty()) {
            parts.add(group + ": " + String.join(", ", steps));
          }
        });
    return String.join("; ", parts);
  }

  private static List<String> stoppedList(Map<String, String> stopped) {
    return List.copyOf(stopped.keySet());
  }

  /** Every step done. */
  static Outcome succeeded(TenantBootstrapStatus status, int steps) {
    status.setPhase(BootstrapPhase.Succeeded);
    return Outcome.ready(Reasons.BOOTSTRAPPED, steps + " steps done");
  }

  /**
   * A bootstrap that failed earlier and was not asked to retry; the steps left Pending are the ones
   * its failure stops (the independent ones finished before it became Failed).
   */
  static Outcome stillFailed(TenantBootstrapStatus status) {
    List<String> stopped =
        status.getSteps().stream()
            .filter(s -> "Pending".equals(s.getPhase()))
            .map(Step::getName)
            .toList();
    String message =
        BootstrapProgress.failedStep(status)
            .map(f -> BootstrapProgress.failedMessage(f.getName(), f.getMessage(), stopped))
            .orElse("failed");
    return Outcome.failed(Reasons.STEP_FAILED, message);
  }

  /** The next step is cluster-wide and another bootstrap holds the guard. */
  static Outcome waitingForHolder(TenantBootstrapStatus status, BootstrapStep step, String holder) {
    status.setPhase(BootstrapPhase.Pending);
    BootstrapRecords.record(status, step.name())
        .setMessage("waiting: " + holder + " is running the cluster-wide steps");
    return Outcome.reconciling(
        Reasons.WAITING_FOR_CLUSTER_STEPS,
        holder + " is running the cluster-wide steps; this bootstrap continues after");
  }

  /** Pending (unless further already) until the cluster is there and Ready. */
  static Outcome waitingForCluster(TenantBootstrapStatus status, Outcome waiting) {
    if (status.getPhase() == null) {
      status.setPhase(BootstrapPhase.Pending);
    }
    return waiting;
  }
}
