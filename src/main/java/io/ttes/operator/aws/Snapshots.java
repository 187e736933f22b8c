package io.ttes.operator.aws;

/**
 * Snapshots of data resources before a change set may replace them. {@link #ensure} is idempotent
 * by name: a snapshot that exists already is returned, not taken again.
 */
public interface Snapshots {
  SnapshotState ensure(SnapshotRequest request);

  /** What to snapshot; {@code name} is deterministic from the upgrade. */
  record SnapshotRequest(Kind kind, String sourceId, String name) {}

  /** Kind of data resource. */
  enum Kind {
    RDS_CLUSTER,
    RDS_INSTANCE,
    ELASTICACHE_REPLICATION_GROUP,
    ELASTICACHE_CACHE_CLUSTER,
    EBS_VOLUME
  }

  /**
   * A snapshot. {@code parameterValue} is what the template's snapshot parameter takes: the ARN
   * (Aurora), the name (ElastiCache) or the snapshot id (EBS).
   */
  record SnapshotState(String name, String parameterValue, Status status, String message) {}

  /** Normalised snapshot status. */
  enum Status {
    CREATING,
    AVAILABLE,
    FAILED
  }
}
