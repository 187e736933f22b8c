package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Stacks;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** {@link Stacks} on CloudFormation. */
final class SdkStacks implements Stacks {
  /**
   * Up to this many names, one DescribeStacks per name is cheaper than listing every stack of the
   * account (a page holds ~100 stacks, and an account usually holds more than the cluster's).
   */
  static final int DESCRIBE_ONE_BY_ONE_UP_TO = 2;

  private final CloudFormationClient cfn;

  SdkStacks(CloudFormationClient cfn) {
    this.cfn = cfn;
  }

  @Override
  public Map<String, StackInfo> describe(Collection<String> names) {
    Set<String> wanted = new LinkedHashSet<>(names);
    Map<String, StackInfo> result = new LinkedHashMap<>();
    if (wanted.isEmpty()) {
      return result;
    }
    if (wanted.size() <= DESCRIBE_ONE_BY_ONE_UP_TO) {
      for (String name : wanted) {
        describeOne(name).ifPresent(s -> result.put(name, s));
      }
      return result;
    }
    AwsErrors.run(
        "DescribeStacks",
        () ->
            cfn.describeStacksPaginator(r -> {}).stacks().stream()
                .filter(s -> wanted.contains(s.stackName()))
                .filter(s -> !"DELETE_COMPLETE".equals(s.stackStatusAsString()))
                .forEach(s -> result.put(s.stackName(), toInfo(s))));
    return result;
  }

  private Optional<StackInfo> describeOne(String name) {
    try {
      return AwsErrors.call(
          "DescribeStacks",
          () ->
              cfn.describeStacks(r -> r.stackName(name)).stacks().stream()
                  .filter(s -> !"DELETE_COMPLETE".equals(s.stackStatusAsString()))
                  .findFirst()
                  .map(SdkStacks::toInfo));
    } catch (AwsException e) {
      // CloudFormation answers ValidationError "Stack with id X does not exist".
      if (e.kind() == AwsException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<Stacks.StackEvent> events(String stackName, int max) {
    if (max <= 0) {
      return List.of();
    }
    // AWS returns events newest first; the paginator is lazy, so limit() stops fetching pages.
    return AwsErrors.call(
        "DescribeStackEvents",
        () ->
            cfn.describeStackEventsPaginator(r -> r.stackName(stackName)).stackEvents().stream()
                .limit(max)
                .map(SdkStacks::toEvent)
                .toList());
  }

  private static Stacks.StackEvent toEvent(
      software.amazon.awssdk.services.cloudformation.model.StackEvent e) {
    return new Stacks.StackEvent(
        e.timestamp(),
        e.logicalResourceId(),
        e.resourceType(),
        e.resourceStatusAsString(),
        e.resourceStatusReason());
  }

  static StackInfo toInfo(Stack s) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (Parameter p : s.parameters()) {
      parameters.put(p.parameterKey(), p.parameterValue());
    }
    Map<String, String> outputs = new LinkedHashMap<>();
    for (Output o : s.outputs()) {
      outputs.put(o.outputKey(), o.outputValue());
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag t : s.tags()) {
      tags.put(t.key(), t.value());
    }
    return new StackInfo(
        s.stackName(),
        s.stackId(),
        s.stackStatusAsString(),
        s.stackStatusReason(),
        s.lastUpdatedTime() != null ? s.lastUpdatedTime() : s.creationTime(),
        parameters,
        outputs,
        tags);
  }
}
