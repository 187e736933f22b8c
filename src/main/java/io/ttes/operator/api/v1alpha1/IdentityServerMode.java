package io.ttes.operator.api.v1alpha1;

/** Whether the cluster runs its own Identity Server (main cluster) or uses another's. */
public enum IdentityServerMode {
  Local,
  External
}
