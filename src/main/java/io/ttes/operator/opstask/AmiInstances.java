package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the EC2 instance of a platform-AMI deployment. An AMI upgrade replaces the instance, so a
 * stored id goes stale: unless {@code spec.ops.ami.instanceId} pins one, the instance is read from
 * the deployment stack's output ({@code InstanceId} by default) at each launch, one DescribeStacks.
 */
public final class AmiInstances {
  private static final Pattern INSTANCE_ID = Pattern.compile("^i-[0-9a-f]{8,17}$");

  private AmiInstances() {}

  /** The pinned instance id, or empty when the instance comes from the stack. */
  public static Optional<String> pinned(TTESClusterSpec spec) {
    TTESClusterSpec.Ami ami = spec.getOps() == null ? null : spec.getOps().getAmi();
    String id = ami == null ? null : ami.getInstanceId();
    return id == null || id.isBlank() ? Optional.empty() : Optional.of(id);
  }

  /**
   * The stack whose output names the instance: {@code spec.ops.ami.stack}, else the only stack of
   * {@code spec.stacks}; empty when neither names one (the spec is then invalid unless pinned).
   */
  public static Optional<String> stackOf(TTESClusterSpec spec) {
    TTESClusterSpec.Ami ami = spec.getOps() == null ? null : spec.getOps().getAmi();
    if (ami != null && ami.getStack() != null && !ami.getStack().isBlank()) {
      return Optional.of(ami.getStack());
    }
    List<TTESClusterSpec.StackRef> stacks = spec.getStacks();
    return stacks != null && stacks.size() == 1
        ? Optional.of(stacks.get(0).getName())
        : Optional.empty();
  }

  /** The output holding the instance id. */
  public static String outputOf(TTESClusterSpec spec) {
    TTESClusterSpec.Ami ami = spec.getOps() == null ? null : spec.getOps().getAmi();
    String output = ami == null ? null : ami.getInstanceOutput();
    return output == null || output.isBlank() ? "InstanceId" : output;
  }

  /**
   * The instance from stacks already described (the cluster's observation); empty when it cannot be
   * told from them.
   */
  public static Optional<String> fromObserved(TTESClusterSpec spec, Map<String, StackInfo> stacks) {
    Optional<String> pinned = pinned(spec);
    if (pinned.isPresent()) {
      return pinned;
    }
    return stackOf(spec)
        .map(stacks::get)
        .map(s -> s.outputs().get(outputOf(spec)))
        .filter(id -> INSTANCE_ID.matcher(id).matches());
  }

  /**
   * The instance to send a command to now: the pinned one, or the stack's output as CloudFormation
   * reports it at this moment.
   *
   * @throws SpecProblem naming the field when the stack or its output is missing or malformed
   */
  public static String find(TTESClusterSpec spec, String clusterName, Stacks stacks) {
    Optional<String> pinned = pinned(spec);
    if (pinned.isPresent()) {
      return pinned.get();
    }
    String stack =
        stackOf(spec)
            .orElseThrow(
                () ->
                    new SpecProblem(
                        Reasons.PLATFORM_MISMATCH,
                        "spec.clusterRef.name",
                        "TTESCluster "
                            + clusterName
                            + " has platform AMI but no instance to run on: set"
                            + " spec.ops.ami.stack (or spec.ops.ami.instanceId)"));
    String output = outputOf(spec);
    StackInfo info = stacks.describe(List.of(stack)).get(stack);
    if (info == null) {
      throw new SpecProblem(
          Reasons.STACK_NOT_FOUND,
          "spec.clusterRef.name",
          "stack " + stack + " of TTESCluster " + clusterName + " does not exist");
    }
    String id = info.outputs().get(output);
    if (id == null || id.isBlank()) {
      throw new SpecProblem(
          Reasons.OPS_OUTPUT_MISSING,
          "spec.clusterRef.name",
          "stack "
              + stack
              + " has no output "
              + output
              + " naming the instance (TTESCluster "
              + clusterName
              + " spec.ops.ami.instanceOutput)");
    }
    if (!INSTANCE_ID.matcher(id).matches()) {
      throw new SpecProblem(
          Reasons.OPS_OUTPUT_MALFORMED,
          "spec.clusterRef.name",
          "output " + output + " of stack " + stack + " is not an EC2 instance id: " + id);
    }
    return id;
  }

  /** Fails when neither a pinned instance nor a stack to read it from is named. */
  static void checkFindable(TTESClusterSpec spec, String clusterName) {
    if (pinned(spec).isEmpty() && stackOf(spec).isEmpty()) {
      throw new SpecProblem(
          Reasons.PLATFORM_MISMATCH,
          "spec.clusterRef.name",
          "TTESCluster "
              + clusterName
              + " has platform AMI but neither spec.ops.ami.stack nor spec.ops.ami.instanceId");
    }
  }

  /**
   * The instance a command went to: recorded at launch; for a status written before that was
   * recorded, the pinned instance or the one the cluster last observed.
   */
  static String sentTo(OpsTaskStatus status, TTESCluster cluster) {
    if (status.getInstanceId() != null) {
      return status.getInstanceId();
    }
    Optional<String> pinned = pinned(cluster.getSpec());
    if (pinned.isPresent() || cluster.getStatus() == null || cluster.getStatus().getOps() == null) {
      return pinned.orElse(null);
    }
    return cluster.getStatus().getOps().getInstanceId();
  }
}
