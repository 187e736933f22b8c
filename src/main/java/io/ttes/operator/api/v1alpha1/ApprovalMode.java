package io.ttes.operator.api.v1alpha1;

/** Whether a planned upgrade executes by itself or waits for spec.approvedPlan. */
public enum ApprovalMode {
  Automatic,
  Manual
}
