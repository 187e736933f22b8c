package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.aws.Snapshots;

/**
 * A data resource a change set would replace or remove.
 *
 * @param kind what kind of snapshot protects it
 * @param snapshotParameter the target template's parameter that receives the snapshot; null when
 *     the template declares none, so no snapshot can be passed and the plan must wait for approval
 * @param coveredBy logical id of the resource whose snapshot already protects this one (an Aurora
 *     instance keeps no data of its own: its cluster's snapshot covers it); null when this resource
 *     needs its own snapshot
 */
public record DetectedRisk(
    String logicalId,
    String physicalId,
    String resourceType,
    String action,
    String replacement,
    Snapshots.Kind kind,
    String snapshotParameter,
    String coveredBy) {

  /** Whether the upgrade takes a snapshot of this resource before executing. */
  public boolean needsSnapshot() {
    return coveredBy == null && snapshotParameter != null;
  }

  /** No snapshot path: the change set must not run without a person's approval. */
  public boolean needsApproval() {
    return coveredBy == null && snapshotParameter == null;
  }

  /**
   * The status entry. {@code snapshot} is the identifier taken for this risk, or for a covered risk
   * the identifier taken for the resource covering it (so a reader sees what protects it); null
   * before a snapshot is named.
   */
  public DataRisk toStatus(String snapshot) {
    DataRisk r = new DataRisk();
    r.setLogicalId(logicalId);
    r.setPhysicalId(physicalId);
    r.setResourceType(resourceType);
    r.setAction(action);
    r.setReplacement(replacement);
    r.setSnapshot(snapshot);
    r.setSnapshotParameter(snapshotParameter);
    r.setCoveredBy(coveredBy);
    return r;
  }
}
