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

  /**
   * Starts CloudFormation drift detection of the stack (DetectStackDrift: it reads the resources'
   * configuration and changes nothing) and returns the detection id.
   */
  default String detectDrift(String stackName) {
    throw new UnsupportedOperationException("drift detection");
  }

  /** Where the detection {@code detectionId} stands (DescribeStackDriftDetectionStatus). */
  default DriftDetection driftDetection(String detectionId) {
    throw new UnsupportedOperationException("drift detection");
  }

  /**
   * The stack's resources whose configuration differs from the template (MODIFIED) or that were
   * deleted (DELETED) at its latest detection, all pages of DescribeStackResourceDrifts.
   */
  default List<ResourceDrift> resourceDrifts(String stackName) {
    throw new UnsupportedOperationException("drift detection");
  }

  /**
   * One drift detection.
   *
   * @param detectionStatus DETECTION_IN_PROGRESS, DETECTION_COMPLETE or DETECTION_FAILED
   * @param stackDriftStatus DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED
   */
  record DriftDetection(String detectionStatus, String stackDriftStatus, String reason) {
    public boolean inProgress() {
      return "DETECTION_IN_PROGRESS".equals(detectionStatus);
    }
  }

  /** A resource that drifted: MODIFIED or DELETED. */
  record ResourceDrift(String logicalId, String physicalId, String resourceType, String status) {}

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
