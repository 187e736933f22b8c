package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.OpsTarget;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ClusterTarget;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Connects OpsTasks to {@link EcsPlatform} (the ECS cluster of the TTESCluster's status.ops, or the
 * one recorded in the OpsTask's status) and {@link SsmPlatform} (the AMI's instance).
 */
final class AwsPlatformConnector implements PlatformConnector {
  private final BatchedTaskObserver observer;
  private final Duration fastPoll;
  private final Duration notFoundGrace;
  private final Clock clock;

  AwsPlatformConnector(
      BatchedTaskObserver observer, Duration fastPoll, Duration notFoundGrace, Clock clock) {
    this.observer = observer;
    this.fastPoll = fastPoll;
    this.notFoundGrace = notFoundGrace;
    this.clock = clock;
  }

  @Override
  public TaskPlatform forLaunch(
      LaunchPlan plan, OpsTask task, TTESCluster cluster, AwsServicesFactory aws) {
    AwsServices services = aws.forTarget(ClusterTarget.of(cluster));
    if (plan.platform() == Platform.AMI) {
      // Read at each launch: an AMI upgrade replaces the instance.
      String instance =
          AmiInstances.find(cluster.getSpec(), cluster.getMetadata().getName(), services.stacks());
      return ssm(services, instance, task, cluster);
    }
    return ecs(services, cluster.getStatus().getOps().getCluster(), cluster);
  }

  @Override
  public TaskPlatform forTask(
      OpsTaskStatus status, OpsTask task, TTESCluster cluster, AwsServicesFactory aws) {
    AwsServices services = aws.forTarget(ClusterTarget.of(cluster));
    if (status.getEcsCluster() != null) {
      return ecs(services, status.getEcsCluster(), cluster);
    }
    if (status.getTaskArn() == null && LaunchPlanner.platformOf(cluster) == Platform.ECS) {
      OpsTarget ops = cluster.getStatus() == null ? null : cluster.getStatus().getOps();
      return ops == null || ops.getCluster() == null
          ? null
          : ecs(services, ops.getCluster(), cluster);
    }
    String instance = AmiInstances.sentTo(status, cluster);
    return instance == null ? null : ssm(services, instance, task, cluster);
  }

  private TaskPlatform ecs(AwsServices services, String ecsCluster, TTESCluster cluster) {
    OpsTarget ops = cluster.getStatus() == null ? null : cluster.getStatus().getOps();
    return new EcsPlatform(
        services,
        ClusterTarget.of(cluster),
        observer,
        fastPoll,
        ecsCluster,
        ops,
        cluster.getMetadata().getName());
  }

  private TaskPlatform ssm(
      AwsServices services, String instance, OpsTask task, TTESCluster cluster) {
    return new SsmPlatform(
        services.ssm(),
        instance,
        LaunchPlanner.amiPrefix(cluster),
        searchSince(task),
        notFoundGrace);
  }

  /** Commands are looked up from a little before the OpsTask existed (clock skew). */
  private Instant searchSince(OpsTask task) {
    Instant created = OpsTaskFlow.created(task);
    return (created == null ? clock.instant().minus(Duration.ofDays(30)) : created)
        .minus(Duration.ofMinutes(5));
  }
}
