package io.ttes.operator.aws;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** CloudFormation stacks, read only. */
public interface Stacks {
  /**
   * Describes the named stacks, one DescribeStacks by name each (never a listing of the region's
   * stacks). Stacks that do not exist are absent from the result.
   */
  Map<String, StackInfo> describe(Collection<String> names);

  /** The stack's events, newest first, at most {@code max}. */
  List<StackEvent> events(String stackName, int max);

  /**
   * The events of the stack's latest update, newest first, back to and including the stack's
   * UPDATE_IN_PROGRESS event that started it: DescribeStackEvents is paged back (NextToken) as far
   * as needed, since a rollback of many resources pushes the event that explains it beyond the
   * first page. At most {@link #MAX_EVENT_PAGES} pages are read.
   */
  default List<StackEvent> eventsOfLatestUpdate(String stackName) {
    List<StackEvent> out = new ArrayList<>();
    for (StackEvent e : events(stackName, MAX_EVENT_PAGES * 100)) {
      out.add(e);
      if (e.startsUpdate(stackName)) {
        break;
      }
    }
    return out;
  }

  /** Bound on the pages {@link #eventsOfLatestUpdate} reads (100 events a page). */
  int MAX_EVENT_PAGES = 50;

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
      Instant timestamp, String logicalId, String resourceType, String status, String reason) {

    /** The stack's own UPDATE_IN_PROGRESS event: where an update begins. */
    public boolean startsUpdate(String stackName) {
      return "AWS::CloudFormation::Stack".equals(resourceType)
          && "UPDATE_IN_PROGRESS".equals(status)
          && (stackName == null || stackName.equals(logicalId));
    }

    public boolean failed() {
      return status != null && status.endsWith("_FAILED");
    }
  }
}
