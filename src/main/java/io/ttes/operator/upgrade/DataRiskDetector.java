package io.ttes.operator.upgrade;

import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Snapshots;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the data resources a change set would replace or remove: such a change set never runs
 * before a snapshot of them is available and passed in the template's snapshot parameter.
 */
public final class DataRiskDetector {
  public static final String DB_CLUSTER = "AWS::RDS::DBCluster";
  public static final String DB_INSTANCE = "AWS::RDS::DBInstance";
  public static final String REPLICATION_GROUP = "AWS::ElastiCache::ReplicationGroup";
  public static final String CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster";
  public static final String VOLUME = "AWS::EC2::Volume";

  /** The data resource types and the snapshot that protects each. */
  public static final Map<String, Snapshots.Kind> KINDS =
      Map.of(
          DB_CLUSTER, Snapshots.Kind.RDS_CLUSTER,
          DB_INSTANCE, Snapshots.Kind.RDS_INSTANCE,
          REPLICATION_GROUP, Snapshots.Kind.ELASTICACHE_REPLICATION_GROUP,
          CACHE_CLUSTER, Snapshots.Kind.ELASTICACHE_CACHE_CLUSTER,
          VOLUME, Snapshots.Kind.EBS_VOLUME);

  /**
   * Parameters of the TTES templates that restore from a snapshot (spec.dataProtection
   * .snapshotParameters overrides them per resource type).
   */
  public static final Map<String, String> DEFAULT_SNAPSHOT_PARAMETERS =
      Map.of(
          DB_CLUSTER, "DBSnapshotIdentifier",
          DB_INSTANCE, "DBSnapshotIdentifier",
          REPLICATION_GROUP, "SnapshotName",
          CACHE_CLUSTER, "SnapshotName",
          VOLUME, "VolumeSnapshotID");

  /** {@link #detect(List, TemplateSummary, Map)} over a described change set's changes. */
  public List<DetectedRisk> detect(
      ChangeSetInfo changeSet, TemplateSummary target, Map<String, String> snapshotParameters) {
    List<ResourceChange> changes =
        changeSet == null || changeSet.changes() == null ? List.of() : changeSet.changes();
    return detect(changes, target, snapshotParameters);
  }

  /**
   * The risks, in the change set's order.
   *
   * @param target the target template: a snapshot parameter it does not declare cannot be used
   * @param snapshotParameters spec.dataProtection.snapshotParameters (resource type → parameter)
   */
  public List<DetectedRisk> detect(
      List<ResourceChange> changes,
      TemplateSummary target,
      Map<String, String> snapshotParameters) {
    Set<String> declared = new HashSet<>();
    if (target != null && target.parameters() != null) {
      for (TemplateParameter p : target.parameters()) {
        declared.add(p.key());
      }
    }
    return detect(changes, declared, snapshotParameters);
  }

  /**
   * The risks, in the change set's order.
   *
   * @param declared the parameters the target template declares
   * @param snapshotParameters spec.dataProtection.snapshotParameters (resource type → parameter)
   */
  public List<DetectedRisk> detect(
      List<ResourceChange> changes, Set<String> declared, Map<String, String> snapshotParameters) {
    Map<String, String> parameterByType = new LinkedHashMap<>(DEFAULT_SNAPSHOT_PARAMETERS);
    if (snapshotParameters != null) {
      parameterByType.putAll(snapshotParameters);
    }

    List<ResourceChange> atRisk = new ArrayList<>();
    for (ResourceChange c : changes) {
      if (KINDS.containsKey(c.resourceType()) && losesData(c)) {
        atRisk.add(c);
      }
    }
    List<ResourceChange> clusters =
        atRisk.stream().filter(c -> DB_CLUSTER.equals(c.resourceType())).toList();
    // A change set only names the resource causing a Conditional replacement in its details, which
    // ChangeSets.ResourceChange does not carry. TTES templates put Aurora instances in the stack of
    // their cluster, and an Aurora instance holds no data of its own (RDS refuses to snapshot it),
    // so with exactly one cluster at risk every instance is covered by that cluster's snapshot.
    // With several clusters the owner is unknown and each instance stands on its own.
    ResourceChange coveringCluster = clusters.size() == 1 ? clusters.get(0) : null;

    List<DetectedRisk> risks = new ArrayList<>();
    for (ResourceChange c : atRisk) {
      String type = c.resourceType();
      String coveredBy = null;
      String parameterType = type;
      if (DB_INSTANCE.equals(type) && coveringCluster != null) {
        coveredBy = coveringCluster.logicalId();
        parameterType = DB_CLUSTER;
      }
      String parameter = parameterByType.get(parameterType);
      risks.add(
          new DetectedRisk(
              c.logicalId(),
              c.physicalId(),
              type,
              c.action(),
              c.replacement(),
              KINDS.get(type),
              parameter != null && declared.contains(parameter) ? parameter : null,
              coveredBy));
    }
    return risks;
  }

  /** Whether any risk has no snapshot path, so the plan must wait for a person's approval. */
  public static boolean needsApproval(List<DetectedRisk> risks) {
    return risks.stream().anyMatch(DetectedRisk::needsApproval);
  }

  private static boolean losesData(ResourceChange c) {
    // "Dynamic" actions (CloudFormation cannot tell before executing) are treated like removals.
    if ("Remove".equals(c.action()) || "Dynamic".equals(c.action())) {
      return true;
    }
    String r = c.replacement();
    // Anything but an explicit "False" counts: True, Conditional, and any value AWS adds later.
    return r != null && !r.isBlank() && !"False".equalsIgnoreCase(r);
  }
}
