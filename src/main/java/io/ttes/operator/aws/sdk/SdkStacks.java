package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Stacks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceDriftStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/**
 * {@link Stacks} on CloudFormation. Stacks are always described by name, one DescribeStacks each:
 * without a StackName, DescribeStacks lists every stack of the region page by page, which at the
 * fast poll of several clusters used up the account's CloudFormation request rate ("Rate exceeded",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html) for stacks
 * the operator never asked about.
 */
final class SdkStacks implements Stacks {
  private final CloudFormationClient cfn;

  SdkStacks(CloudFormationClient cfn) {
    this.cfn = cfn;
  }

  @Override
  public Map<String, StackInfo> describe(Collection<String> names) {
    Map<String, StackInfo> result = new LinkedHashMap<>();
    for (String name : new LinkedHashSet<>(names)) {
      describeOne(name).ifPresent(s -> result.put(name, s));
    }
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

  @Override
  public List<Stacks.StackEvent> eventsOfLatestUpdate(String stackName) {
    // Newest first; the paginator is lazy and fetches the next page (NextToken) only when the
    // update's first event was not on the pages read so far.
    return AwsErrors.call(
        "DescribeStackEvents",
        () -> {
          List<Stacks.StackEvent> out = new ArrayList<>();
          var pages = cfn.describeStackEventsPaginator(r -> r.stackName(stackName)).iterator();
          for (int page = 0; page < MAX_EVENT_PAGES && pages.hasNext(); page++) {
            for (var e : pages.next().stackEvents()) {
              Stacks.StackEvent event = toEvent(e);
              out.add(event);
              if (event.startsUpdate(stackName)) {
                return out;
              }
            }
          }
          return out;
        });
  }

  @Override
  public String detectDrift(String stackName) {
    return AwsErrors.call(
        "DetectStackDrift",
        () -> cfn.detectStackDrift(r -> r.stackName(stackName)).stackDriftDetectionId());
  }

  @Override
  public DriftDetection driftDetection(String detectionId) {
    return AwsErrors.call(
        "DescribeStackDriftDetectionStatus",
        () -> {
          var r = cfn.describeStackDriftDetectionStatus(b -> b.stackDriftDetectionId(detectionId));
          return new DriftDetection(
              r.detectionStatusAsString(), r.stackDriftStatusAsString(), r.detectionStatusReason());
        });
  }

  @Override
  public List<ResourceDrift> resourceDrifts(String stackName) {
    return AwsErrors.call(
        "DescribeStackResourceDrifts",
        () ->
            cfn
                .describeStackResourceDriftsPaginator(
                    r ->
                        r.stackName(stackName)
                            .stackResourceDriftStatusFilters(
                                StackResourceDriftStatus.MODIFIED,
                                StackResourceDriftStatus.DELETED))
                .stream()
                .flatMap(page -> page.stackResourceDrifts().stream())
                .map(
                    d ->
                        new ResourceDrift(
                            d.logicalResourceId(),
                            d.physicalResourceId(),
                            d.resourceType(),
                            d.stackResourceDriftStatusAsString()))
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
