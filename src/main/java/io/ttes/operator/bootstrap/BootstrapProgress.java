package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ClusterStep;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.opstask.TaskFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a bootstrap stands, from data only: its planned steps, its step records, the cluster's
 * record of cluster-wide steps and the phases of its OpsTasks. No Kubernetes or AWS call: the
 * reconciler does what a {@link Decision} says (create a task, wait, record a step done or failed).
 */
final class BootstrapProgress {
  /** How TTES says a create command found its object already there. */
  private static final Pattern ALREADY_EXISTS =
      Pattern.compile("(?i)already (exists|taken)|id_taken|duplicate key");

  /** What to do about a step that is not done yet and whose dependencies are. */
  enum Kind {
    /** Every step is done. */
    ALL_DONE,
    /** The step's OpsTask does not exist yet. */
    CREATE,
    /** The step's OpsTask is pending or running. */
    WAIT,
    /** The step's OpsTask succeeded (or found its object there already). */
    DONE,
    /** The step's OpsTask failed. */
    FAILED
  }

  /**
   * @param step the step concerned (null for ALL_DONE)
   * @param taskName the step's OpsTask for its current attempt
   * @param phase the step record's new phase
   * @param exitCode the task's exit code (DONE and FAILED)
   * @param message the step record's new message
   */
  record Decision(
      Kind kind,
      BootstrapStep step,
      String taskName,
      String phase,
      Integer exitCode,
      String message) {}

  private BootstrapProgress() {}

  /**
   * The decisions about every step that may move now: each step not done yet whose dependencies
   * ({@link BootstrapStep#after}) all succeeded, in plan order; {@code [ALL_DONE]} once every step
   * is done. A failed step stops only what depends on it ({@link #stoppedBy}): a step that does not
   * depend on it is still started and waited for, so a retry has only the failure and its
   * dependants left to run. Steps the cluster recorded as done by another bootstrap are marked
   * Succeeded in {@code status} on the way (the one change this makes to its input).
   *
   * @param ledger the cluster's record of done cluster-wide steps, by step name
   * @param tasks this bootstrap's OpsTasks' status by task name (a task without status maps to
   *     null; an absent key is a task that does not exist)
   * @param taskName the task name of a step's current attempt
   */
  static List<Decision> ready(
      List<BootstrapStep> steps,
      TenantBootstrapStatus status,
      Map<String, ClusterStep> ledger,
      Map<String, OpsTaskStatus> tasks,
      Function<BootstrapStep, String> taskName) {
    Set<String> succeeded = new HashSet<>();
    List<Decision> decisions = new ArrayList<>();
    for (BootstrapStep step : steps) {
      Step record = BootstrapRecords.record(status, step.name());
      ClusterStep done = step.scope() == Scope.CLUSTER ? ledger.get(step.name()) : null;
      if (!"Succeeded".equals(record.getPhase()) && done != null) {
        record.setPhase("Succeeded");
        record.setMessage("done once for the cluster by " + done.getBootstrap());
        if (record.getOpsTask() == null) {
          record.setOpsTask(done.getOpsTask());
        }
      }
      if ("Succeeded".equals(record.getPhase())) {
        succeeded.add(step.name());
      } else if (succeeded.containsAll(step.after())) {
        String name = taskName.apply(step);
        decisions.add(
            tasks.containsKey(name)
                ? of(step, name, tasks.get(name))
                : new Decision(Kind.CREATE, step, name, null, null, null));
      }
    }
    if (succeeded.size() == steps.size()) {
      return List.of(new Decision(Kind.ALL_DONE, null, null, "Succeeded", null, null));
    }
    return decisions;
  }

  /**
   * The steps a failure stops, each with the failed step it waits for: those with a dependency that
   * failed or is itself stopped, in plan order (a step's dependencies come before it).
   */
  static Map<String, String> stoppedBy(List<BootstrapStep> steps, TenantBootstrapStatus status) {
    Map<String, String> stopped = new LinkedHashMap<>();
    Set<String> failed = new HashSet<>();
    for (BootstrapStep step : steps) {
      if ("Failed".equals(BootstrapRecords.record(status, step.name()).getPhase())) {
        failed.add(step.name());
        continue;
      }
      for (String dependency : step.after()) {
        String root = failed.contains(dependency) ? dependency : stopped.get(dependency);
        if (root != null) {
          stopped.put(step.name(), root);
          break;
        }
      }
    }
    return stopped;
  }

  /** The first of the {@link #ready} decisions. */
  static Decision next(
      List<BootstrapStep> steps,
      TenantBootstrapStatus status,
      Map<String, ClusterStep> ledger,
      Map<String, OpsTaskStatus> tasks,
      Function<BootstrapStep, String> taskName) {
    return ready(steps, status, ledger, tasks, taskName).get(0);
  }

  /** What the step's task (status null: not observed yet) says about the step. */
  static Decision of(BootstrapStep step, String taskName, OpsTaskStatus task) {
    OpsTaskPhase phase = task == null ? null : task.getPhase();
    if (phase == OpsTaskPhase.Succeeded) {
      return new Decision(Kind.DONE, step, taskName, "Succeeded", task.getExitCode(), "done");
    }
    if (phase == OpsTaskPhase.Failed && step.createsObject() && alreadyExists(task)) {
      return new Decision(
          Kind.DONE,
          step,
          taskName,
          "Succeeded",
          task.getExitCode(),
          "already existed (the command said so); counted as done");
    }
    if (phase == OpsTaskPhase.Failed) {
      return new Decision(
          Kind.FAILED, step, taskName, "Failed", task.getExitCode(), TaskFailure.summary(task));
    }
    return new Decision(
        Kind.WAIT,
        step,
        taskName,
        phase == OpsTaskPhase.Running ? "Running" : "Pending",
        null,
        task == null || task.getMessage() == null ? "OpsTask " + taskName : task.getMessage());
  }

  /** The Failed condition's message for a step that failed, with the way to retry. */
  static String failedMessage(String step, String message) {
    return failedMessage(step, message, List.of());
  }

  /**
   * The Failed condition's message for a step that failed, with the steps it stopped and the way to
   * retry.
   */
  static String failedMessage(String step, String message, List<String> stopped) {
    return "step "
        + step
        + " failed: "
        + message
        + (stopped.isEmpty() ? "" : "; it stopped " + String.join(", ", stopped))
        + "; annotate with "
        + ApiGroup.RETRY_ANNOTATION
        + "=<new value> to retry";
  }

  /** The first failed step record of a Failed bootstrap. */
  static Optional<Step> failedStep(TenantBootstrapStatus status) {
    return status.getSteps().stream().filter(s -> "Failed".equals(s.getPhase())).findFirst();
  }

  private static boolean alreadyExists(OpsTaskStatus task) {
    String tail = task.getLogTail();
    return tail != null && ALREADY_EXISTS.matcher(tail).find();
  }
}
