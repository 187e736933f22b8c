package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.MIGRATING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_PENDING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_RUNNING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SUCCEEDED;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.TaskFailure;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One migration step: the migration of the plan the step records by index (status.steps[].migration
 * → status.plan.migrations), run as an OpsTask owned by the upgrade, named before it is created,
 * followed until it succeeds or fails (the OpsTask informer wakes the upgrade when it moves).
 */
final class MigrationStep {
  private final UpgradeEndings endings;
  private final PlanVoider voider;
  private final OwnedOpsTasks opsTasks;

  MigrationStep(UpgradeEndings endings, PlanVoider voider, OwnedOpsTasks opsTasks) {
    this.endings = endings;
    this.voider = voider;
    this.opsTasks = opsTasks;
  }

  /** Returns null when the migration is done and the next step may start. */
  PhaseResult advance(UpgradeRun run, Step rec) {
    StackUpgradeStatus status = run.status;
    Optional<UpgradePlan.Migration> planned =
        UpgradePlan.of(status.getPlan()).migration(rec.getMigration());
    if (planned.isEmpty()) {
      return voider.voidPlan(
          run,
          "step " + rec.getName() + " names no migration of the plan (the migrations changed)");
    }
    int n = planned.get().index();
    List<String> command = planned.get().command();
    boolean starting = STEP_PENDING.equals(rec.getPhase());
    String taskName =
        starting || rec.getOpsTask() == null
            ? Names.migrationTaskName(run.name, run.attempt(), n, command)
            : rec.getOpsTask();
    OpsTask task =
        run.context
            .getSecondaryResourcesAsStream(OpsTask.class)
            .filter(t -> taskName.equals(t.getMetadata().getName()))
            .findFirst()
            .orElse(null);
    if (task == null) {
      if (starting) {
        rec.setStartedAt(endings.now());
        endings.events.normal(
            run.resource,
            "StepStarted",
            "migration " + String.join(" ", command) + " started as OpsTask " + taskName);
      }
      // Write-ahead: the OpsTask's name is in status before it is created.
      rec.setOpsTask(taskName);
      rec.setPhase(STEP_RUNNING);
      status.setPhase(UpgradePhase.Migrating);
      if (!run.mayMutate()) {
        return endings.again(run, "starting migration " + rec.getName());
      }
      task =
          opsTasks.ensure(
              run.resource,
              new OwnedOpsTasks.Request(
                  run.ns,
                  taskName,
                  run.clusterName(),
                  command,
                  List.of(),
                  null,
                  Map.of("ops.ttes.io/upgrade-migration", String.valueOf(n))));
    }
    rec.setOpsTask(taskName);
    status.setPhase(UpgradePhase.Migrating);
    OpsTaskPhase phase = task.getStatus() == null ? null : task.getStatus().getPhase();
    if (phase == OpsTaskPhase.Succeeded) {
      rec.setPhase(STEP_SUCCEEDED);
      rec.setFinishedAt(endings.now());
      rec.setMessage("done");
      endings.events.normal(
          run.resource, "StepSucceeded", "migration " + String.join(" ", command) + " done");
      return null;
    }
    if (phase == OpsTaskPhase.Failed) {
      return endings.fail(
          run,
          rec,
          Reasons.STEP_FAILED,
          "migration "
              + String.join(" ", command)
              + " (OpsTask "
              + taskName
              + ") failed: "
              + TaskFailure.summary(task.getStatus()));
    }
    rec.setPhase(STEP_RUNNING);
    rec.setMessage(
        task.getStatus() == null || task.getStatus().getMessage() == null
            ? "OpsTask " + taskName + " " + (phase == null ? "created" : phase.name().toLowerCase())
            : task.getStatus().getMessage());
    // The OpsTask informer wakes this up when the task moves; the reschedule is a safety net.
    return new PhaseResult(
        Outcome.reconciling(MIGRATING, "migration " + String.join(" ", command) + " is running"),
        endings.config.slowPoll());
  }
}
