package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.Snapshots;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.elasticache.ElastiCacheClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBSnapshot;

/**
 * {@link Snapshots} on RDS, ElastiCache and EC2. Each ensure looks for the snapshot by its name
 * first and creates it only when absent, so a retry after a crash never takes a second one.
 */
final class SdkSnapshots implements Snapshots {
  /** EBS snapshots have no name of their own: the name lives in this tag. */
  static final String NAME_TAG = "ops.ttes.io/snapshot-name";

  private final RdsClient rds;
  private final ElastiCacheClient elasticache;
  private final Ec2Client ec2;

  SdkSnapshots(RdsClient rds, ElastiCacheClient elasticache, Ec2Client ec2) {
    this.rds = rds;
    this.elasticache = elasticache;
    this.ec2 = ec2;
  }

  @Override
  public SnapshotState ensure(SnapshotRequest request) {
    return switch (request.kind()) {
      case RDS_CLUSTER ->
          findOrCreate(() -> findRdsCluster(request), () -> createRdsCluster(request));
      case RDS_INSTANCE ->
          findOrCreate(() -> findRdsInstance(request), () -> createRdsInstance(request));
      case ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CACHE_CLUSTER ->
          findOrCreate(() -> findElastiCache(request), () -> createElastiCache(request));
      case EBS_VOLUME -> findOrCreate(() -> findEbs(request), () -> createEbs(request));
    };
  }

  private static SnapshotState findOrCreate(
      Supplier<Optional<SnapshotState>> find, Supplier<SnapshotState> create) {
    Optional<SnapshotState> existing = find.get();
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      return create.get();
    } catch (AwsException e) {
      // Someone (an earlier attempt of ours) created it between the look-up and the create.
      if (e.errorCode() != null && e.errorCode().contains("AlreadyExists")) {
        return find.get().orElseThrow(() -> e);
      }
      throw e;
    }
  }

  static Status status(String awsStatus) {
    if (awsStatus == null) {
      return Status.CREATING;
    }
    return switch (awsStatus.toLowerCase(Locale.ROOT)) {
      case "available", "completed" -> Status.AVAILABLE;
      case "failed", "error" -> Status.FAILED;
      default -> Status.CREATING;
    };
  }

  private static <T> Optional<T> absentWhenNotFound(String operation, Supplier<Optional<T>> call) {
    try {
      return AwsErrors.call(operation, call);
    } catch (AwsException e) {
      if (e.kind() == AwsException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  // RDS cluster (Aurora): the template takes the snapshot ARN.

  private Optional<SnapshotState> findRdsCluster(SnapshotRequest r) {
    return absentWhenNotFound(
        "DescribeDBClusterSnapshots",
        () ->
            rds
                .describeDBClusterSnapshots(b -> b.dbClusterSnapshotIdentifier(r.name()))
                .dbClusterSnapshots()
                .stream()
                .findFirst()
                .map(SdkSnapshots::clusterState));
  }

  private SnapshotState createRdsCluster(SnapshotRequest r) {
    return clusterState(
        AwsErrors.call(
            "CreateDBClusterSnapshot",
            () ->
                rds.createDBClusterSnapshot(
                        b ->
                            b.dbClusterSnapshotIdentifier(r.name())
                                .dbClusterIdentifier(r.sourceId()))
                    .dbClusterSnapshot()));
  }

  private static SnapshotState clusterState(DBClusterSnapshot s) {
    return new SnapshotState(
        s.dbClusterSnapshotIdentifier(), s.dbClusterSnapshotArn(), status(s.status()), s.status());
  }

  // RDS instance: the template takes the snapshot ARN.

  private Optional<SnapshotState> findRdsInstance(SnapshotRequest r) {
    return absentWhenNotFound(
        "DescribeDBSnapshots",
        () ->
            rds.describeDBSnapshots(b -> b.dbSnapshotIdentifier(r.name())).dbSnapshots().stream()
                .findFirst()
                .map(SdkSnapshots::instanceState));
  }

  private SnapshotState createRdsInstance(SnapshotRequest r) {
    return instanceState(
        AwsErrors.call(
            "CreateDBSnapshot",
            () ->
                rds.createDBSnapshot(
                        b -> b.dbSnapshotIdentifier(r.name()).dbInstanceIdentifier(r.sourceId()))
                    .dbSnapshot()));
  }

  private static SnapshotState instanceState(DBSnapshot s) {
    return new SnapshotState(
        s.dbSnapshotIdentifier(), s.dbSnapshotArn(), status(s.status()), s.status());
  }

  // ElastiCache: the template takes the snapshot name.

  private Optional<SnapshotState> findElastiCache(SnapshotRequest r) {
    return absentWhenNotFound(
        "DescribeSnapshots",
        () ->
            elasticache.describeSnapshots(b -> b.snapshotName(r.name())).snapshots().stream()
                .findFirst()
                .map(s -> elastiCacheState(s.snapshotName(), s.snapshotStatus())));
  }

  private SnapshotState createElastiCache(SnapshotRequest r) {
    var s =
        AwsErrors.call(
                "CreateSnapshot",
                () ->
                    elasticache.createSnapshot(
                        b -> {
                          b.snapshotName(r.name());
                          if (r.kind() == Kind.ELASTICACHE_REPLICATION_GROUP) {
                            b.replicationGroupId(r.sourceId());
                          } else {
                            b.cacheClusterId(r.sourceId());
                          }
                        }))
            .snapshot();
    return elastiCacheState(s.snapshotName(), s.snapshotStatus());
  }

  private static SnapshotState elastiCacheState(String name, String status) {
    return new SnapshotState(name, name, status(status), status);
  }

  // EBS volume (Timescale): the template takes the snapshot id.

  private Optional<SnapshotState> findEbs(SnapshotRequest r) {
    return AwsErrors.call(
        "DescribeSnapshots",
        () ->
            ec2
                .describeSnapshots(
                    b ->
                        b.ownerIds("self")
                            .filters(
                                Filter.builder().name("tag:" + NAME_TAG).values(r.name()).build()))
                .snapshots()
                .stream()
                // A failed one must not hide a later good one.
                .sorted(
                    Comparator.comparing(
                            (software.amazon.awssdk.services.ec2.model.Snapshot s) ->
                                status(s.stateAsString()) == Status.FAILED)
                        .thenComparing(
                            s -> s.startTime(), Comparator.nullsLast(Comparator.reverseOrder())))
                .findFirst()
                .map(
                    s ->
                        new SnapshotState(
                            r.name(), s.snapshotId(), status(s.stateAsString()), message(s))));
  }

  private static String message(software.amazon.awssdk.services.ec2.model.Snapshot s) {
    return s.stateMessage() != null ? s.stateMessage() : s.stateAsString();
  }

  private SnapshotState createEbs(SnapshotRequest r) {
    var s =
        AwsErrors.call(
            "CreateSnapshot",
            () ->
                ec2.createSnapshot(
                    b ->
                        b.volumeId(r.sourceId())
                            .description("ttes-operator " + r.name())
                            .tagSpecifications(
                                TagSpecification.builder()
                                    .resourceType(ResourceType.SNAPSHOT)
                                    .tags(Tag.builder().key(NAME_TAG).value(r.name()).build())
                                    .build())));
    return new SnapshotState(
        r.name(),
        s.snapshotId(),
        status(s.stateAsString()),
        s.stateMessage() != null ? s.stateMessage() : s.stateAsString());
  }
}
