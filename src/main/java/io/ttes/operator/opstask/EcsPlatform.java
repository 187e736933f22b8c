package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.TTESClusterStatus.OpsTarget;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.EcsTasks.TaskState;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * OpsTasks as one-off ECS tasks of the ops task definition, in one ECS cluster. A launch runs the
 * revision the TTESCluster resolved ({@code status.ops.taskDefinition}); this class never looks a
 * revision up itself. Running tasks of one cluster are observed together ({@link
 * BatchedTaskObserver}).
 */
final class EcsPlatform implements TaskPlatform {
  private final AwsServices services;
  private final AwsTarget target;
  private final BatchedTaskObserver observer;
  private final Duration maxSnapshotAge;
  private final String ecsCluster;
  private final OpsTarget ops;
  private final String clusterName;

  /**
   * @param ecsCluster the ECS cluster the task runs in (or is to be launched in)
   * @param ops where to launch (the TTESCluster's status.ops); only read by {@link #launch}
   * @param clusterName the TTESCluster's name, for messages
   */
  EcsPlatform(
      AwsServices services,
      AwsTarget target,
      BatchedTaskObserver observer,
      Duration maxSnapshotAge,
      String ecsCluster,
      OpsTarget ops,
      String clusterName) {
    this.services = services;
    this.target = target;
    this.observer = observer;
    this.maxSnapshotAge = maxSnapshotAge;
    this.ecsCluster = ecsCluster;
    this.ops = ops;
    this.clusterName = clusterName;
  }

  @Override
  public String where() {
    return ecsCluster;
  }

  @Override
  public String describe(String taskId) {
    return "ECS task " + taskId;
  }

  @Override
  public String stopWord() {
    return "stopped";
  }

  @Override
  public Optional<Started> find(String token) {
    Optional<TaskState> found = services.ecs().findStartedBy(ecsCluster, token);
    found.ifPresent(s -> observer.track(target, ecsCluster, s.taskArn()));
    return found.map(
        s ->
            new Started(
                s.taskArn(),
                s.startedAt(),
                null,
                s.stopped(),
                "found ECS task " + s.taskArn() + " launched before a restart; following it"));
  }

  @Override
  public Launched launch(LaunchOrder order) {
    String taskDefinition = ops.getTaskDefinition();
    Launch launch;
    try {
      launch =
          services
              .ecs()
              .launch(
                  new RunRequest(
                      ecsCluster,
                      taskDefinition,
                      order.plan().launchType(),
                      List.copyOf(ops.getSubnets()),
                      List.copyOf(ops.getSecurityGroups()),
                      order.plan().container(),
                      order.plan().command().argv(order.values()),
                      order.token(),
                      order.clientToken()));
    } catch (AwsException e) {
      if (revisionGone(e)) {
        throw revisionGoneProblem(taskDefinition, e);
      }
      throw e;
    }
    if (!launch.isStarted()) {
      return Launched.refusedBy(launch);
    }
    observer.track(target, ecsCluster, launch.taskArn());
    return Launched.of(
        new Started(
            launch.taskArn(),
            null,
            taskDefinition,
            false,
            "started ECS task " + launch.taskArn() + ": " + order.plan().command().display()));
  }

  /**
   * RunTask's ClientException for a revision that was deregistered ("TaskDefinition is inactive")
   * or deleted.
   */
  static boolean revisionGone(AwsException e) {
    if (e.kind() != AwsException.Kind.INVALID_INPUT || e.getMessage() == null) {
      return false;
    }
    String m = e.getMessage().toLowerCase(Locale.ROOT).replace(" ", "");
    return m.contains("taskdefinitionisinactive") || m.contains("taskdefinitionnotfound");
  }

  private SpecProblem revisionGoneProblem(String taskDefinition, AwsException e) {
    return new SpecProblem(
        OpsTaskFlow.TASK_DEFINITION_INACTIVE,
        "spec.clusterRef.name",
        "TTESCluster "
            + clusterName
            + " resolved the ops task definition "
            + taskDefinition
            + " (status.ops.taskDefinition), which ECS says is inactive or gone ("
            + e.operation()
            + " "
            + e.errorCode()
            + "); the TTESCluster resolves the latest ACTIVE revision again when its ops stack"
            + " changes, and the task is launched then");
  }

  @Override
  public Observation observe(String taskArn) {
    Optional<TaskState> observed =
        observer.observe(target, services.ecs(), ecsCluster, taskArn, maxSnapshotAge);
    if (observed.isEmpty()) {
      return Observation.absent(Reasons.TASK_MISSING, UnknownResults.taskMissing(taskArn));
    }
    TaskState state = observed.get();
    if (!state.stopped()) {
      return Observation.running(() -> tail(state));
    }
    return ended(state).withStopCode(state.stopCode());
  }

  private Observation ended(TaskState state) {
    Integer exit = state.exitCode();
    if (exit != null && exit == 0) {
      return Observation.ended(0, Reasons.COMPLETED, "exited with code 0", List.of(), tail(state));
    }
    if (exit != null) {
      return Observation.ended(
          exit,
          Reasons.NON_ZERO_EXIT,
          "exited with code " + exit,
          texts(state.stoppedReason()),
          tail(state));
    }
    return Observation.ended(
        null,
        Reasons.STOPPED_BY_AWS,
        "stopped by ECS without an exit code: "
            + (state.stopCode() == null ? "" : state.stopCode()),
        texts(state.stoppedReason(), state.containerReason()),
        tail(state));
  }

  @Override
  public boolean stop(String taskArn, String reason) {
    try {
      services.ecs().stop(ecsCluster, taskArn, reason);
      return true;
    } catch (AwsException e) {
      if (e.kind() == AwsException.Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private Tail tail(TaskState state) {
    if (state.logGroup() == null || state.logStream() == null) {
      return null;
    }
    try {
      List<String> lines =
          LogTailReader.read(services.logs(), state.logGroup(), state.logStream(), LOG_TAIL_LINES);
      return new Tail(lines.isEmpty() ? null : String.join("\n", lines), null);
    } catch (AwsException e) {
      // The result matters more than the log: finish without it.
      return new Tail(null, e.operation() + " " + e.kind());
    }
  }

  private static List<String> texts(String... awsTexts) {
    List<String> out = new ArrayList<>();
    for (String t : awsTexts) {
      if (t != null && !t.isBlank()) {
        out.add(t);
      }
    }
    return out;
  }
}
