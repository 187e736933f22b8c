package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.StackVersions;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides the parameters of a stack's change set for the target template (docs/runbook.md,
 * "Upgrading (ECS)", steps 2 and 3): previous values are kept, TTES image parameters move to the
 * target version, overrides win over both, new parameters take their default, removed ones are
 * dropped. A declared parameter left without any value is a {@link PlanProblem#MISSING_PARAMETER}
 * problem.
 */
public final class ParameterPlanner {
  public static final String KEPT = "Kept";
  public static final String IMAGE = "Image";
  public static final String OVERRIDE = "Override";
  public static final String NEW = "New";
  public static final String REMOVED = "Removed";

  /** What status shows instead of a NoEcho value (CloudFormation itself answers this). */
  public static final String MASK = "****";

  /**
   * Plans one stack's parameters.
   *
   * @param stackName the stack, used in problem fields
   * @param target the target template's declared parameters
   * @param current the stack as it is now (its parameters; NoEcho ones read {@code ****})
   * @param targetVersion where image parameters move to
   * @param globalOverrides spec.parameters: applied only when the template declares the key
   * @param stackOverrides spec.stacks[name].parameters: every key must be declared
   */
  public ParameterPlan plan(
      String stackName,
      TemplateSummary target,
      StackInfo current,
      TtesVersion targetVersion,
      Map<String, String> globalOverrides,
      Map<String, String> stackOverrides) {
    Map<String, String> currentValues =
        current == null || current.parameters() == null ? Map.of() : current.parameters();
    Map<String, String> global = globalOverrides == null ? Map.of() : globalOverrides;
    Map<String, String> perStack = stackOverrides == null ? Map.of() : stackOverrides;
    List<TemplateParameter> declared =
        target == null || target.parameters() == null ? List.of() : target.parameters();

    Map<String, String> values = new LinkedHashMap<>();
    List<String> usePrevious = new ArrayList<>();
    Set<String> noEcho = new LinkedHashSet<>();
    List<ParameterChange> changes = new ArrayList<>();
    List<PlanProblem> problems = new ArrayList<>();
    Set<String> declaredKeys = new LinkedHashSet<>();

    for (TemplateParameter p : declared) {
      String key = p.key();
      declaredKeys.add(key);
      if (p.noEcho()) {
        noEcho.add(key);
      }
      boolean hasCurrent = currentValues.containsKey(key);
      String from = currentValues.get(key);

      if (perStack.containsKey(key) || global.containsKey(key)) {
        String to = perStack.containsKey(key) ? perStack.get(key) : global.get(key);
        values.put(key, to);
        if (!hasCurrent || !Objects.equals(from, to)) {
          changes.add(change(key, hasCurrent ? from : null, to, OVERRIDE, p.noEcho()));
        }
        continue;
      }
      if (hasCurrent) {
        Optional<String> moved =
            p.noEcho() ? Optional.empty() : StackVersions.withVersion(from, targetVersion);
        if (moved.isPresent() && !moved.get().equals(from)) {
          values.put(key, moved.get());
          changes.add(change(key, from, moved.get(), IMAGE, false));
        } else {
          usePrevious.add(key);
        }
        continue;
      }
      if (p.hasDefault()) {
        // Sent explicitly (CloudFormation would apply the default anyway) so that the plan hash
        // and the reviewed plan show the value the stack will get.
        values.put(key, p.defaultValue());
        changes.add(change(key, null, p.defaultValue(), NEW, p.noEcho()));
        continue;
      }
      problems.add(
          new PlanProblem(
              PlanProblem.MISSING_PARAMETER,
              stackField(stackName, key),
              "stack "
                  + stackName
                  + ": the "
                  + targetVersion
                  + " template declares parameter "
                  + key
                  + " with no default and the stack has no value for it; set it in"
                  + " spec.stacks[].parameters (or spec.parameters for every stack)"));
    }

    // Sorted so that status does not depend on the order AWS listed the stack's parameters in.
    for (Map.Entry<String, String> e : new TreeMap<>(currentValues).entrySet()) {
      if (!declaredKeys.contains(e.getKey())) {
        changes.add(change(e.getKey(), e.getValue(), null, REMOVED, false));
      }
    }
    for (String key : new TreeMap<>(perStack).keySet()) {
      if (!declaredKeys.contains(key)) {
        problems.add(
            new PlanProblem(
                PlanProblem.UNKNOWN_PARAMETER,
                stackField(stackName, key),
                "stack "
                    + stackName
                    + ": the "
                    + targetVersion
                    + " template declares no parameter "
                    + key));
      }
    }
    return new ParameterPlan(stackName, values, usePrevious, noEcho, changes, problems);
  }

  /**
   * Global overrides that no planned template declares: not an error (spec.parameters applies only
   * where declared) but most likely a typo worth a Warning event. Sorted by key.
   */
  public static List<String> unusedGlobalOverrides(
      Map<String, String> globalOverrides, Collection<TemplateSummary> templates) {
    Set<String> declared = new HashSet<>();
    for (TemplateSummary t : templates) {
      if (t != null && t.parameters() != null) {
        t.parameters().forEach(p -> declared.add(p.key()));
      }
    }
    return unusedGlobalOverrides(globalOverrides, declared);
  }

  /** {@link #unusedGlobalOverrides(Map, Collection)} over the declared parameter names. */
  public static List<String> unusedGlobalOverrides(
      Map<String, String> globalOverrides, Set<String> declared) {
    return new TreeMap<>(globalOverrides == null ? Map.of() : globalOverrides)
        .keySet().stream().filter(k -> !declared.contains(k)).toList();
  }

  /** The spec path of a per-stack parameter override. */
  public static String stackField(String stackName, String key) {
    return "spec.stacks[" + stackName + "].parameters." + key;
  }

  /** The spec path of a global parameter override. */
  public static String globalField(String key) {
    return "spec.parameters." + key;
  }

  private static ParameterChange change(
      String key, String from, String to, String source, boolean mask) {
    ParameterChange c = new ParameterChange();
    c.setKey(key);
    c.setFrom(mask && from != null ? MASK : from);
    c.setTo(mask && to != null ? MASK : to);
    c.setSource(source);
    return c;
  }
}
