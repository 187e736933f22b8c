package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an ops command may start now, or must wait because an upgrade of its cluster is half
 * done: between the update of the ops stack (the stack the migrations follow, {@code
 * spec.migrations.after}) and the end of its last migration the ops image and the databases are of
 * different versions, so any command but the upgrade's own migrations could read or write data in a
 * schema it does not know.
 *
 * <p>The window, read from the upgrade's {@code status.steps} alone:
 *
 * <ul>
 *   <li>opens when the ops stack's step has reached AWS: its change set execution is recorded
 *       ({@code steps[].changeSetId}, written before ExecuteChangeSet), or the step is done
 *       (Succeeded, or Skipped once every earlier step is done: a stack without changes already
 *       runs the target image), or a migration step has started. The step's Snapshotting does not
 *       count: the deployment still runs one version throughout;
 *   <li>closes when every migration step Succeeded, when the upgrade ends (Succeeded, Failed,
 *       Planned) or is not executing (Pending, Planning, AwaitingApproval), or when it is being
 *       deleted. An upgrade without migrations has no window.
 * </ul>
 *
 * A command owned by the upgrade (its migrations) or whose spec sets {@code allowDuringUpgrade} is
 * never held. Only commands that have not taken a launch token are asked: one that started before
 * the window opened runs on.
 */
public final class UpgradeWindow {
  /** Reconciling reason of an OpsTask or TenantBootstrap held by an upgrade's window. */
  public static final String WAITING_FOR_UPGRADE = "WaitingForUpgrade";

  private static final String SUCCEEDED = "Succeeded";
  private static final String SKIPPED = "Skipped";
  private static final String PENDING = "Pending";

  /**
   * An upgrade that holds a command.
   *
   * @param upgrade the StackUpgrade as {@code namespace/name}
   * @param message the condition message naming it
   */
  public record Hold(String upgrade, String message) {}

  private UpgradeWindow() {}

  /**
   * The upgrade of {@code cluster} that holds {@code resource}, if any.
   *
   * @param resource the OpsTask about to start (its owner references are read)
   * @param allowDuringUpgrade the resource's {@code spec.allowDuringUpgrade}
   * @param cluster the TTESCluster the resource names
   * @param upgrades StackUpgrades of the resource's namespace (others are ignored)
   */
  public static Optional<Hold> hold(
      HasMetadata resource,
      boolean allowDuringUpgrade,
      String cluster,
      Collection<StackUpgrade> upgrades) {
    if (allowDuringUpgrade || upgrades == null) {
      return Optional.empty();
    }
    String ns = resource.getMetadata().getNamespace();
    return upgrades.stream()
        .filter(u -> Objects.equals(ns, u.getMetadata().getNamespace()))
        .filter(u -> Objects.equals(cluster, clusterOf(u)))
        .filter(u -> !ownedBy(resource, u))
        .filter(UpgradeWindow::open)
        .min(Comparator.comparing(u -> u.getMetadata().getName()))
        .map(
            u -> {
              String name = u.getMetadata().getNamespace() + "/" + u.getMetadata().getName();
              return new Hold(
                  name,
                  "StackUpgrade "
                      + name
                      + " is between updating the ops stack and its last migration; this command"
                      + " starts when the migrations are done (or set spec.allowDuringUpgrade)");
            });
  }

  /** Whether {@code upgrade} is between updating its ops stack and the end of its migrations. */
  public static boolean open(StackUpgrade upgrade) {
    StackUpgradeStatus status = upgrade.getStatus();
    if (upgrade.getMetadata().getDeletionTimestamp() != null
        || status == null
        || !executing(status.getPhase())) {
      return false;
    }
    List<Step> steps = status.getSteps() == null ? List.of() : status.getSteps();
    int first = -1;
    int last = -1;
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).getMigration() != null) {
        first = first < 0 ? i : first;
        last = i;
      }
    }
    if (first < 0) {
      return false;
    }
    boolean migrationsDone = true;
    boolean migrationStarted = false;
    for (int i = first; i <= last; i++) {
      String phase = steps.get(i).getPhase();
      migrationsDone &= SUCCEEDED.equals(phase);
      migrationStarted |= phase != null && !PENDING.equals(phase);
    }
    if (migrationsDone) {
      return false;
    }
    return migrationStarted || opsStackReached(steps, opsStackIndex(status, steps, first));
  }

  private static boolean executing(UpgradePhase phase) {
    return phase == UpgradePhase.Snapshotting
        || phase == UpgradePhase.Updating
        || phase == UpgradePhase.Migrating;
  }

  /**
   * The step of the stack the migrations follow: the one {@code plan.migrations[].after} names,
   * else the step right before the first migration.
   */
  private static int opsStackIndex(StackUpgradeStatus status, List<Step> steps, int first) {
    String after =
        status.getPlan() == null
            ? null
            : status.getPlan().getMigrations().stream()
                .map(PlannedMigration::getAfter)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
    for (int i = 0; i < first; i++) {
      if (steps.get(i).getMigration() == null && steps.get(i).getName().equals(after)) {
        return i;
      }
    }
    return first - 1;
  }

  private static boolean opsStackReached(List<Step> steps, int ops) {
    if (ops < 0) {
      return false;
    }
    Step step = steps.get(ops);
    if (step.getChangeSetId() != null || SUCCEEDED.equals(step.getPhase())) {
      return true;
    }
    if (!SKIPPED.equals(step.getPhase())) {
      return false;
    }
    for (int i = 0; i < ops; i++) {
      String phase = steps.get(i).getPhase();
      if (!SUCCEEDED.equals(phase) && !SKIPPED.equals(phase)) {
        return false;
      }
    }
    return true;
  }

  private static String clusterOf(StackUpgrade upgrade) {
    return upgrade.getSpec() == null || upgrade.getSpec().getClusterRef() == null
        ? null
        : upgrade.getSpec().getClusterRef().getName();
  }

  private static boolean ownedBy(HasMetadata resource, StackUpgrade upgrade) {
    return resource.getMetadata().getOwnerReferences().stream()
        .anyMatch(
            ref ->
                "StackUpgrade".equals(ref.getKind())
                    && Objects.equals(ref.getUid(), upgrade.getMetadata().getUid()));
  }
}
