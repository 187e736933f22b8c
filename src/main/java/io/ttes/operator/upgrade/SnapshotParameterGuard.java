package io.ttes.operator.upgrade;

import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Reasons;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps snapshot parameters sticky. A DB cluster restored from a snapshot ({@code
 * AWS::RDS::DBCluster} SnapshotIdentifier, likewise DBInstance DBSnapshotIdentifier) must be given
 * the same identifier in every later update: without it CloudFormation creates a new, empty
 * database and deletes the old one; with another one it restores that snapshot instead
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html).
 * So a plan may not clear, change or drop a snapshot parameter the stack has a value for, except to
 * pass the snapshot the upgrade itself just took. Messages name parameters, never their values.
 */
final class SnapshotParameterGuard {
  static final String SNAPSHOT_PARAMETER_CHANGED = Reasons.SNAPSHOT_PARAMETER_CHANGED;

  private SnapshotParameterGuard() {}

  /** Every parameter name that restores from a snapshot, by default and per spec. */
  static Set<String> parameterNames(Map<String, String> specSnapshotParameters) {
    Set<String> names = new LinkedHashSet<>(DataRiskDetector.DEFAULT_SNAPSHOT_PARAMETERS.values());
    if (specSnapshotParameters != null) {
      names.addAll(specSnapshotParameters.values());
    }
    return names;
  }

  /**
   * @param specSnapshotParameters spec.dataProtection.snapshotParameters (type → parameter)
   * @param justTaken parameter → value of the snapshots this upgrade took for this change set
   */
  static List<PlanProblem> check(
      String stackName,
      StackInfo current,
      ParameterPlan plan,
      Map<String, String> specSnapshotParameters,
      Map<String, String> justTaken) {
    return check(stackName, current, plan, parameterNames(specSnapshotParameters), justTaken);
  }

  static List<PlanProblem> check(
      String stackName,
      StackInfo current,
      ParameterPlan plan,
      Collection<String> snapshotParameters,
      Map<String, String> justTaken) {
    List<PlanProblem> problems = new ArrayList<>();
    Map<String, String> now = current == null ? Map.of() : current.parameters();
    for (String p : snapshotParameters) {
      String value = now.get(p);
      if (value == null || value.isBlank()) {
        continue;
      }
      if (plan.usePreviousValue().contains(p)) {
        continue;
      }
      String next = plan.values().get(p);
      if (next != null && (next.equals(value) || Objects.equals(justTaken.get(p), next))) {
        continue;
      }
      problems.add(
          new PlanProblem(
              SNAPSHOT_PARAMETER_CHANGED,
              ParameterPlanner.stackField(stackName, p),
              "stack "
                  + stackName
                  + " was restored from a snapshot (parameter "
                  + p
                  + " is set); the plan would "
                  + (next == null
                      ? "no longer pass it"
                      : next.isBlank() ? "clear it" : "pass another snapshot")
                  + ", and CloudFormation would then replace the database with a new one and"
                  + " delete the old; every update must pass the same identifier, so remove the"
                  + " override of "
                  + p));
    }
    return problems;
  }
}
