package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import java.time.Clock;
import java.time.Duration;

/**
 * Connects an OpsTask to its {@link TaskPlatform} for one reconcile (the "connect" step of a
 * crossplane external client): which platform, in which ECS cluster or on which instance. Tests of
 * the state machine connect it to a fake platform instead.
 */
interface PlatformConnector {
  /**
   * Where a new task of {@code plan} goes: the ECS cluster of the TTESCluster's status.ops, or the
   * AMI's instance as its stack names it now (one DescribeStacks, unless pinned).
   */
  TaskPlatform forLaunch(
      LaunchPlan plan, OpsTask task, TTESCluster cluster, AwsServicesFactory aws);

  /**
   * Where the task recorded in {@code status} runs, or was being launched; null when that is not
   * known (nothing can have been launched there).
   */
  TaskPlatform forTask(
      OpsTaskStatus status, OpsTask task, TTESCluster cluster, AwsServicesFactory aws);

  /** The ECS and SSM platforms over the AWS interfaces. */
  static PlatformConnector aws(
      BatchedTaskObserver observer, Duration fastPoll, Duration notFoundGrace, Clock clock) {
    return new AwsPlatformConnector(observer, fastPoll, notFoundGrace, clock);
  }
}
