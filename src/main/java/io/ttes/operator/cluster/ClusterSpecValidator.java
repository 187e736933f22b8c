package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.opstask.AmiInstances;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a TTESCluster spec before any AWS call. The CRD schema rejects most of this at admission
 * already; the checks are repeated because a cluster may run without schema validation, and because
 * some rules span fields (the ops stack must be one of the stacks).
 */
public final class ClusterSpecValidator {
  private static final Pattern REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  private static final Pattern STACK = Pattern.compile("^[a-zA-Z][-a-zA-Z0-9]{0,127}$");
  private static final Pattern TEMPLATE = Pattern.compile("^[0-9]+-[0-9]+[a-z]?-[a-z0-9-]+$");

  private ClusterSpecValidator() {}

  /** Throws the first problem found. */
  public static void validate(TTESClusterSpec spec) {
    if (spec == null) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec", "is missing");
    }
    if (spec.getRegion() == null || !REGION.matcher(spec.getRegion()).matches()) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC, "spec.region", "must be an AWS region such as eu-west-1");
    }
    if (spec.getNaming() == null
        || spec.getNaming().getNetwork() == null
        || spec.getNaming().getEnvironment() == null
        || spec.getNaming().getCluster() == null) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC, "spec.naming", "network, environment and cluster are required");
    }
    List<TTESClusterSpec.StackRef> stacks = spec.getStacks() == null ? List.of() : spec.getStacks();
    Set<String> names = new HashSet<>();
    Set<String> templates = new HashSet<>();
    for (int i = 0; i < stacks.size(); i++) {
      TTESClusterSpec.StackRef s = stacks.get(i);
      if (s.getName() == null || !STACK.matcher(s.getName()).matches()) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.stacks[" + i + "].name", "is not a stack name");
      }
      if (s.getTemplate() == null || !TEMPLATE.matcher(s.getTemplate()).matches()) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.stacks[" + i + "].template",
            "must be a TTES template name such as 5-2-ecs-ops");
      }
      if (!names.add(s.getName())) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.stacks[" + i + "].name", "lists " + s.getName() + " twice");
      }
      if (!templates.add(s.getTemplate())) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.stacks[" + i + "].template",
            "lists template " + s.getTemplate() + " twice");
      }
    }
    TTESClusterSpec.Ops ops = spec.getOps();
    if (spec.getPlatform() == Platform.AMI) {
      String amiStack = ops == null || ops.getAmi() == null ? null : ops.getAmi().getStack();
      if (amiStack != null && !names.contains(amiStack)) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.ops.ami.stack", amiStack + " is not one of spec.stacks");
      }
      if (AmiInstances.pinned(spec).isEmpty() && AmiInstances.stackOf(spec).isEmpty()) {
        throw new SpecProblem(
            Reasons.PLATFORM_MISMATCH,
            "spec.ops.ami.instanceId",
            "platform AMI runs ops commands on the EC2 instance of its stack: name the stack in"
                + " spec.ops.ami.stack (spec.stacks lists "
                + stacks.size()
                + "), or pin the instance id");
      }
      if (ops.getEcs() != null) {
        throw new SpecProblem(
            Reasons.PLATFORM_MISMATCH, "spec.ops.ecs", "is for platform ECS; this cluster is AMI");
      }
    } else {
      if (stacks.isEmpty()) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.stacks", "platform ECS needs the deployment's stacks");
      }
      if (ops == null || ops.getEcs() == null || ops.getEcs().getStack() == null) {
        throw new SpecProblem(
            Reasons.PLATFORM_MISMATCH,
            "spec.ops.ecs.stack",
            "platform ECS runs ops commands from the 5-2-ecs-ops stack: name it");
      }
      if (!names.contains(ops.getEcs().getStack())) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.ops.ecs.stack",
            ops.getEcs().getStack() + " is not one of spec.stacks");
      }
      if (ops.getAmi() != null) {
        throw new SpecProblem(
            Reasons.PLATFORM_MISMATCH, "spec.ops.ami", "is for platform AMI; this cluster is ECS");
      }
    }
    DriftDetectionRuns.interval(spec);
  }
}
