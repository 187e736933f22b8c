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

  /**
   * Describes tasks in batches of up to 100 per call. ARNs ECS answers in {@code failures[]} with
   * reason {@code MISSING} are absent: just after RunTask (eventual consistency) and for tasks that
   * stopped long ago (ECS shows stopped tasks for about an hour).
   */
  Map<String, TaskState> describe(String cluster, Collection<String> taskArns);

  void stop(String cluster, String taskArn, String reason);

  /**
   * RunTask as ECS answers it: the started task, or the first entry of {@code failures[]} when ECS
   * answered HTTP 200 without a task (no capacity, a disconnected agent, a MISSING task definition
   * revision). Implementations that only know success fall back to {@link #run}.
   */
  default Launch launch(RunRequest request) {
    return Launch.started(run(request));
  }

  /** What RunTask did: a task ARN, or ECS's failure reason and detail (nothing was started). */
  record Launch(String taskArn, String failureReason, String failureDetail) {
    public static Launch started(String taskArn) {
      return new Launch(taskArn, null, null);
    }

    public static Launch failed(String reason, String detail) {
      return new Launch(null, reason == null ? "no task and no failure returned" : reason, detail);
    }

    public boolean isStarted() {
      return taskArn != null;
    }

    /**
     * Failures that go away by themselves when capacity frees up or the agent reconnects
     * (RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:ENI, AGENT, capacity provider, throttling); the
     * others (MISSING, ATTRIBUTE, ...) need a person.
     */
    public boolean isTransient() {
      if (isStarted()) {
        return false;
      }
      String r = failureReason.toUpperCase(java.util.Locale.ROOT);
      return r.startsWith("RESOURCE")
          || r.startsWith("AGENT")
          || r.contains("CAPACITY")
          || r.contains("THROTTL")
          || r.contains("UNAVAILABLE")
          || r.contains("LIMIT");
    }

    /** "RESOURCE:MEMORY (detail)" as ECS said it. */
    public String describeFailure() {
      return failureReason
          + (failureDetail == null || failureDetail.isBlank() ? "" : " (" + failureDetail + ")");
    }
  }

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
