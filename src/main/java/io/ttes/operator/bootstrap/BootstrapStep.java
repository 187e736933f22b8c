package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import java.util.List;

/**
 * One command of a bootstrap. Cluster-scoped steps run once per TTESCluster whichever
 * TenantBootstrap asks first; tenant steps once per TenantBootstrap.
 *
 * @param createsObject true for create-* commands, whose "already exists" failure means done
 * @param after the steps of the same plan that must have succeeded before this one starts; steps
 *     whose {@code after} are done run at the same time
 */
public record BootstrapStep(
    String name,
    Scope scope,
    List<String> command,
    List<OpsTaskSpec.SecretArg> secretArgs,
    boolean createsObject,
    List<String> after) {

  /** The same step, to run after {@code steps}. */
  BootstrapStep after(List<String> steps) {
    return new BootstrapStep(name, scope, command, secretArgs, createsObject, List.copyOf(steps));
  }

  /** Where a step's "done" is recorded. */
  public enum Scope {
    CLUSTER,
    TENANT;

    public String label() {
      return this == CLUSTER ? "cluster" : "tenant";
    }
  }
}
