package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import java.util.List;

/**
 * One command of a bootstrap. Cluster-scoped steps run once per TTESCluster whichever
 * TenantBootstrap asks first; tenant steps once per TenantBootstrap.
 *
 * @param createsObject true for create-* commands, whose "already exists" failure means done
 */
public record BootstrapStep(
    String name,
    Scope scope,
    List<String> command,
    List<OpsTaskSpec.SecretArg> secretArgs,
    boolean createsObject) {

  /** Where a step's "done" is recorded. */
  public enum Scope {
    CLUSTER,
    TENANT;

    public String label() {
      return this == CLUSTER ? "cluster" : "tenant";
    }
  }
}
