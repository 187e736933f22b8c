package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The drift the cluster reports, laid beside the plan: per drifted value what the operator last
 * applied, what the stack has now and what the upgrade sets, so a reviewer sees what it would
 * overwrite and what it keeps. Pure; read from the cluster status and the recorded plan.
 */
final class DriftOverwrites {
  static final String OVERWRITTEN = "Overwritten";
  static final String KEPT = "Kept";
  static final String NOT_UPDATED = "NotUpdated";
  static final String REMOVED = "Removed";

  private DriftOverwrites() {}

  static List<PlannedDrift> of(TTESClusterStatus cluster, Plan plan, String target) {
    List<PlannedDrift> out = new ArrayList<>();
    if (cluster == null || cluster.getDrift() == null) {
      return out;
    }
    for (StackDrift d : cluster.getDrift()) {
      PlannedStack ps = StackPlanReader.planned(plan, d.getName());
      boolean updated = ps != null && !Disposition.Skipped.name().equals(ps.getDisposition());
      if (!Objects.equals(d.getAppliedVersion(), d.getCurrentVersion())) {
        String planned = updated ? target : null;
        out.add(
            entry(
                d.getName(), null, d.getAppliedVersion(), d.getCurrentVersion(), planned, updated));
      }
      for (ParameterDrift p : d.getParameters()) {
        if (secret(ps, p)) {
          // The cluster never compares a NoEcho parameter; drift recorded by an older operator
          // may still name one, and its values must not reach the plan.
          continue;
        }
        String planned = updated ? planned(ps, p) : null;
        PlannedDrift e =
            entry(d.getName(), p.getName(), p.getApplied(), p.getCurrent(), planned, updated);
        if (updated && !UpgradePlan.declared(ps).contains(p.getName())) {
          e.setOutcome(REMOVED);
        }
        out.add(e);
      }
    }
    return out;
  }

  /** A parameter the target template declares NoEcho, or whose value reads as masked. */
  private static boolean secret(PlannedStack ps, ParameterDrift p) {
    if (ParameterPlanner.MASK.equals(p.getApplied())
        || ParameterPlanner.MASK.equals(p.getCurrent())) {
      return true;
    }
    return ps != null
        && ps.getSentParameters().stream()
            .anyMatch(s -> s.getKey().equals(p.getName()) && Boolean.TRUE.equals(s.getNoEcho()));
  }

  /** The value the stack's change sets send for the parameter; the current one when kept. */
  private static String planned(PlannedStack ps, ParameterDrift p) {
    for (SentParameter s : ps.getSentParameters()) {
      if (s.getKey().equals(p.getName())) {
        return Boolean.TRUE.equals(s.getUsePreviousValue()) ? p.getCurrent() : s.getValue();
      }
    }
    // Not declared by the target template: the update removes it.
    return null;
  }

  private static PlannedDrift entry(
      String stack,
      String parameter,
      String applied,
      String current,
      String planned,
      boolean updated) {
    PlannedDrift e = new PlannedDrift();
    e.setStack(stack);
    e.setParameter(parameter);
    e.setApplied(applied);
    e.setCurrent(current);
    e.setPlanned(planned);
    e.setOutcome(!updated ? NOT_UPDATED : Objects.equals(planned, current) ? KEPT : OVERWRITTEN);
    return e;
  }
}
