package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of one stack's change set.
 *
 * @param stackName the stack
 * @param values parameters sent with a value, in the template's declaration order
 * @param usePreviousValue parameters sent with UsePreviousValue: no value passes through the
 *     operator, so NoEcho values stay in CloudFormation
 * @param noEcho the template's NoEcho parameters (their values are masked in status and left out of
 *     the plan hash)
 * @param changes what status shows: every parameter whose value changes, is new or is removed
 * @param problems why the plan cannot be used; empty when it can
 */
public record ParameterPlan(
    String stackName,
    Map<String, String> values,
    List<String> usePreviousValue,
    Set<String> noEcho,
    List<ParameterChange> changes,
    List<PlanProblem> problems) {

  public ParameterPlan {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    usePreviousValue = List.copyOf(usePreviousValue);
    noEcho = Collections.unmodifiableSet(new LinkedHashSet<>(noEcho));
    changes = List.copyOf(changes);
    problems = List.copyOf(problems);
  }

  public boolean ok() {
    return problems.isEmpty();
  }

  /**
   * The same plan with {@code key} sent as {@code value}: the snapshot-carrying change set passes
   * the snapshot in the template's snapshot parameter, which otherwise keeps its previous value.
   */
  public ParameterPlan with(String key, String value) {
    Map<String, String> newValues = new LinkedHashMap<>(values);
    newValues.put(key, value);
    List<String> previous = new ArrayList<>(usePreviousValue);
    previous.remove(key);
    return new ParameterPlan(stackName, newValues, previous, noEcho, changes, problems);
  }

  @Override
  public String toString() {
    // Values can be overrides of NoEcho parameters: print keys only.
    return "ParameterPlan[stack="
        + stackName
        + ", values="
        + values.keySet()
        + ", usePreviousValue="
        + usePreviousValue
        + ", problems="
        + problems
        + "]";
  }
}
