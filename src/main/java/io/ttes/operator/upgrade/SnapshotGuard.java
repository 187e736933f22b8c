package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.SNAPSHOTTING;
import static io.ttes.operator.upgrade.UpgradeReasons.SNAPSHOT_FAILED;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_SNAPSHOTTING;
import static io.ttes.operator.upgrade.UpgradeReasons.STEP_UPDATING;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.Snapshots.SnapshotState;
import io.ttes.operator.status.Outcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Before a stack's change set replaces data: one snapshot per risk of the recorded plan that has a
 * snapshot path, named from the uid and stored in status (by logical id) before the first call,
 * waited for until AVAILABLE.
 */
final class SnapshotGuard {
  /**
   * What the guard found: {@code pending} is non-null while a snapshot is not available (or
   * failed); otherwise {@code parameters} are the snapshot parameters the change set must carry
   * ({@code taken}: whether any snapshot was needed).
   */
  record Snapshotted(PhaseResult pending, Map<String, String> parameters, boolean taken) {}

  private final UpgradeEndings endings;

  SnapshotGuard(UpgradeEndings endings) {
    this.endings = endings;
  }

  Snapshotted ensure(UpgradeRun run, Step rec, PlannedStack ps) {
    StackUpgradeStatus status = run.status;
    List<DetectedRisk> risks = UpgradePlan.risks(ps);
    List<DetectedRisk> toSnapshot =
        StackPlanReader.snapshotBeforeReplace(run.spec)
            ? risks.stream().filter(DetectedRisk::needsSnapshot).toList()
            : List.of();
    Map<String, String> snapshotValues = new LinkedHashMap<>();
    if (toSnapshot.isEmpty()) {
      return new Snapshotted(null, snapshotValues, false);
    }
    Map<String, String> names = new LinkedHashMap<>();
    for (DetectedRisk r : toSnapshot) {
      names.put(
          r.logicalId(),
          Names.snapshotName(r.kind(), run.uid, ps.getTemplate(), r.logicalId(), run.attempt()));
    }
    rec.setSnapshot(String.join(",", names.values()));
    // Each recorded risk shows the snapshot that protects it: its own, or its coverer's.
    for (DataRisk shown : ps.getDataRisks()) {
      shown.setSnapshot(
          names.get(shown.getCoveredBy() != null ? shown.getCoveredBy() : shown.getLogicalId()));
    }
    // Write-ahead: the snapshot names are stored before the first ensure. Ensure is idempotent
    // by name and after the first call only reports the state, so it is the poll as well and
    // does not use up this reconcile's one mutating step.
    run.checkpoint();
    for (DetectedRisk r : toSnapshot) {
      String snapshot = names.get(r.logicalId());
      SnapshotState state =
          run.services
              .snapshots()
              .ensure(new Snapshots.SnapshotRequest(r.kind(), r.physicalId(), snapshot));
      if (state.status() == Snapshots.Status.FAILED) {
        return new Snapshotted(
            endings.fail(
                run,
                rec,
                SNAPSHOT_FAILED,
                "snapshot "
                    + snapshot
                    + " of "
                    + r.physicalId()
                    + " failed"
                    + (state.message() == null ? "" : ": " + state.message())),
            Map.of(),
            true);
      }
      if (state.status() != Snapshots.Status.AVAILABLE) {
        boolean first = status.getPhase() != UpgradePhase.Snapshotting;
        status.setPhase(UpgradePhase.Snapshotting);
        rec.setPhase(STEP_SNAPSHOTTING);
        rec.setMessage("waiting for snapshot " + snapshot + " to be available");
        if (first) {
          endings.events.normal(
              run.resource, "SnapshotStarted", "snapshot " + snapshot + " of " + r.physicalId());
        }
        return new Snapshotted(
            new PhaseResult(
                Outcome.reconciling(SNAPSHOTTING, rec.getMessage()), endings.config.fastPoll()),
            Map.of(),
            true);
      }
      snapshotValues.put(r.snapshotParameter(), state.parameterValue());
    }
    if (STEP_SNAPSHOTTING.equals(rec.getPhase())) {
      endings.events.normal(
          run.resource, "SnapshotAvailable", "snapshot " + rec.getSnapshot() + " available");
    }
    rec.setPhase(STEP_UPDATING);
    status.setPhase(UpgradePhase.Updating);
    return new Snapshotted(null, snapshotValues, true);
  }
}
