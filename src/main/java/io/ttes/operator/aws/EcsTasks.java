package io.ttes.operator.aws;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One-off ECS tasks of the ops task definition. */
public interface EcsTasks {
  /** ARN of the latest ACTIVE revision of a task definition family (or of the family of an ARN). */
  String latestActiveRevision(String familyOrArn);

  /** Starts one task and returns its ARN. */
  String run(RunRequest request);

  /**
   * Finds a task started with this {@code startedBy} (running or stopped), so a launch whose result
   * was lost in a crash is found instead of repeated.
   */
  Optional<TaskState> findStartedBy(String cluster, String startedBy);

  /** Describes tasks in batches of up to 100 per call; unknown ARNs are absent. */
  Map<String, TaskState> describe(String cluster, Collection<String> taskArns);

  void stop(String cluster, String taskArn, String reason);

  /** A RunTask with a container command override in an awsvpc network without public IP. */
  record RunRequest(
      String cluster,
      String taskDefinition,
      String launchType,
      List<String> subnets,
      List<String> securityGroups,
      String container,
      List<String> command,
      String startedBy,
      String clientToken) {

    @Override
    public String toString() {
      // The command may hold secret values: never print it.
      return "RunRequest[cluster=" + cluster + ", taskDefinition=" + taskDefinition + "]";
    }
  }

  /**
   * A task as ECS describes it. {@code exitCode} is the overridden container's; log group and
   * stream are where its output went (null when the task definition logs elsewhere).
   */
  record TaskState(
      String taskArn,
      String lastStatus,
      String stopCode,
      String stoppedReason,
      Integer exitCode,
      String containerReason,
      Instant startedAt,
      Instant stoppedAt,
      String logGroup,
      String logStream) {

    public boolean stopped() {
      return "STOPPED".equals(lastStatus) || "DELETED".equals(lastStatus);
    }
  }
}
