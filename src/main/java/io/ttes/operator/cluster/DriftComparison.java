package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.DriftedResource;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackStatus;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.StackVersions;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares each observed stack with what the operator last applied to it (its baseline): the TTES
 * version the stack runs and its parameter values. Pure: no AWS or Kubernetes calls.
 *
 * <p>NoEcho parameters are never stored nor compared, so a changed NoEcho value is invisible by
 * design. Which parameters are NoEcho is decided by the template's declaration (the keys a caller
 * passes: the upgrade's plan, or GetTemplateSummary of the stack's current template, see {@link
 * DeclaredNoEcho}), not by the value DescribeStacks shows: AWS masks them as {@value #MASK}
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html,
 * "NoEcho"), but an answer that does not (moto 5.2.1 compares the value, not the key, with the
 * NoEcho keys) would otherwise put a secret into status and the Drifted condition. A masked value
 * is left out too, whatever the keys say.
 */
public final class DriftComparison {
  /** How CloudFormation shows a NoEcho parameter's value. */
  public static final String MASK = "****";

  public static final String TEMPLATE_CHANGED = "TemplateChanged";
  public static final String PARAMETERS_CHANGED = "ParametersChanged";

  private DriftComparison() {}

  /**
   * A baseline of {@code info} as it is now (its version as {@link StackVersions} reads it); the
   * {@code noEcho} keys and masked values are left out.
   */
  public static AppliedStack baseline(
      StackInfo info, Set<String> noEcho, String source, String at) {
    AppliedStack a = new AppliedStack();
    a.setName(info.name());
    a.setVersion(
        StackVersions.of(info.tags(), info.parameters()).map(TtesVersion::toString).orElse(null));
    Map<String, String> parameters = new LinkedHashMap<>();
    info.parameters()
        .forEach(
            (k, v) -> {
              if (!hidden(k, v, noEcho)) {
                parameters.put(k, v);
              }
            });
    a.setParameters(parameters);
    a.setSource(source);
    a.setRecordedAt(at);
    return a;
  }

  /** Whether a parameter is kept out of baselines and comparisons: NoEcho, or shown masked. */
  static boolean hidden(String key, String value, Set<String> noEcho) {
    return noEcho.contains(key) || MASK.equals(value);
  }

  /**
   * {@code applied} without its {@code noEcho} keys and masked values (a baseline recorded before
   * NoEcho was decided by the template: it may hold a value DescribeStacks did not mask); the same
   * object when there is nothing to drop.
   */
  static AppliedStack withoutHidden(AppliedStack applied, Set<String> noEcho) {
    Map<String, String> was = applied.getParameters() == null ? Map.of() : applied.getParameters();
    if (was.entrySet().stream().noneMatch(e -> hidden(e.getKey(), e.getValue(), noEcho))) {
      return applied;
    }
    AppliedStack a = new AppliedStack();
    a.setName(applied.getName());
    a.setVersion(applied.getVersion());
    Map<String, String> kept = new LinkedHashMap<>();
    was.forEach(
        (k, v) -> {
          if (!hidden(k, v, noEcho)) {
            kept.put(k, v);
          }
        });
    a.setParameters(kept);
    a.setSource(applied.getSource());
    a.setRecordedAt(applied.getRecordedAt());
    return a;
  }

  /**
   * The drifted stacks in the order of {@code stacks}. A stack without a baseline, in motion
   * (*_IN_PROGRESS: its parameters settle only when the update ends) or whose NoEcho keys are not
   * known is not compared.
   *
   * @param stacks the observed stacks (name and version), in spec order
   * @param observed what DescribeStacks said, by stack name
   * @param applied the baselines
   * @param noEcho per stack name, the NoEcho keys its current template declares
   */
  public static List<StackDrift> compare(
      List<StackStatus> stacks,
      Map<String, StackInfo> observed,
      List<AppliedStack> applied,
      Map<String, Set<String>> noEcho) {
    Map<String, AppliedStack> byName = new LinkedHashMap<>();
    for (AppliedStack a : applied == null ? List.<AppliedStack>of() : applied) {
      byName.put(a.getName(), a);
    }
    List<StackDrift> out = new ArrayList<>();
    for (StackStatus s : stacks) {
      AppliedStack baseline = byName.get(s.getName());
      StackInfo info = observed.get(s.getName());
      Set<String> hiddenKeys = noEcho.get(s.getName());
      if (baseline == null || info == null || info.inProgress() || hiddenKeys == null) {
        continue;
      }
      List<ParameterDrift> parameters =
          parameters(baseline.getParameters(), info.parameters(), hiddenKeys);
      boolean versionChanged = !Objects.equals(baseline.getVersion(), s.getVersion());
      if (!versionChanged && parameters.isEmpty()) {
        continue;
      }
      StackDrift d = new StackDrift();
      d.setName(s.getName());
      d.setReason(versionChanged ? TEMPLATE_CHANGED : PARAMETERS_CHANGED);
      d.setAppliedVersion(baseline.getVersion());
      d.setCurrentVersion(s.getVersion());
      d.setParameters(parameters);
      out.add(d);
    }
    return out;
  }

  private static List<ParameterDrift> parameters(
      Map<String, String> applied, Map<String, String> current, Set<String> noEcho) {
    Map<String, String> was = applied == null ? Map.of() : applied;
    Set<String> keys = new LinkedHashSet<>(was.keySet());
    keys.addAll(current.keySet());
    List<ParameterDrift> out = new ArrayList<>();
    for (String key : keys) {
      String before = was.get(key);
      String now = current.get(key);
      if (hidden(key, now, noEcho) || hidden(key, before, noEcho) || Objects.equals(before, now)) {
        continue;
      }
      ParameterDrift p = new ParameterDrift();
      p.setName(key);
      p.setApplied(before);
      p.setCurrent(now);
      out.add(p);
    }
    return out;
  }

  /** One line for a condition message: every stack, what changed (old → new). */
  public static String describe(List<StackDrift> drift) {
    List<String> parts = new ArrayList<>();
    for (StackDrift d : drift) {
      List<String> what = new ArrayList<>();
      if (!Objects.equals(d.getAppliedVersion(), d.getCurrentVersion())) {
        what.add("version " + shown(d.getAppliedVersion()) + " → " + shown(d.getCurrentVersion()));
      }
      for (ParameterDrift p : d.getParameters()) {
        what.add(p.getName() + " " + shown(p.getApplied()) + " → " + shown(p.getCurrent()));
      }
      for (DriftedResource r : d.getResources()) {
        what.add("resource " + r.getLogicalId() + " " + r.getStatus());
      }
      parts.add("stack " + d.getName() + ": " + String.join(", ", what));
    }
    return String.join("; ", parts);
  }

  private static String shown(String value) {
    return value == null ? "(none)" : value;
  }
}
