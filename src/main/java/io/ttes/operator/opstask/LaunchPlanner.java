package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.OpsTarget;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an OpsTask would launch, from its spec and its cluster, as data: the command line (with
 * {@code $(NAME)} secret references, no values), the timeout, the platform and the ECS container
 * and launch type. Pure: a spec that cannot work is a {@link SpecProblem} naming the field.
 */
final class LaunchPlanner {
  static final String DEFAULT_BINARY = "tti-lw-stack";
  private static final Pattern TIMEOUT = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$");

  /** A launch as planned; {@code container} and {@code launchType} only on ECS. */
  record LaunchPlan(
      CommandLine command,
      Duration timeout,
      Platform platform,
      String container,
      String launchType) {}

  private LaunchPlanner() {}

  /** The launch of {@code task} on {@code cluster} (null: not found). */
  static LaunchPlan plan(OpsTask task, TTESCluster cluster) {
    OpsTaskSpec spec = task.getSpec();
    if (spec == null) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec", "is missing");
    }
    if (spec.getClusterRef() == null || isBlank(spec.getClusterRef().getName())) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec.clusterRef.name", "is required");
    }
    Duration timeout = parseTimeout(spec.getTimeout());
    String binary =
        cluster == null || isBlank(cluster.getSpec().getOps().getBinary())
            ? DEFAULT_BINARY
            : cluster.getSpec().getOps().getBinary();
    CommandLine command = CommandLine.parse(binary, spec.getCommand(), spec.getSecretArgs());
    String clusterName = spec.getClusterRef().getName();
    if (cluster == null) {
      throw new SpecProblem(
          Reasons.CLUSTER_NOT_FOUND,
          "spec.clusterRef.name",
          "TTESCluster "
              + clusterName
              + " not found in namespace "
              + (task.getMetadata().getNamespace() == null
                  ? ""
                  : task.getMetadata().getNamespace()));
    }
    Platform platform = platformOf(cluster);
    if (platform == Platform.AMI) {
      AmiInstances.checkFindable(cluster.getSpec(), clusterName);
      CommandLine.checkPrefix(amiPrefix(cluster));
      return new LaunchPlan(command, timeout, platform, null, null);
    }
    TTESClusterSpec.Ecs ecs = cluster.getSpec().getOps().getEcs();
    String container = ecs == null || isBlank(ecs.getContainer()) ? "ttes" : ecs.getContainer();
    String launchType =
        ecs == null || isBlank(ecs.getLaunchType()) ? "FARGATE" : ecs.getLaunchType();
    return new LaunchPlan(command, timeout, platform, container, launchType);
  }

  /** Why the launch has to wait for the cluster, or null when it need not. */
  static String waitingFor(LaunchPlan plan, TTESCluster cluster) {
    String name = cluster.getMetadata().getName();
    if (!ConditionWriter.isReady(cluster.getStatus(), cluster.getMetadata().getGeneration())) {
      return "waiting for TTESCluster " + name + " to be Ready";
    }
    if (plan.platform() == Platform.ECS
        && (cluster.getStatus() == null || cluster.getStatus().getOps() == null)) {
      return "waiting for TTESCluster " + name + " to report status.ops";
    }
    if (plan.platform() == Platform.ECS
        && isBlank(cluster.getStatus().getOps().getTaskDefinition())
        && !isBlank(cluster.getStatus().getOps().getCluster())) {
      // Cleared after RunTask said the revision is gone: the cluster resolves it again shortly.
      return "waiting for TTESCluster "
          + name
          + " to resolve the ops task definition again (status.ops.taskDefinition)";
    }
    return null;
  }

  /** An ECS launch needs the task definition, cluster and subnets the cluster resolved. */
  static void checkEcsTarget(LaunchPlan plan, TTESCluster cluster) {
    if (plan.platform() != Platform.ECS) {
      return;
    }
    OpsTarget ops = cluster.getStatus().getOps();
    String missing =
        isBlank(ops.getTaskDefinition())
            ? "status.ops.taskDefinition"
            : isBlank(ops.getCluster())
                ? "status.ops.cluster"
                : ops.getSubnets() == null || ops.getSubnets().isEmpty()
                    ? "status.ops.subnets"
                    : null;
    if (missing != null) {
      throw new SpecProblem(
          Reasons.PLATFORM_MISMATCH,
          "spec.clusterRef.name",
          "TTESCluster "
              + cluster.getMetadata().getName()
              + " has platform ECS but no "
              + missing
              + " (is spec.ops.ecs.stack the 5-2-ecs-ops stack?)");
    }
  }

  static Platform platformOf(TTESCluster cluster) {
    Platform p = cluster.getSpec().getPlatform();
    return p == null ? Platform.ECS : p;
  }

  static List<String> amiPrefix(TTESCluster cluster) {
    TTESClusterSpec.Ami ami = cluster.getSpec().getOps().getAmi();
    return ami == null || ami.getCommandPrefix() == null ? List.of() : ami.getCommandPrefix();
  }

  /** Parses {@code 30m}, {@code 90s}, {@code 1h30m}; null means the default of 30 minutes. */
  static Duration parseTimeout(String text) {
    if (text == null) {
      return Duration.ofMinutes(30);
    }
    Matcher m = TIMEOUT.matcher(text.trim());
    if (text.isBlank() || !m.matches()) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC, "spec.timeout", "must look like 30m, 90s or 1h30m");
    }
    Duration d = Duration.ZERO;
    if (m.group(1) != null) {
      d = d.plusHours(Long.parseLong(m.group(1)));
    }
    if (m.group(2) != null) {
      d = d.plusMinutes(Long.parseLong(m.group(2)));
    }
    if (m.group(3) != null) {
      d = d.plusSeconds(Long.parseLong(m.group(3)));
    }
    if (d.isZero()) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec.timeout", "must be longer than 0s");
    }
    return d;
  }

  /** 1h30m, 90s → 1m30s. */
  static String format(Duration d) {
    long s = d.getSeconds();
    StringBuilder out = new StringBuilder();
    if (s >= 3600) {
      out.append(s / 3600).append('h');
    }
    if (s % 3600 >= 60) {
      out.append(s % 3600 / 60).append('m');
    }
    if (s % 60 != 0 || out.isEmpty()) {
      out.append(s % 60).append('s');
    }
    return out.toString();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
