package io.ttes.operator.bootstrap;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.cluster.ClusterTarget;
import io.ttes.operator.opstask.SecretArgResolver;
import io.ttes.operator.opstask.SecretReader;
import java.util.List;

/**
 * Secrets referenced by steps that still have to run must exist before any task starts, so a typo
 * stops the bootstrap with a clear reason instead of a failed command. The checks are the OpsTask's
 * ({@link SecretArgResolver}); the values read are dropped at once.
 */
final class BootstrapReferences {
  /**
   * The fields a bootstrap's secret problem names: the admin password is the only Kubernetes Secret
   * a step reads; the Secrets Manager secrets are named after the TTESCluster's spec.naming.
   */
  private static final SecretArgResolver.Fields FIELDS =
      (i, arg, keyPart) ->
          arg.getSecretKeyRef() != null
              ? "spec.admin.passwordSecretRef" + (keyPart ? ".key" : ".name")
              : "TTESCluster spec.naming";

  private final AwsServicesFactory aws;

  BootstrapReferences(AwsServicesFactory aws) {
    this.aws = aws;
  }

  /**
   * The steps whose references are checked before the first task starts (a typo must not leave a
   * bootstrap half done): all of them, or only the tenant steps while another bootstrap holds the
   * cluster-wide steps. That holder checked theirs, whoever takes the guard next checks them before
   * its first task, and reading Secrets Manager on every poll of every waiting bootstrap costs AWS
   * calls for nothing.
   *
   * @param holder the cluster's bootstrap holder (null: nobody)
   * @param me this bootstrap, as namespace/name
   */
  static List<BootstrapStep> toCheckFirst(List<BootstrapStep> steps, String holder, String me) {
    boolean othersRunClusterSteps = holder != null && !holder.equals(me);
    return othersRunClusterSteps
        ? steps.stream().filter(s -> s.scope() == Scope.TENANT).toList()
        : steps;
  }

  /** Throws the first problem of the references of {@code steps} that are not done yet. */
  void check(
      TenantBootstrap tb,
      TTESCluster cluster,
      List<BootstrapStep> steps,
      TenantBootstrapStatus status,
      Context<TenantBootstrap> context) {
    String ns = tb.getMetadata().getNamespace();
    var resolver =
        new SecretArgResolver(
            SecretReader.fromSecrets(
                name -> context.getClient().secrets().inNamespace(ns).withName(name).get()),
            ns,
            () -> aws.forTarget(ClusterTarget.of(cluster)).secrets());
    for (BootstrapStep step : steps) {
      if ("Succeeded".equals(BootstrapRecords.record(status, step.name()).getPhase())
          || (step.scope() == Scope.CLUSTER
              && ClusterBootstrapLedger.done(cluster, step.name()).isPresent())) {
        continue;
      }
      resolver.resolve(step.secretArgs(), FIELDS);
    }
  }
}
