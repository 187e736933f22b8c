package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything planned for one stack: what the plan hash covers and what status shows.
 *
 * @param parameters null for a stack that is {@link Disposition#Skipped} (nothing was planned)
 * @param changes the change set's resource changes; empty unless {@link Disposition#Changes}
 */
public record StackPlan(
    String name,
    String template,
    Disposition disposition,
    String changeSetName,
    String changeSetId,
    ParameterPlan parameters,
    List<ResourceChange> changes,
    List<DetectedRisk> dataRisks) {

  public StackPlan {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(disposition, "disposition");
    changes = changes == null ? List.of() : List.copyOf(changes);
    dataRisks = dataRisks == null ? List.of() : List.copyOf(dataRisks);
  }

  /** A stack the user skipped (spec.stacks[].skip): no change set, no parameters. */
  public static StackPlan skipped(String name, String template) {
    return new StackPlan(name, template, Disposition.Skipped, null, null, null, null, null);
  }

  /**
   * The status entry. {@code snapshotByLogicalId} names the snapshot taken per protected resource
   * (a covered risk shows the snapshot of the resource covering it); empty before snapshots are
   * named.
   */
  public PlannedStack toStatus(Map<String, String> snapshotByLogicalId) {
    Map<String, String> snapshots = snapshotByLogicalId == null ? Map.of() : snapshotByLogicalId;
    PlannedStack s = new PlannedStack();
    s.setName(name);
    s.setTemplate(template);
    s.setChangeSetName(changeSetName);
    s.setChangeSetId(changeSetId);
    s.setDisposition(disposition.name());
    if (parameters != null) {
      // Copies, so that a reconciler editing status cannot change the plan it hashed.
      for (ParameterChange c : parameters.changes()) {
        ParameterChange copy = new ParameterChange();
        copy.setKey(c.getKey());
        copy.setFrom(c.getFrom());
        copy.setTo(c.getTo());
        copy.setSource(c.getSource());
        s.getParameters().add(copy);
      }
    }
    s.getChanges().addAll(StatusChanges.toStatus(changes));
    for (DetectedRisk r : dataRisks) {
      String owner = r.coveredBy() != null ? r.coveredBy() : r.logicalId();
      s.getDataRisks().add(r.toStatus(snapshots.get(owner)));
    }
    return s;
  }
}
