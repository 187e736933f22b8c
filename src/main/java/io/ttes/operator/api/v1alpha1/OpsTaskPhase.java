package io.ttes.operator.api.v1alpha1;

/** Lifecycle of an OpsTask. */
public enum OpsTaskPhase {
  Pending,
  Running,
  Succeeded,
  Failed;

  public boolean isFinished() {
    return this == Succeeded || this == Failed;
  }
}
