package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.DriftDetectionStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.DriftedResource;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDriftCheck;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.DriftDetection;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CloudFormation drift detection of the stacks' resources at {@code spec.driftDetection.interval}:
 * every interval one DetectStackDrift per stack, then on each poll
 * DescribeStackDriftDetectionStatus of the detections still running and, for a stack found DRIFTED,
 * DescribeStackResourceDrifts of its MODIFIED and DELETED resources. All of it is read-only for the
 * stacks; the detection ids are kept in {@code status.driftDetection}, so a restart follows the
 * running detections instead of starting new ones. AWS refusing a call does not touch the cluster's
 * Ready: the stack's check shows {@code Error} and the reason, and the next interval tries again.
 */
final class DriftDetectionRuns {
  static final String ERROR = "Error";
  static final String RESOURCES_DRIFTED = "ResourcesDrifted";
  static final Duration MINIMUM = Duration.ofMinutes(1);
  private static final Pattern DURATION =
      Pattern.compile("^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$");

  private DriftDetectionRuns() {}

  /** The interval of {@code spec.driftDetection}, or null when off; a bad one is a SpecProblem. */
  static Duration interval(TTESClusterSpec spec) {
    String text = spec.getDriftDetection() == null ? null : spec.getDriftDetection().getInterval();
    if (text == null || text.isBlank()) {
      return null;
    }
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches() || text.trim().isEmpty()) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC,
          "spec.driftDetection.interval",
          "must be a duration such as 1h, 30m or 1h30m, not " + text);
    }
    Duration d =
        Duration.ofHours(number(m.group(1)))
            .plusMinutes(number(m.group(2)))
            .plusSeconds(number(m.group(3)));
    if (d.compareTo(MINIMUM) < 0) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC,
          "spec.driftDetection.interval",
          "must be at least 1m (each run is one DetectStackDrift per stack), not " + text);
    }
    return d;
  }

  private static long number(String group) {
    return group == null ? 0 : Long.parseLong(group);
  }

  /** Starts, follows or finishes the run in {@code next.driftDetection}. */
  static void advance(
      Duration interval,
      List<String> stackNames,
      TTESClusterStatus next,
      Stacks stacks,
      Instant now) {
    if (interval == null) {
      next.setDriftDetection(null);
      return;
    }
    DriftDetectionStatus run = next.getDriftDetection();
    boolean running =
        run != null && run.getStacks().stream().anyMatch(DriftDetectionRuns::inProgress);
    if (running) {
      run.getStacks().stream()
          .filter(DriftDetectionRuns::inProgress)
          .forEach(c -> follow(c, stacks));
      return;
    }
    if (run != null
        && run.getStartedAt() != null
        && now.isBefore(Instant.parse(run.getStartedAt()).plus(interval))) {
      return;
    }
    DriftDetectionStatus started = new DriftDetectionStatus();
    started.setStartedAt(now.truncatedTo(ChronoUnit.SECONDS).toString());
    for (String name : stackNames) {
      StackDriftCheck c = new StackDriftCheck();
      c.setName(name);
      try {
        c.setDetectionId(stacks.detectDrift(name));
        c.setDetectionStatus("DETECTION_IN_PROGRESS");
      } catch (AwsException e) {
        failed(c, e);
      }
      started.getStacks().add(c);
    }
    next.setDriftDetection(started);
  }

  private static boolean inProgress(StackDriftCheck c) {
    return "DETECTION_IN_PROGRESS".equals(c.getDetectionStatus()) && c.getDetectionId() != null;
  }

  private static void follow(StackDriftCheck c, Stacks stacks) {
    try {
      DriftDetection d = stacks.driftDetection(c.getDetectionId());
      c.setDetectionStatus(d.detectionStatus());
      c.setStackDriftStatus(d.stackDriftStatus());
      c.setMessage(d.reason());
      if (!d.inProgress() && "DRIFTED".equals(d.stackDriftStatus())) {
        List<DriftedResource> resources = new ArrayList<>();
        for (Stacks.ResourceDrift r : stacks.resourceDrifts(c.getName())) {
          DriftedResource dr = new DriftedResource();
          dr.setLogicalId(r.logicalId());
          dr.setPhysicalId(r.physicalId());
          dr.setResourceType(r.resourceType());
          dr.setStatus(r.status());
          resources.add(dr);
        }
        c.setResources(resources);
      }
    } catch (AwsException e) {
      failed(c, e);
    }
  }

  private static void failed(StackDriftCheck c, AwsException e) {
    c.setDetectionStatus(ERROR);
    c.setMessage(e.getMessage());
  }

  /**
   * Adds the drifted resources of the latest finished detections to {@code drift} (a stack whose
   * parameters are as applied is listed with reason ResourcesDrifted), in {@code stackNames} order.
   */
  static List<StackDrift> withResources(
      List<StackDrift> drift, DriftDetectionStatus run, List<String> stackNames) {
    if (run == null) {
      return drift;
    }
    List<StackDrift> out = new ArrayList<>();
    for (String name : stackNames) {
      StackDrift d = drift.stream().filter(x -> name.equals(x.getName())).findFirst().orElse(null);
      StackDriftCheck c =
          run.getStacks().stream().filter(x -> name.equals(x.getName())).findFirst().orElse(null);
      if (c != null && !c.getResources().isEmpty()) {
        if (d == null) {
          d = new StackDrift();
          d.setName(name);
          d.setReason(RESOURCES_DRIFTED);
        }
        d.setResources(new ArrayList<>(c.getResources()));
      }
      if (d != null) {
        out.add(d);
      }
    }
    return out;
  }
}
