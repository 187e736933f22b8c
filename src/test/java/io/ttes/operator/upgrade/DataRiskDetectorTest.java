package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.ChangeSetFixtures.AURORA_REPLACEMENT;
import static io.ttes.operator.upgrade.ChangeSetFixtures.NO_CHANGES;
import static io.ttes.operator.upgrade.ChangeSetFixtures.REDIS_AND_VOLUME;
import static io.ttes.operator.upgrade.ChangeSetFixtures.REDIS_CONDITIONAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Snapshots.Kind;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataRiskDetectorTest {
  private final DataRiskDetector detector = new DataRiskDetector();

  private static TemplateSummary declaring(String... keys) {
    return new TemplateSummary(
        Arrays.stream(keys).map(k -> new TemplateParameter(k, "", false, null)).toList(),
        List.of());
  }

  @Test
  void fixturesParseIntoChangeSetInfo() {
    ChangeSetInfo aurora = ChangeSetFixtures.load(AURORA_REPLACEMENT);
    assertThat(aurora.stackName()).isEqualTo("prod-eu1-2-1-db-aurora-master");
    assertThat(aurora.createComplete()).isTrue();
    assertThat(aurora.parameters()).containsEntry("DBSnapshotIdentifier", "");
    assertThat(aurora.changes())
        .extracting(ResourceChange::logicalId)
        .containsExactly("DBCluster", "DBInstance1", "DBParameterGroup");

    ChangeSetInfo none = ChangeSetFixtures.load(NO_CHANGES);
    assertThat(none.noChanges()).isTrue();
    assertThat(none.changes()).isEmpty();
  }

  @Test
  void auroraReplacementTakesOneSnapshotOfTheCluster() {
    ChangeSetInfo cs = ChangeSetFixtures.load(AURORA_REPLACEMENT);

    List<DetectedRisk> risks =
        detector.detect(cs, declaring("DBInstanceClass", "DBSnapshotIdentifier"), Map.of());

    assertThat(risks)
        .containsExactly(
            new DetectedRisk(
                "DBCluster",
                "prod-eu1-db-cluster",
                "AWS::RDS::DBCluster",
                "Modify",
                "True",
                Kind.RDS_CLUSTER,
                "DBSnapshotIdentifier",
                null),
            new DetectedRisk(
                "DBInstance1",
                "prod-eu1-db-1",
                "AWS::RDS::DBInstance",
                "Modify",
                "Conditional",
                Kind.RDS_INSTANCE,
                "DBSnapshotIdentifier",
                "DBCluster"));
    assertThat(risks.stream().filter(DetectedRisk::needsSnapshot))
        .extracting(DetectedRisk::logicalId)
        .containsExactly("DBCluster");
    assertThat(DataRiskDetector.needsApproval(risks)).isFalse();
  }

  @Test
  void removedVolumeIsARiskAndAModifiedAutoScalingGroupIsNot() {
    // Despite its name the recorded response holds a removed EBS volume and a modified ASG only.
    ChangeSetInfo cs = ChangeSetFixtures.load(REDIS_AND_VOLUME);

    List<DetectedRisk> risks = detector.detect(cs, declaring("VolumeSnapshotID"), Map.of());

    assertThat(risks)
        .containsExactly(
            new DetectedRisk(
                "Volume",
                "vol-0a1b2c3d4e5f60789",
                "AWS::EC2::Volume",
                "Remove",
                null,
                Kind.EBS_VOLUME,
                "VolumeSnapshotID",
                null));
    assertThat(risks.get(0).needsSnapshot()).isTrue();
  }

  @Test
  void conditionalRedisReplacementIsARisk() {
    ChangeSetInfo cs = ChangeSetFixtures.load(REDIS_CONDITIONAL);

    List<DetectedRisk> risks = detector.detect(cs, declaring("SnapshotName"), Map.of());

    assertThat(risks)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.logicalId()).isEqualTo("ReplicationGroup");
              assertThat(r.physicalId()).isEqualTo("prod-eu1-general");
              assertThat(r.kind()).isEqualTo(Kind.ELASTICACHE_REPLICATION_GROUP);
              assertThat(r.snapshotParameter()).isEqualTo("SnapshotName");
              assertThat(r.needsSnapshot()).isTrue();
            });
  }

  @Test
  void noChangesMeansNoRisks() {
    assertThat(detector.detect(ChangeSetFixtures.load(NO_CHANGES), declaring(), Map.of()))
        .isEmpty();
  }

  @Test
  void templateWithoutTheSnapshotParameterLeavesNoSnapshotPathAndNeedsApproval() {
    ChangeSetInfo cs = ChangeSetFixtures.load(REDIS_CONDITIONAL);

    List<DetectedRisk> risks = detector.detect(cs, declaring("EngineVersion"), Map.of());

    assertThat(risks).singleElement().extracting(DetectedRisk::snapshotParameter).isNull();
    assertThat(risks.get(0).needsSnapshot()).isFalse();
    assertThat(DataRiskDetector.needsApproval(risks)).isTrue();
  }

  @Test
  void snapshotParameterCanBeOverriddenPerResourceType() {
    ChangeSetInfo cs = ChangeSetFixtures.load(REDIS_CONDITIONAL);

    List<DetectedRisk> risks =
        detector.detect(
            cs,
            declaring("RedisSnapshot"),
            Map.of("AWS::ElastiCache::ReplicationGroup", "RedisSnapshot"));

    assertThat(risks)
        .singleElement()
        .extracting(DetectedRisk::snapshotParameter)
        .isEqualTo("RedisSnapshot");
  }

  @Test
  void everyDataTypeCountsForReplacementRemovalAndDynamicButNotForPlainModifyOrAdd() {
    List<ResourceChange> changes =
        List.of(
            new ResourceChange("Modify", "A", "a", "AWS::RDS::DBInstance", "True"),
            new ResourceChange("Modify", "B", "b", "AWS::ElastiCache::CacheCluster", "Conditional"),
            new ResourceChange("Remove", "C", "c", "AWS::ElastiCache::ReplicationGroup", null),
            new ResourceChange("Dynamic", "D", "d", "AWS::EC2::Volume", null),
            new ResourceChange("Modify", "E", "e", "AWS::RDS::DBCluster", "False"),
            new ResourceChange("Add", "F", null, "AWS::RDS::DBCluster", null),
            new ResourceChange("Remove", "G", "g", "AWS::S3::Bucket", null),
            new ResourceChange("Modify", "H", "h", "AWS::EC2::Instance", "True"));

    List<DetectedRisk> risks =
        detector.detect(
            changes, declaring("DBSnapshotIdentifier", "SnapshotName", "VolumeSnapshotID"), null);

    assertThat(risks)
        .extracting(DetectedRisk::logicalId, DetectedRisk::kind, DetectedRisk::coveredBy)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("A", Kind.RDS_INSTANCE, null),
            org.assertj.core.groups.Tuple.tuple("B", Kind.ELASTICACHE_CACHE_CLUSTER, null),
            org.assertj.core.groups.Tuple.tuple("C", Kind.ELASTICACHE_REPLICATION_GROUP, null),
            org.assertj.core.groups.Tuple.tuple("D", Kind.EBS_VOLUME, null));
  }

  @Test
  void withTwoClustersAtRiskInstancesAreNotAssignedToEither() {
    List<ResourceChange> changes =
        List.of(
            new ResourceChange("Modify", "ClusterA", "a", "AWS::RDS::DBCluster", "True"),
            new ResourceChange("Modify", "ClusterB", "b", "AWS::RDS::DBCluster", "True"),
            new ResourceChange("Modify", "Instance", "i", "AWS::RDS::DBInstance", "Conditional"));

    List<DetectedRisk> risks =
        detector.detect(changes, declaring("DBSnapshotIdentifier"), Map.of());

    assertThat(risks).extracting(DetectedRisk::coveredBy).containsOnlyNulls();
    assertThat(risks).allMatch(DetectedRisk::needsSnapshot);
  }

  @Test
  void statusEntryOfACoveredInstanceShowsTheClusterSnapshot() {
    List<DetectedRisk> risks =
        detector.detect(
            ChangeSetFixtures.load(AURORA_REPLACEMENT),
            declaring("DBSnapshotIdentifier"),
            Map.of());
    StackPlan plan =
        new StackPlan(
            "prod-eu1-2-1-db-aurora-master",
            "2-1-db-aurora-master",
            Disposition.Changes,
            "cs",
            "id",
            null,
            ChangeSetFixtures.load(AURORA_REPLACEMENT).changes(),
            risks);

    var status = plan.toStatus(Map.of("DBCluster", "ttes-1b2c3d4e-2-1-db-aurora-master-a1"));

    assertThat(status.getDataRisks())
        .extracting(r -> r.getLogicalId() + "=" + r.getSnapshot())
        .containsExactly(
            "DBCluster=ttes-1b2c3d4e-2-1-db-aurora-master-a1",
            "DBInstance1=ttes-1b2c3d4e-2-1-db-aurora-master-a1");
    assertThat(status.getChanges()).hasSize(3);
    assertThat(status.getDisposition()).isEqualTo("Changes");
  }
}
