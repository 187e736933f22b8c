package io.ttes.operator.api.v1alpha1;

/** Phases of a TenantBootstrap. */
public enum BootstrapPhase {
  Pending,
  Running,
  Succeeded,
  Failed
}
