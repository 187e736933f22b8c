package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the ordered plan into the steps the reconciler walks, one at a time: a step per stack
 * (recorded as Skipped when there is nothing to update) and the migration commands right after the
 * stack made from the migrations' template.
 */
public final class UpgradeSteps {
  public static final String PENDING = "Pending";
  public static final String SKIPPED = "Skipped";

  /** What a step does. */
  public enum Kind {
    /** Update one stack through its change set (or record it as skipped). */
    STACK,
    /** Run one migration command as an OpsTask. */
    MIGRATION
  }

  /**
   * One step.
   *
   * @param name what status.steps[].name shows: the stack name, or {@code migrate-<n>-<command>}
   * @param stackName the stack (STACK steps), or the stack the migrations follow (MIGRATION steps)
   * @param disposition the stack's disposition (STACK steps); null for migrations
   * @param migration 1-based index of the command in spec.migrations.commands; 0 for stack steps
   * @param command the command words after the binary (MIGRATION steps); empty otherwise
   * @param opsTask the OpsTask name (MIGRATION steps); null otherwise
   */
  public record Step(
      Kind kind,
      String name,
      String stackName,
      String template,
      Disposition disposition,
      int migration,
      List<String> command,
      String opsTask) {
    public Step {
      command = command == null ? List.of() : List.copyOf(command);
    }

    /** Whether the reconciler has nothing to do for this step. */
    public boolean skipped() {
      return kind == Kind.STACK && !disposition.updates();
    }

    /** The status entry before the step starts. */
    public StackUpgradeStatus.Step toStatus() {
      StackUpgradeStatus.Step s = new StackUpgradeStatus.Step();
      s.setName(name);
      s.setPhase(skipped() ? SKIPPED : PENDING);
      s.setOpsTask(opsTask);
      if (kind == Kind.MIGRATION) {
        s.setMigration(migration);
      }
      if (skipped()) {
        s.setMessage(
            disposition == Disposition.NoChanges
                ? "change set has no changes"
                : "skipped by spec.stacks[].skip");
      }
      return s;
    }
  }

  /**
   * The steps.
   *
   * @param ordered the planned stacks in template order
   * @param migrationsAfter the template after whose stack the migrations run (from {@link
   *     UpgradeValidator.Validation#migrationsAfter()}); null for none
   * @param commands spec.migrations.commands
   * @param upgradeName the StackUpgrade's name, for OpsTask names
   * @param attempt the upgrade's attempt, for OpsTask names
   */
  public List<Step> steps(
      List<StackPlan> ordered,
      String migrationsAfter,
      List<List<String>> commands,
      String upgradeName,
      int attempt) {
    List<List<String>> cmds = commands == null ? List.of() : commands;
    boolean migrate = migrationsAfter != null && !cmds.isEmpty();

    int anchor = -1;
    for (int i = 0; i < ordered.size(); i++) {
      if (migrationsAfter != null && migrationsAfter.equals(ordered.get(i).template())) {
        // The last one, so that every stack of that template runs the new image first.
        anchor = i;
      }
    }

    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      StackPlan s = ordered.get(i);
      steps.add(
          new Step(Kind.STACK, s.name(), s.name(), s.template(), s.disposition(), 0, null, null));
      if (migrate && i == anchor) {
        // Even when this stack had no changes the migrations run here: "no changes" means its image
        // parameter is at the target already, so the ops task runs the new image, and the stacks
        // after it start services of the new version, which must find migrated databases. A stack
        // the user skipped keeps its place too; spec.migrations.commands: [] turns migrations off.
        steps.addAll(migrations(s, cmds, upgradeName, attempt));
      }
    }
    if (migrate && anchor < 0) {
      // The validator rejects a migrations template the cluster lacks; should a plan still miss it,
      // migrating after all stacks is the only place where the new image is certain to be in use.
      StackPlan last = ordered.isEmpty() ? null : ordered.get(ordered.size() - 1);
      steps.addAll(migrations(last, cmds, upgradeName, attempt));
    }
    return steps;
  }

  private static List<Step> migrations(
      StackPlan after, List<List<String>> commands, String upgradeName, int attempt) {
    List<Step> steps = new ArrayList<>();
    for (int n = 1; n <= commands.size(); n++) {
      List<String> command = commands.get(n - 1);
      steps.add(
          new Step(
              Kind.MIGRATION,
              "migrate-" + n + "-" + String.join("-", command),
              after == null ? null : after.name(),
              after == null ? null : after.template(),
              null,
              n,
              command,
              Names.migrationTaskName(upgradeName, attempt, n, command)));
    }
    return steps;
  }
}
