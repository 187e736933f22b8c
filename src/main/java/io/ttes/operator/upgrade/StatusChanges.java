package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.util.ArrayList;
import java.util.List;

/** A change set's resource changes as status.plan.stacks[].changes shows them, and back. */
final class StatusChanges {
  private StatusChanges() {}

  static List<StackUpgradeStatus.ResourceChange> toStatus(List<ResourceChange> changes) {
    List<StackUpgradeStatus.ResourceChange> out = new ArrayList<>();
    for (ResourceChange c : changes == null ? List.<ResourceChange>of() : changes) {
      var rc = new StackUpgradeStatus.ResourceChange();
      rc.setLogicalId(c.logicalId());
      rc.setPhysicalId(c.physicalId());
      rc.setResourceType(c.resourceType());
      rc.setAction(c.action());
      rc.setReplacement(c.replacement());
      out.add(rc);
    }
    return out;
  }

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
}
