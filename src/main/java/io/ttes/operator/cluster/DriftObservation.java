package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackStatus;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The drift part of a cluster observation: compares the stacks just read with their baselines
 * ({@link DriftComparison}), writes {@code status.drift} and the Drifted condition (never Ready),
 * and announces a change of the drifted set with one event. While an upgrade holds the cluster its
 * stacks are meant to change: drift is left as it was and looked at again when the upgrade ends.
 */
final class DriftObservation {
  static final String FIRST_OBSERVATION = "FirstObservation";
  static final String IN_SYNC = "InSync";
  static final String NOT_COMPARED = "NotCompared";
  static final String DRIFT_RESOLVED = "DriftResolved";

  private final ConditionWriter conditions;
  private final EventRecorder events;
  private final DeclaredNoEcho declared = new DeclaredNoEcho();

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
      AwsServices aws) {
    if (previous == null || previous.getActiveUpgrade() != null) {
      return;
    }
    Stacks stacks = aws.stacks();
    Map<String, Set<String>> noEcho = new LinkedHashMap<>();
    Map<String, String> unknown = new LinkedHashMap<>();
    for (StackStatus s : next.getStacks()) {
      StackInfo info = observed.get(s.getName());
      if (info != null && !info.inProgress()) {
        try {
          noEcho.put(s.getName(), declared.of(info, aws.changeSets()));
        } catch (AwsException e) {
          unknown.put(s.getName(), e.getMessage());
        }
      }
    }
    String namespace = cluster.getMetadata().getNamespace();
    String name = cluster.getMetadata().getName();
    List<AppliedStack> applied = new ArrayList<>();
    boolean holdsNoEcho = false;
    for (AppliedStack a :
        previous.getApplied() == null ? List.<AppliedStack>of() : previous.getApplied()) {
      Set<String> keys = noEcho.get(a.getName());
      AppliedStack kept = keys == null ? a : DriftComparison.withoutHidden(a, keys);
      holdsNoEcho |= kept != a;
      applied.add(kept);
    }
    List<AppliedStack> adopted = new ArrayList<>();
    for (StackStatus s : next.getStacks()) {
      StackInfo info = observed.get(s.getName());
      if (DriftBaseline.find(applied, s.getName()) == null && noEcho.containsKey(s.getName())) {
        adopted.add(
            DriftComparison.baseline(
                info, noEcho.get(s.getName()), FIRST_OBSERVATION, conditions.now()));
      }
    }
    DriftBaseline baselines = new DriftBaseline(client);
    if (holdsNoEcho) {
      baselines.clean(namespace, name, noEcho);
    }
    if (!adopted.isEmpty()) {
      baselines.adopt(namespace, name, adopted);
      applied.addAll(adopted);
    }
    List<String> names = next.getStacks().stream().map(StackStatus::getName).toList();
    DriftDetectionRuns.advance(
        DriftDetectionRuns.interval(cluster.getSpec()),
        names,
        next,
        stacks,
        conditions.clock().instant());
    List<StackDrift> compared =
        new ArrayList<>(DriftComparison.compare(next.getStacks(), observed, applied, noEcho));
    // Not compared now: what was last reported for them stays until their keys can be read.
    for (StackDrift d : previous.getDrift() == null ? List.<StackDrift>of() : previous.getDrift()) {
      if (unknown.containsKey(d.getName())) {
        compared.add(d);
      }
    }
    List<StackDrift> drift =
        DriftDetectionRuns.withResources(inOrder(compared, names), next.getDriftDetection(), names);
    next.setDrift(drift);
    long generation = cluster.getMetadata().getGeneration();
    if (drift.isEmpty()) {
      conditions.setCondition(
          next,
          generation,
          ConditionTypes.DRIFTED,
          false,
          unknown.isEmpty() ? IN_SYNC : NOT_COMPARED,
          (unknown.isEmpty() ? "every stack" : "every stack compared")
              + " has the template version and parameters the operator last applied"
              + notCompared(unknown));
    } else {
      conditions.setCondition(
          next,
          generation,
          ConditionTypes.DRIFTED,
          true,
          reason(drift),
          "changed outside the operator since it last applied it: "
              + DriftComparison.describe(drift)
              + notCompared(unknown));
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

  /** The stacks of {@code drift} in the order of {@code names}. */
  private static List<StackDrift> inOrder(List<StackDrift> drift, List<String> names) {
    List<StackDrift> out = new ArrayList<>();
    for (String n : names) {
      drift.stream().filter(d -> n.equals(d.getName())).forEach(out::add);
    }
    return out;
  }

  private static String notCompared(Map<String, String> unknown) {
    if (unknown.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    unknown.forEach((stack, why) -> parts.add(stack + " (" + why + ")"));
    return "; not compared, its NoEcho parameters could not be read (GetTemplateSummary): "
        + String.join(", ", parts);
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
