package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import io.ttes.operator.aws.EcsTasks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/** {@link EcsTasks} on ECS. */
final class SdkEcsTasks implements EcsTasks {
  static final int DESCRIBE_BATCH = 100;
  static final int MAX_STARTED_BY = 128;
  static final int MAX_CLIENT_TOKEN = 64;
  static final int MAX_STOP_REASON = 255;

  private final EcsClient ecs;

  /** Where each task definition revision logs; a revision never changes, so no expiry. */
  private final Map<String, Optional<LogTarget>> logTargets = new ConcurrentHashMap<>();

  SdkEcsTasks(EcsClient ecs) {
    this.ecs = ecs;
  }

  /** awslogs group and stream prefix of one container definition. */
  private record LogTarget(String group, String streamPrefix) {}

  @Override
  public String latestActiveRevision(String familyOrArn) {
    String family = family(familyOrArn);
    return describeTaskDefinition(family).taskDefinitionArn();
  }

  private TaskDefinition describeTaskDefinition(String taskDefinition) {
    try {
      return ecs.describeTaskDefinition(b -> b.taskDefinition(taskDefinition)).taskDefinition();
    } catch (ClientException e) {
      // ECS says "Unable to describe task definition." for an unknown family or revision.
      String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
      if (message != null && message.contains("Unable to describe task definition")) {
        throw new AwsException(
            Kind.NOT_FOUND, "DescribeTaskDefinition", "ClientException", message);
      }
      throw AwsErrors.map("DescribeTaskDefinition", e);
    } catch (RuntimeException e) {
      throw AwsErrors.map("DescribeTaskDefinition", e);
    }
  }

