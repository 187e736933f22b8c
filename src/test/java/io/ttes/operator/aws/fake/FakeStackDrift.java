package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Stacks.DriftDetection;
import io.ttes.operator.aws.Stacks.ResourceDrift;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudFormation drift detection in memory (moto 5.2.1 does not implement it). As documented:
 *
 * <ul>
 *   <li>DetectStackDrift starts a detection and returns its StackDriftDetectionId at once; the
 *       detection runs in the background and changes nothing on the stack
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DetectStackDrift.html).
 *   <li>DescribeStackDriftDetectionStatus answers DETECTION_IN_PROGRESS until it ends, then
 *       DETECTION_COMPLETE with StackDriftStatus DRIFTED or IN_SYNC (here after {@link
 *       #describesUntilComplete} describes, default one)
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackDriftDetectionStatus.html).
 *   <li>DescribeStackResourceDrifts returns the resources of the stack's latest detection, filtered
 *       by StackResourceDriftStatusFilters (MODIFIED, DELETED)
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResourceDrifts.html).
 *   <li>An unknown detection id is a ValidationError.
 * </ul>
 */
public final class FakeStackDrift {
  public static final String DETECT = "CloudFormation.DetectStackDrift";
  public static final String STATUS = "CloudFormation.DescribeStackDriftDetectionStatus";
  public static final String RESOURCES = "CloudFormation.DescribeStackResourceDrifts";

  private final CallLog calls;
  private final Map<String, List<ResourceDrift>> drifted = new HashMap<>();
  private final Map<String, Detection> detections = new LinkedHashMap<>();
  private final Map<String, List<ResourceDrift>> latest = new HashMap<>();
  private int describesUntilComplete = 1;

  FakeStackDrift(CallLog calls) {
    this.calls = calls;
  }

  private static final class Detection {
    final String stack;
    int describes;

    Detection(String stack) {
      this.stack = stack;
    }
  }

  /** The stack's resource has drifted (MODIFIED or DELETED) from now on. */
  public synchronized FakeStackDrift resourceDrifted(
      String stack, String logicalId, String resourceType, String status) {
    drifted
        .computeIfAbsent(stack, s -> new ArrayList<>())
        .add(new ResourceDrift(logicalId, stack + "-" + logicalId, resourceType, status));
    return this;
  }

  /** The stack's resources are as their template says again. */
  public synchronized FakeStackDrift inSync(String stack) {
    drifted.remove(stack);
    return this;
  }

  /** Describes a detection answers DETECTION_IN_PROGRESS before it completes. */
  public synchronized FakeStackDrift describesUntilComplete(int describes) {
    this.describesUntilComplete = describes;
    return this;
  }

  /** Detections started, in order: the stack of each. */
  public synchronized List<String> detectedStacks() {
    return detections.values().stream().map(d -> d.stack).toList();
  }

  String detect(String stack) {
    calls.call(DETECT);
    synchronized (this) {
      String id = String.format("%08x-drift-%d", stack.hashCode(), detections.size() + 1);
      detections.put(id, new Detection(stack));
      return id;
    }
  }

  DriftDetection status(String id) {
    calls.call(STATUS);
    synchronized (this) {
      Detection d = detections.get(id);
      if (d == null) {
        throw new AwsException(
            AwsException.Kind.INVALID_INPUT,
            "DescribeStackDriftDetectionStatus",
            "ValidationError",
            "no drift detection " + id);
      }
      if (d.describes++ < describesUntilComplete) {
        return new DriftDetection("DETECTION_IN_PROGRESS", null, null);
      }
      List<ResourceDrift> found = List.copyOf(drifted.getOrDefault(d.stack, List.of()));
      latest.put(d.stack, found);
      return new DriftDetection(
          "DETECTION_COMPLETE", found.isEmpty() ? "IN_SYNC" : "DRIFTED", null);
    }
  }

  List<ResourceDrift> resources(String stack) {
    calls.call(RESOURCES);
    synchronized (this) {
      return latest.getOrDefault(stack, List.of());
    }
  }
}
