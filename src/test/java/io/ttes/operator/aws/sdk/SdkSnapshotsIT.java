package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.Snapshots.Kind;
import io.ttes.operator.aws.Snapshots.SnapshotRequest;
import io.ttes.operator.aws.Snapshots.SnapshotState;
import io.ttes.operator.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticache.ElastiCacheClient;
import software.amazon.awssdk.services.rds.RdsClient;

class SdkSnapshotsIT {
  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static Snapshots snapshots;
  private static RdsClient rds;
  private static ElastiCacheClient elasticache;
  private static Ec2Client ec2;
  private static String volumeId;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    snapshots = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).snapshots();
    rds = MotoClients.client(RdsClient.builder(), moto);
    elasticache = MotoClients.client(ElastiCacheClient.builder(), moto);
    ec2 = MotoClients.client(Ec2Client.builder(), moto);
    rds.createDBCluster(
        b ->
            b.dbClusterIdentifier("prod-aurora")
                .engine("aurora-postgresql")
                .masterUsername("ttes")
                .masterUserPassword("password-123"));
    rds.createDBInstance(
        b ->
            b.dbInstanceIdentifier("prod-timescale-db")
                .engine("postgres")
                .dbInstanceClass("db.t3.micro")
                .allocatedStorage(20)
                .masterUsername("ttes")
                .masterUserPassword("password-123"));
    elasticache.createReplicationGroup(
        b ->
            b.replicationGroupId("prod-redis")
                .replicationGroupDescription("redis")
                .engine("redis")
                .cacheNodeType("cache.t3.micro")
                .numCacheClusters(1));
    volumeId = ec2.createVolume(b -> b.availabilityZone("eu-west-1a").size(10)).volumeId();
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
      rds.close();
      elasticache.close();
      ec2.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static long calls(String operation) {
    return factory.metrics().callsByOperation().getOrDefault(operation, 0L);
  }

  @Test
  void rdsClusterSnapshotIsTakenOnceAndGivesItsArn() {
    var request = new SnapshotRequest(Kind.RDS_CLUSTER, "prod-aurora", "ttes-u-1-aurora");
    SnapshotState first = snapshots.ensure(request);
    SnapshotState second = snapshots.ensure(request);

    assertThat(first.name()).isEqualTo("ttes-u-1-aurora");
    assertThat(first.parameterValue())
        .startsWith("arn:aws:rds:eu-west-1:")
        .endsWith(":cluster-snapshot:ttes-u-1-aurora");
    assertThat(second.parameterValue()).isEqualTo(first.parameterValue());
    assertThat(second.status()).isEqualTo(Snapshots.Status.AVAILABLE);
    assertThat(calls("Rds.CreateDBClusterSnapshot")).isEqualTo(1);
    assertThat(
            rds.describeDBClusterSnapshots(b -> b.dbClusterIdentifier("prod-aurora"))
                .dbClusterSnapshots())
        .filteredOn(s -> s.dbClusterSnapshotIdentifier().equals("ttes-u-1-aurora"))
        .hasSize(1);
  }

  @Test
  void rdsInstanceSnapshotIsTakenOnceAndGivesItsArn() {
    var request = new SnapshotRequest(Kind.RDS_INSTANCE, "prod-timescale-db", "ttes-u-1-db");
    SnapshotState first = snapshots.ensure(request);
    SnapshotState second = snapshots.ensure(request);
    assertThat(first.parameterValue()).endsWith(":snapshot:ttes-u-1-db");
    assertThat(second.parameterValue()).isEqualTo(first.parameterValue());
    assertThat(calls("Rds.CreateDBSnapshot")).isEqualTo(1);
  }

  @Test
  void elastiCacheSnapshotIsTakenOnceAndGivesItsName() {
    var request =
        new SnapshotRequest(Kind.ELASTICACHE_REPLICATION_GROUP, "prod-redis", "ttes-u-1-redis");
    SnapshotState first = snapshots.ensure(request);
    SnapshotState second = snapshots.ensure(request);
    assertThat(first.parameterValue()).isEqualTo("ttes-u-1-redis");
    assertThat(second.parameterValue()).isEqualTo("ttes-u-1-redis");
    assertThat(calls("ElastiCache.CreateSnapshot")).isEqualTo(1);
    assertThat(elasticache.describeSnapshots(b -> b.snapshotName("ttes-u-1-redis")).snapshots())
        .hasSize(1);
  }

  @Test
  void ebsSnapshotIsTakenOnceFoundByItsNameTagAndGivesItsId() {
    var request = new SnapshotRequest(Kind.EBS_VOLUME, volumeId, "ttes-u-1-timescale");
    SnapshotState first = snapshots.ensure(request);
    SnapshotState second = snapshots.ensure(request);
    assertThat(first.parameterValue()).startsWith("snap-");
    assertThat(second.parameterValue()).isEqualTo(first.parameterValue());
    assertThat(second.status()).isEqualTo(Snapshots.Status.AVAILABLE);
    assertThat(calls("Ec2.CreateSnapshot")).isEqualTo(1);
    assertThat(
            ec2.describeSnapshots(
                    b ->
                        b.filters(
                            f ->
                                f.name("tag:" + SdkSnapshots.NAME_TAG)
                                    .values("ttes-u-1-timescale")))
                .snapshots())
        .hasSize(1)
        .allSatisfy(s -> assertThat(s.volumeId()).isEqualTo(volumeId));
  }

  @Test
  void statusMapping() {
    assertThat(SdkSnapshots.status("available")).isEqualTo(Snapshots.Status.AVAILABLE);
    assertThat(SdkSnapshots.status("completed")).isEqualTo(Snapshots.Status.AVAILABLE);
    assertThat(SdkSnapshots.status("failed")).isEqualTo(Snapshots.Status.FAILED);
    assertThat(SdkSnapshots.status("error")).isEqualTo(Snapshots.Status.FAILED);
    assertThat(SdkSnapshots.status("creating")).isEqualTo(Snapshots.Status.CREATING);
    assertThat(SdkSnapshots.status("pending")).isEqualTo(Snapshots.Status.CREATING);
  }
}
