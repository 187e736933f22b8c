package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.RetryToken;
import java.util.List;

/** The step records in a TenantBootstrap's status: their order, attempts, task names and retry. */
final class BootstrapRecords {
  private BootstrapRecords() {}

  /**
   * The annotation ops.ttes.io/retry with a new value restarts the failed steps, and only them:
   * each gets a new attempt (a new task name), what they stopped runs after them, and what
   * succeeded is not run again. Also taken while the steps that do not need a failed one still run
   * (the bootstrap is Running then), so a retry asked for early is not lost.
   */
  static void handleRetry(TenantBootstrap tb, TenantBootstrapStatus status) {
    boolean anyFailed = status.getSteps().stream().anyMatch(s -> "Failed".equals(s.getPhase()));
    if (!RetryToken.take(tb, status::getRetryToken, status::setRetryToken) || !anyFailed) {
      return;
    }
    for (Step s : status.getSteps()) {
      if ("Failed".equals(s.getPhase())) {
        s.setPhase("Pending");
        s.setAttempt(attempt(s) + 1);
        s.setExitCode(null);
        s.setMessage("retry requested");
        s.setOpsTask(null);
      } else if ("Pending".equals(s.getPhase()) && s.getOpsTask() == null) {
        s.setMessage(null);
      }
    }
    status.setPhase(BootstrapPhase.Running);
  }

  /** Keeps status.steps in plan order, adding steps the plan gained. */
  static void syncStepList(TenantBootstrapStatus status, List<BootstrapStep> steps) {
    for (BootstrapStep step : steps) {
      record(status, step.name()).setScope(step.scope().label());
    }
    status
        .getSteps()
        .sort((a, b) -> Integer.compare(indexOf(steps, a.getName()), indexOf(steps, b.getName())));
  }

  private static int indexOf(List<BootstrapStep> steps, String name) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name().equals(name)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  /** The record of step {@code name}, added as Pending attempt 1 if there is none. */
  static Step record(TenantBootstrapStatus status, String name) {
    for (Step s : status.getSteps()) {
      if (name.equals(s.getName())) {
        return s;
      }
    }
    Step s = new Step();
    s.setName(name);
    s.setPhase("Pending");
    s.setAttempt(1);
    status.getSteps().add(s);
    return s;
  }

  /** Whether any step has had a task (the bootstrap has started running commands). */
  static boolean started(TenantBootstrapStatus status) {
    return status.getSteps().stream().anyMatch(s -> s.getOpsTask() != null);
  }

  static int attempt(Step s) {
    return s.getAttempt() == null ? 1 : s.getAttempt();
  }

  /** The OpsTask of a step's current attempt; cluster-wide steps are named after the cluster. */
  static String taskName(
      TenantBootstrap tb, String cluster, BootstrapStep step, TenantBootstrapStatus status) {
    int attempt = attempt(record(status, step.name()));
    String base =
        step.scope() == Scope.CLUSTER
            ? OwnedOpsTasks.name(cluster, step.name())
            : OwnedOpsTasks.name(tb.getMetadata().getName(), step.name());
    return attempt <= 1 ? base : OwnedOpsTasks.name(base, "r" + attempt);
  }
}
