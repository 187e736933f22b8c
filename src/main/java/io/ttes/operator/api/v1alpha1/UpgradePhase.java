package io.ttes.operator.api.v1alpha1;

/** Phases of a StackUpgrade. */
public enum UpgradePhase {
  Pending,
  Planning,
  AwaitingApproval,
  Snapshotting,
  Updating,
  Migrating,
  Succeeded,
  Failed,
  Planned;

  public boolean isFinished() {
    return this == Succeeded || this == Failed || this == Planned;
  }
}
