package io.ttes.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.AppliedStack;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes {@code status.applied}, the baseline drift is measured against, by read-modify-write of
 * the latest cluster ({@link ClusterStatusWrites}, optimistic locking), so it never races the
 * cluster reconciler's own status patch (which leaves the field alone) or another kind's field.
 *
 * <p>Who writes it: a StackUpgrade records each stack it updated, from the stack as described right
 * after UPDATE_COMPLETE and before the step is recorded as done (a crash in between records the
 * same values again); when it succeeds it forgets the stacks whose change set had no changes, and
 * the cluster takes its next observation of them as their baseline. The cluster adopts its
 * observation for a stack without a baseline, but only while no upgrade holds it (checked on the
 * latest cluster, so an upgrade that took the lock meanwhile wins).
 */
public final class DriftBaseline {
  private final ClusterStatusWrites writes;

  public DriftBaseline(KubernetesClient client) {
    this.writes = new ClusterStatusWrites(client);
  }

  /** Records {@code applied} as the stack's baseline, replacing an earlier one. */
  public void record(String namespace, String cluster, AppliedStack applied) {
    writes.modify(
        namespace,
        cluster,
        status -> {
          List<AppliedStack> list = list(status);
          AppliedStack old = find(list, applied.getName());
          if (old != null
              && Objects.equals(old.getVersion(), applied.getVersion())
              && Objects.equals(old.getParameters(), applied.getParameters())) {
            return false;
          }
          list.remove(old);
          list.add(applied);
          return true;
        });
  }

  /** Forgets the baselines of {@code stacks}: the next observation becomes theirs. */
  public void forget(String namespace, String cluster, Collection<String> stacks) {
    if (stacks.isEmpty()) {
      return;
    }
    writes.modify(
        namespace, cluster, status -> list(status).removeIf(a -> stacks.contains(a.getName())));
  }

  /**
   * Drops from the stored baselines the NoEcho keys (and masked values) of their stacks, {@code
   * noEcho} by stack name: a baseline written before NoEcho was decided by the template may hold a
   * value an answer did not mask. Unless an upgrade holds the cluster now (it records its own).
   */
  void clean(String namespace, String cluster, Map<String, Set<String>> noEcho) {
    writes.modify(
        namespace,
        cluster,
        status -> {
          if (status.getActiveUpgrade() != null || status.getApplied() == null) {
            return false;
          }
          boolean changed = false;
          List<AppliedStack> list = status.getApplied();
          for (int i = 0; i < list.size(); i++) {
            Set<String> keys = noEcho.get(list.get(i).getName());
            AppliedStack kept =
                keys == null ? list.get(i) : DriftComparison.withoutHidden(list.get(i), keys);
            if (kept != list.get(i)) {
              list.set(i, kept);
              changed = true;
            }
          }
          return changed;
        });
  }

  /**
   * Adopts the observations of stacks that have no baseline yet, unless an upgrade holds the
   * cluster now.
   */
  void adopt(String namespace, String cluster, List<AppliedStack> observed) {
    writes.modify(
        namespace,
        cluster,
        status -> {
          if (status.getActiveUpgrade() != null) {
            return false;
          }
          List<AppliedStack> list = list(status);
          boolean changed = false;
          for (AppliedStack a : observed) {
            if (find(list, a.getName()) == null) {
              list.add(a);
              changed = true;
            }
          }
          return changed;
        });
  }

  static AppliedStack find(List<AppliedStack> list, String stack) {
    return list == null
        ? null
        : list.stream().filter(a -> stack.equals(a.getName())).findFirst().orElse(null);
  }

  private static List<AppliedStack> list(TTESClusterStatus status) {
    if (status.getApplied() == null) {
      status.setApplied(new ArrayList<>());
    }
    return status.getApplied();
  }
}
