package io.ttes.operator.upgrade;

/** Condition reasons of the StackUpgrade kind and the phases of its steps. */
final class UpgradeReasons {
  static final String PLANNING = "Planning";
  static final String PLANNED = "Planned";
  static final String AWAITING_APPROVAL = "AwaitingApproval";
  static final String SNAPSHOTTING = "Snapshotting";
  static final String UPDATING = "Updating";
  static final String MIGRATING = "Migrating";
  static final String SUSPENDED = "Suspended";
  static final String SUCCEEDED = "Succeeded";
  static final String ALREADY_AT_TARGET = "AlreadyAtTarget";
  static final String WAITING_FOR_LOCK = "WaitingForUpgrade";
  static final String ROLLBACK_FAILED = "RollbackFailed";
  static final String SNAPSHOT_FAILED = "SnapshotFailed";
  static final String CHANGE_SET_FAILED = "ChangeSetFailed";
  static final String OUTSIDE_WINDOW = "OutsideWindow";

  // Step phases in status.steps[].phase.
  static final String STEP_PENDING = UpgradeSteps.PENDING;
  static final String STEP_SKIPPED = UpgradeSteps.SKIPPED;
  static final String STEP_SNAPSHOTTING = "Snapshotting";
  static final String STEP_UPDATING = "Updating";
  static final String STEP_RUNNING = "Running";
  static final String STEP_SUCCEEDED = "Succeeded";
  static final String STEP_FAILED = "Failed";

  private UpgradeReasons() {}
}
