package io.ttes.operator.aws;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** CloudFormation stacks, read only. */
public interface Stacks {
  /**
   * Describes the named stacks, batching where AWS allows. Stacks that do not exist are absent from
   * the result.
   */
  Map<String, StackInfo> describe(Collection<String> names);

  /** The stack's events, newest first, at most {@code max}. */
  List<StackEvent> events(String stackName, int max);

  /** A stack as CloudFormation describes it. */
  record StackInfo(
      String name,
      String stackId,
      String status,
      String statusReason,
      Instant lastUpdated,
      Map<String, String> parameters,
      Map<String, String> outputs,
      Map<String, String> tags) {

    public boolean inProgress() {
      return status != null && status.endsWith("_IN_PROGRESS");
    }
  }

  /** One stack event. */
  record StackEvent(
      Instant timestamp, String logicalId, String resourceType, String status, String reason) {}
}
