package io.ttes.operator.upgrade;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.upgrade.UpgradeValidator.Validation;
import io.ttes.operator.version.TtesVersion;
import java.util.Objects;

/**
 * Everything one reconcile of a StackUpgrade works on: the resource, the status it computes (a
 * copy, written at the end or at a checkpoint), the cluster, its AWS services and the validation.
 */
final class UpgradeRun {
  /** Writes a status and returns the resource as stored afterwards. */
  interface StatusWriter {
    StackUpgrade write(StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus s);
  }

  StackUpgrade resource;
  final Context<StackUpgrade> context;
  final StackUpgradeStatus status;
  final StackUpgradeSpec spec;
  final String ns;
  final String name;
  final String uid;
  TTESCluster cluster;
  AwsServices services;
  Validation validation;
  boolean mutated;
  private final StatusWriter writer;

  UpgradeRun(
      StackUpgrade resource,
      Context<StackUpgrade> context,
      StackUpgradeStatus status,
      StatusWriter writer) {
    this.resource = resource;
    this.context = context;
    this.status = status;
    this.writer = writer;
    this.spec = resource.getSpec();
    this.ns = resource.getMetadata().getNamespace();
    this.name = resource.getMetadata().getName();
    this.uid = resource.getMetadata().getUid();
  }

  String clusterName() {
    return spec.getClusterRef().getName();
  }

  int attempt() {
    return status.getAttempt() == null ? 1 : status.getAttempt();
  }

  /**
   * The version this plan moves the stacks to: spec.targetVersion, or the current hop's version
   * while an upgrade walks hops and is not at its last one ({@link HopRoute}).
   */
  String target() {
    HopRoute.Leg hop = intermediateHop();
    return hop == null ? spec.getTargetVersion() : hop.to().toString();
  }

  /** {@link #target()} parsed; null when spec.targetVersion does not parse. */
  TtesVersion targetVersion() {
    HopRoute.Leg hop = intermediateHop();
    return hop != null ? hop.to() : validation == null ? null : validation.target();
  }

  /** The current hop when it is not the last one (whose version is spec.targetVersion). */
  private HopRoute.Leg intermediateHop() {
    if (validation == null || !validation.multiHop() || validation.route().last()) {
      return null;
    }
    return RollbackPlanner.isRollback(status.getPlan()) ? null : validation.route().leg();
  }

  /**
   * Whether this reconcile may make a mutating AWS call; when it may, the status as computed so far
   * is stored first (the write-ahead record of what is about to happen).
   */
  boolean mayMutate() {
    if (mutated) {
      return false;
    }
    mutated = true;
    checkpoint();
    return true;
  }

  /** {@link #mayMutate()}, with {@code record} applied to the status first when it may. */
  boolean mayMutateAfter(Runnable record) {
    if (mutated) {
      return false;
    }
    record.run();
    return mayMutate();
  }

  void checkpoint() {
    if (!Objects.equals(resource.getStatus(), status)) {
      StackUpgradeStatus copy = context.getClient().getKubernetesSerialization().clone(status);
      resource = writer.write(resource, context, copy);
    }
  }
}