  /** "arn:aws:ecs:r:a:task-definition/fam:3", "fam:3" and "fam" all name family "fam". */
  static String family(String familyOrArn) {
    String s = familyOrArn;
    int slash = s.lastIndexOf('/');
    if (s.startsWith("arn:") && slash >= 0) {
      s = s.substring(slash + 1);
    }
    int colon = s.indexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  @Override
  public String run(RunRequest request) {
    Launch launch = launch(request);
    if (launch.isStarted()) {
      return launch.taskArn();
    }
    throw new AwsException(
        launch.isTransient() ? Kind.RETRYABLE : Kind.INVALID_INPUT,
        "RunTask",
        "TaskFailure",
        launch.describeFailure());
  }

  /**
   * RunTask answers HTTP 200 with {@code failures[]} and no task when it cannot place one; that is
   * an answer, not an error, so it is returned as data. See
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html and
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/api_failures_messages.html
   */
  @Override
  public Launch launch(RunRequest request) {
    if (request.startedBy() != null && request.startedBy().length() > MAX_STARTED_BY) {
      throw new AwsException(
          Kind.INVALID_INPUT, "RunTask", null, "startedBy is longer than 128 characters");
    }
    if (request.clientToken() != null && request.clientToken().length() > MAX_CLIENT_TOKEN) {
      throw new AwsException(
          Kind.INVALID_INPUT, "RunTask", null, "clientToken is longer than 64 characters");
    }
    RunTaskResponse response =
        AwsErrors.call(
            "RunTask",
            () ->
                ecs.runTask(
                    b ->
                        b.cluster(request.cluster())
                            .taskDefinition(request.taskDefinition())
                            .count(1)
                            .launchType(request.launchType())
                            .networkConfiguration(
                                n ->
                                    n.awsvpcConfiguration(
                                        v ->
                                            v.subnets(request.subnets())
                                                .securityGroups(request.securityGroups())
                                                .assignPublicIp(AssignPublicIp.DISABLED)))
                            .overrides(
                                o ->
                                    o.containerOverrides(
                                        ContainerOverride.builder()
                                            .name(request.container())
                                            .command(request.command())
                                            .build()))
                            .startedBy(request.startedBy())
                            .clientToken(request.clientToken())));
    if (!response.tasks().isEmpty()) {
      return Launch.started(response.tasks().get(0).taskArn());
    }
    Failure failure = response.failures().isEmpty() ? null : response.failures().get(0);
    return failure == null ? Launch.failed(null, null) : failureOf(failure);
  }

  private static Launch failureOf(Failure failure) {
    return Launch.failed(failure.reason(), failure.detail());
  }

  @Override
  public Optional<TaskState> findStartedBy(String cluster, String startedBy) {
    for (DesiredStatus status : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
      List<String> arns =
          AwsErrors.call(
              "ListTasks",
              () ->
                  ecs.listTasks(b -> b.cluster(cluster).startedBy(startedBy).desiredStatus(status))
                      .taskArns());
      if (!arns.isEmpty()) {
        String arn = arns.get(0);
        return Optional.ofNullable(describe(cluster, List.of(arn)).get(arn));
      }
    }
    return Optional.empty();
  }

  @Override
  public Map<String, TaskState> describe(String cluster, Collection<String> taskArns) {
    List<String> all = new ArrayList<>(new LinkedHashSet<>(taskArns));
    Map<String, TaskState> result = new LinkedHashMap<>();
    for (int from = 0; from < all.size(); from += DESCRIBE_BATCH) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + DESCRIBE_BATCH));
      List<Task> tasks =
          AwsErrors.call(
              "DescribeTasks",
              () -> ecs.describeTasks(b -> b.cluster(cluster).tasks(batch)).tasks());
      for (Task task : tasks) {
        result.put(task.taskArn(), toState(task));
      }
    }
    return result;
  }

  private TaskState toState(Task task) {
    String containerName = overriddenContainer(task);
    Container container = null;
    for (Container c : task.containers()) {
      if (containerName == null || containerName.equals(c.name())) {
        container = c;
        break;
      }
    }
    if (container == null && !task.containers().isEmpty()) {
      container = task.containers().get(0);
    }
    // The container the command ran in: named by the override when ECS's answer has no name (moto
    // answers containers without a name for a revision its CloudFormation update registered).
    // Without a name the log target was not looked up at all, and the task had no log tail.
    String name = container != null && container.name() != null ? container.name() : containerName;
    String logGroup = null;
    String logStream = null;
    if (name != null && task.taskDefinitionArn() != null) {
      Optional<LogTarget> target = logTarget(task.taskDefinitionArn(), name);
      if (target.isPresent()) {
        logGroup = target.get().group();
        if (target.get().streamPrefix() != null) {
          logStream = target.get().streamPrefix() + "/" + name + "/" + taskId(task.taskArn());
        }
      }
    }
    return new TaskState(
        task.taskArn(),
        task.lastStatus(),
        task.stopCodeAsString(),
        task.stoppedReason(),
        container == null ? null : container.exitCode(),
        container == null ? null : container.reason(),
        task.startedAt(),
        task.stoppedAt(),
        logGroup,
        logStream);
  }

  private static String overriddenContainer(Task task) {
    if (task.overrides() == null) {
      return null;
    }
    return task.overrides().containerOverrides().stream()
        .map(ContainerOverride::name)
        .filter(n -> n != null)
        .findFirst()
        .orElse(null);
  }

  static String taskId(String taskArn) {
    return taskArn.substring(taskArn.lastIndexOf('/') + 1);
  }

  private Optional<LogTarget> logTarget(String taskDefinitionArn, String container) {
    String key = taskDefinitionArn + "#" + container;
    Optional<LogTarget> cached = logTargets.get(key);
    if (cached != null) {
      return cached;
    }
    TaskDefinition td;
    try {
      td = describeTaskDefinition(taskDefinitionArn);
    } catch (AwsException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        logTargets.put(key, Optional.empty());
        return Optional.empty();
      }
      throw e;
    }
    for (ContainerDefinition cd : td.containerDefinitions()) {
      logTargets.put(taskDefinitionArn + "#" + cd.name(), logTargetOf(cd.logConfiguration()));
    }
    if (td.containerDefinitions().size() == 1 && !logTargets.containsKey(key)) {
      // One container, answered without the name the task used (moto does so for a revision its
      // CloudFormation update registered): it is the one the command ran in.
      logTargets.put(key, logTargetOf(td.containerDefinitions().get(0).logConfiguration()));
    }
    return logTargets.computeIfAbsent(key, k -> Optional.empty());
  }

  private static Optional<LogTarget> logTargetOf(LogConfiguration config) {
    if (config == null || !"awslogs".equals(config.logDriverAsString())) {
      return Optional.empty();
    }
    String group = config.options().get("awslogs-group");
    if (group == null) {
      return Optional.empty();
    }
    return Optional.of(new LogTarget(group, config.options().get("awslogs-stream-prefix")));
  }

  @Override
  public void stop(String cluster, String taskArn, String reason) {
    String r =
        reason == null || reason.length() <= MAX_STOP_REASON
            ? reason
            : reason.substring(0, MAX_STOP_REASON);
    AwsErrors.run("StopTask", () -> ecs.stopTask(b -> b.cluster(cluster).task(taskArn).reason(r)));
  }
}
