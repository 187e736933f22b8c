package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.version.StackVersions;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns what CloudFormation says about a deployment's stacks into the observed part of a
 * TTESCluster status and an {@link Outcome}. Pure: no AWS or Kubernetes calls.
 */
public final class ClusterObservation {
  /** Stack states from which no update proceeds until a person acts. */
  private static final Set<String> BROKEN =
      Set.of(
          "CREATE_FAILED",
          "ROLLBACK_FAILED",
          "ROLLBACK_COMPLETE",
          "DELETE_FAILED",
          "DELETE_COMPLETE",
          "UPDATE_ROLLBACK_FAILED",
          "UPDATE_FAILED",
          "IMPORT_ROLLBACK_FAILED");

  private ClusterObservation() {}

  /** The observed stacks in spec order; throws when a listed stack does not exist. */
  public static List<TTESClusterStatus.StackStatus> stacks(
      TTESClusterSpec spec, Map<String, StackInfo> observed) {
    List<TTESClusterStatus.StackStatus> out = new ArrayList<>();
    for (int i = 0; i < spec.getStacks().size(); i++) {
      TTESClusterSpec.StackRef ref = spec.getStacks().get(i);
      StackInfo info = observed.get(ref.getName());
      if (info == null) {
        throw new SpecProblem(
            Reasons.STACK_NOT_FOUND,
            "spec.stacks[" + i + "].name",
            "stack " + ref.getName() + " does not exist in " + spec.getRegion());
      }
      TTESClusterStatus.StackStatus s = new TTESClusterStatus.StackStatus();
      s.setName(ref.getName());
      s.setTemplate(ref.getTemplate());
      s.setStatus(info.status());
      s.setStatusReason(info.statusReason());
      s.setLastUpdatedTime(info.lastUpdated() == null ? null : info.lastUpdated().toString());
      s.setVersion(
          StackVersions.of(info.tags(), info.parameters()).map(TtesVersion::toString).orElse(null));
      out.add(s);
    }
    return out;
  }

  /**
   * The deployment's version: the lowest version among stacks that carry one (during an upgrade the
   * not yet upgraded stacks still run the old version).
   */
  public static Optional<String> version(List<TTESClusterStatus.StackStatus> stacks) {
    return stacks.stream()
        .map(TTESClusterStatus.StackStatus::getVersion)
        .map(TtesVersion::parse)
        .flatMap(Optional::stream)
        .min(TtesVersion::compareTo)
        .map(TtesVersion::toString);
  }

  public static boolean anyInProgress(List<TTESClusterStatus.StackStatus> stacks) {
    return stacks.stream()
        .anyMatch(s -> s.getStatus() != null && s.getStatus().endsWith("_IN_PROGRESS"));
  }

  /** Ready when every stack is stable; Stalled when one is broken; Reconciling while one moves. */
  public static Outcome outcome(List<TTESClusterStatus.StackStatus> stacks) {
    for (TTESClusterStatus.StackStatus s : stacks) {
      if (BROKEN.contains(s.getStatus())) {
        return Outcome.stalled(
            Reasons.STACK_FAILED,
            "stack "
                + s.getName()
                + " is "
                + s.getStatus()
                + (s.getStatusReason() == null ? "" : " (" + s.getStatusReason() + ")")
                + "; it needs a person before the operator can change this deployment");
      }
    }
    List<String> moving =
        stacks.stream()
            .filter(s -> s.getStatus() != null && s.getStatus().endsWith("_IN_PROGRESS"))
            .map(s -> s.getName() + " " + s.getStatus())
            .toList();
    if (!moving.isEmpty()) {
      return Outcome.reconciling(Reasons.STACKS_IN_PROGRESS, String.join(", ", moving));
    }
    return Outcome.ready(Reasons.STACKS_STABLE, stacks.size() + " stacks stable");
  }
}
