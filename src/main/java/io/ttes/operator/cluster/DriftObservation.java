package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackStatus;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The drift part of a cluster observation: compares the stacks just read with their baselines
 * ({@link DriftComparison}), writes {@code status.drift} and the Drifted condition (never Ready),
 * and announces a change of the drifted set with one event. While an upgrade holds the cluster its
 * stacks are meant to change: drift is left as it was and looked at again when the upgrade ends.
 */
final class DriftObservation {
  static final String FIRST_OBSERVATION = "FirstObservation";
  static final String IN_SYNC = "InSync";
  static final String DRIFT_RESOLVED = "DriftResolved";

  private final ConditionWriter conditions;
  private final EventRecorder events;

  DriftObservation(ConditionWriter conditions, EventRecorder events) {
    this.conditions = conditions;
    this.events = events;
  }

  /**
   * @param previous the status the reconcile started from (null for a cluster never observed: its
   *     first status write must come first, see {@link DriftBaseline})
   */
  void observe(
      TTESCluster cluster,
      KubernetesClient client,
      TTESClusterStatus previous,
      TTESClusterStatus next,
      Map<String, StackInfo> observed,
      Stacks stacks) {
    if (previous == null || previous.getActiveUpgrade() != null) {
      return;
    }
    List<AppliedStack> applied =
        new ArrayList<>(previous.getApplied() == null ? List.of() : previous.getApplied());
    List<AppliedStack> adopted = new ArrayList<>();
    for (StackStatus s : next.getStacks()) {
      StackInfo info = observed.get(s.getName());
      if (DriftBaseline.find(applied, s.getName()) == null && info != null && !info.inProgress()) {
        adopted.add(DriftComparison.baseline(info, FIRST_OBSERVATION, conditions.now()));
      }
    }
    if (!adopted.isEmpty()) {
      new DriftBaseline(client)
          .adopt(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), adopted);
      applied.addAll(adopted);
    }
    List<String> names = next.getStacks().stream().map(StackStatus::getName).toList();
    DriftDetectionRuns.advance(
        DriftDetectionRuns.interval(cluster.getSpec()),
        names,
        next,
        stacks,
        conditions.clock().instant());
    List<StackDrift> drift =
        DriftDetectionRuns.withResources(
            DriftComparison.compare(next.getStacks(), observed, applied),
            next.getDriftDetection(),
            names);
    next.setDrift(drift);
    long generation = cluster.getMetadata().getGeneration();
    if (drift.isEmpty()) {
      conditions.setCondition(
          next,
          generation,
          ConditionTypes.DRIFTED,
          false,
          IN_SYNC,
          "every stack has the template version and parameters the operator last applied");
    } else {
      conditions.setCondition(
          next,
          generation,
          ConditionTypes.DRIFTED,
          true,
          reason(drift),
          "changed outside the operator since it last applied it: "
              + DriftComparison.describe(drift));
    }
    if (Objects.equals(previous.getDrift(), drift)) {
      return;
    }
    if (!drift.isEmpty()) {
      events.warning(
          cluster,
          ConditionTypes.DRIFTED,
          "changed outside the operator: " + DriftComparison.describe(drift));
    } else if (previous.getDrift() != null && !previous.getDrift().isEmpty()) {
      events.normal(
          cluster,
          DRIFT_RESOLVED,
          "every stack has the template version and parameters the operator last applied");
    }
  }

  /** The weightiest reason among the stacks: a template change, then parameters, then resources. */
  private static String reason(List<StackDrift> drift) {
    for (String r : List.of(DriftComparison.TEMPLATE_CHANGED, DriftComparison.PARAMETERS_CHANGED)) {
      if (drift.stream().anyMatch(d -> r.equals(d.getReason()))) {
        return r;
      }
    }
    return DriftDetectionRuns.RESOURCES_DRIFTED;
  }
}
