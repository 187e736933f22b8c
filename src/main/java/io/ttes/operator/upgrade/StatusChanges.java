package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.aws.ChangeSets.ChangeDetail;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.util.ArrayList;
import java.util.List;

/**
 * A change set's resource changes as status.plan.stacks[].changes shows them, and back. The
 * property-level details are bounded: status lives in etcd (an object must stay well below 1.5 MiB)
 * and a stack's change set can list hundreds of them, so at most {@link #MAX_DETAILS_PER_STACK} are
 * kept per stack, in the order CloudFormation listed them, each field cut to {@link #MAX_FIELD};
 * each resource counts the details it left out.
 */
final class StatusChanges {
  /** Details kept per stack: about 6 KiB of status per stack at most. */
  static final int MAX_DETAILS_PER_STACK = 40;

  /** Characters kept of one detail field (property names and causing entities are short). */
  static final int MAX_FIELD = 128;

  private StatusChanges() {}

  static List<StackUpgradeStatus.ResourceChange> toStatus(List<ResourceChange> changes) {
    List<StackUpgradeStatus.ResourceChange> out = new ArrayList<>();
    int budget = MAX_DETAILS_PER_STACK;
    for (ResourceChange c : changes == null ? List.<ResourceChange>of() : changes) {
      var rc = new StackUpgradeStatus.ResourceChange();
      rc.setLogicalId(c.logicalId());
      rc.setPhysicalId(c.physicalId());
      rc.setResourceType(c.resourceType());
      rc.setAction(c.action());
      rc.setReplacement(c.replacement());
      int kept = Math.min(budget, c.details().size());
      for (ChangeDetail d : c.details().subList(0, kept)) {
        rc.getDetails().add(detail(d));
      }
      budget -= kept;
      int omitted = c.details().size() - kept;
      rc.setDetailsOmitted(omitted == 0 ? null : omitted);
      out.add(rc);
    }
    return out;
  }

  /** What the plan hash and the just-in-time comparison read: the changes without details. */
  static List<ResourceChange> fromStatus(PlannedStack ps) {
    return ps.getChanges().stream()
        .map(
            c ->
                new ResourceChange(
                    c.getAction(),
                    c.getLogicalId(),
                    c.getPhysicalId(),
                    c.getResourceType(),
                    c.getReplacement()))
        .toList();
  }

  private static StackUpgradeStatus.ChangeDetail detail(ChangeDetail d) {
    var out = new StackUpgradeStatus.ChangeDetail();
    out.setAttribute(cut(d.attribute()));
    out.setName(cut(d.name()));
    out.setRequiresRecreation(cut(d.requiresRecreation()));
    out.setEvaluation(cut(d.evaluation()));
    out.setChangeSource(cut(d.changeSource()));
    out.setCausingEntity(cut(d.causingEntity()));
    return out;
  }

  private static String cut(String v) {
    return v == null || v.length() <= MAX_FIELD ? v : v.substring(0, MAX_FIELD - 1) + "…";
  }
}
