package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.Snapshots.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamesTest {
  private static final String UID = "1B2C3D4E-0000-4000-8000-000000000001";
  private static final String ID = Names.shortId(UID);
  private static final String RDS_ID = "^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$";
  private static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  private static final String LONG_TEMPLATE =
      "5-8b-ecs-certbot-scheduled-task-with-a-very-long-name-that-keeps-going-and-going-on"
          + "-and-on-until-it-no-longer-fits-anywhere-at-all-really";

  @Test
  void changeSetNamesFollowTheDocumentedForm() {
    assertThat(Names.changeSetName(UID, "2-1-db-aurora-master", 1, false))
        .isEqualTo("ttes-" + ID + "-2-1-db-aurora-master-a1");
    assertThat(Names.changeSetName(UID, "2-1-db-aurora-master", 2, true))
        .isEqualTo("ttes-" + ID + "-2-1-db-aurora-master-a2-s");
  }

  @Test
  void longChangeSetNamesAreShortenedValidAndStillDistinct() {
    String a = Names.changeSetName(UID, LONG_TEMPLATE + "-one", 1, true);
    String b = Names.changeSetName(UID, LONG_TEMPLATE + "-two", 1, true);

    assertThat(a).hasSizeLessThanOrEqualTo(128).matches("[a-zA-Z][-a-zA-Z0-9]*").endsWith("-a1-s");
    assertThat(b).hasSizeLessThanOrEqualTo(128).isNotEqualTo(a);
    assertThat(Names.changeSetName(UID, LONG_TEMPLATE + "-one", 1, true)).isEqualTo(a);
  }

  @Test
  void snapshotNamesAreValidForEachKindAndDistinctPerResourceAndAttempt() {
    Set<String> seen = new HashSet<>();
    for (Kind kind : Kind.values()) {
      for (String template : List.of("2-1-db-aurora-master", "2-3-db-redis", LONG_TEMPLATE)) {
        for (String logicalId : List.of("DBCluster", "ReplicationGroup", "Volume")) {
          for (int attempt : List.of(1, 12)) {
            String name = Names.snapshotName(kind, UID, template, logicalId, attempt);
            assertThat(name)
                .as("%s %s %s %s", kind, template, logicalId, attempt)
                .matches(RDS_ID)
                .hasSizeLessThanOrEqualTo(Names.maxSnapshotLength(kind))
                .endsWith("-a" + attempt);
            assertThat(seen.add(kind + name)).as("unique: " + name).isTrue();
          }
        }
      }
    }
    assertThat(Names.snapshotName(Kind.RDS_CLUSTER, UID, "2-1-db-aurora-master", "DBCluster", 1))
        .isEqualTo("ttes-" + ID + "-2-1-db-aurora-master-dbcluster-a1");
    assertThat(
            Names.snapshotName(
                Kind.ELASTICACHE_REPLICATION_GROUP, UID, "2-3-db-redis", "ReplicationGroup", 1))
        .hasSizeLessThanOrEqualTo(40)
        .startsWith("ttes-" + ID + "-2-3-db-redis-");
  }

  @Test
  void migrationTaskNamesAreDnsLabels() {
    assertThat(Names.migrationTaskName("prod-eu1-to-3.33.2", 1, 1, List.of("is-db", "migrate")))
        .isEqualTo("prod-eu1-to-3-33-2-migrate-1-is-db-migrate");
    assertThat(Names.migrationTaskName("prod-eu1-to-3.33.2", 2, 5, List.of("dcs-db", "migrate")))
        .isEqualTo("prod-eu1-to-3-33-2-migrate-5-dcs-db-migrate-a2");

    String longName = "a-very-long-upgrade-name-for-the-production-cluster-in-europe.to.3.33.2";
    String a = Names.migrationTaskName(longName, 1, 1, List.of("is-db", "migrate"));
    String b = Names.migrationTaskName(longName + "x", 1, 1, List.of("is-db", "migrate"));
    assertThat(a)
        .matches(DNS_LABEL)
        .hasSizeLessThanOrEqualTo(63)
        .endsWith("-migrate-1-is-db-migrate");
    assertThat(b).matches(DNS_LABEL).hasSizeLessThanOrEqualTo(63).isNotEqualTo(a);

    String hugeCommand =
        Names.migrationTaskName(
            "up", 1, 1, List.of("storage-db", "migrate", "--with-an-extremely-long-flag-value-x"));
    assertThat(hugeCommand).matches(DNS_LABEL).hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void startedByIsAnEcsToken() {
    assertThat(Names.startedBy(UID))
        .isEqualTo("ttes-operator/1B2C3D4E-0000-4000-8000-000000000001")
        .matches("[A-Za-z0-9/_-]{1,128}");
  }

  @Test
  void uidsSharingAPrefixGetDifferentNames() {
    assertThat(Names.changeSetName("00000000-0000-0000-0000-000000000091", "5-2-ecs-ops", 1, false))
        .isNotEqualTo(
            Names.changeSetName("00000000-0000-0000-0000-000000000092", "5-2-ecs-ops", 1, false));
  }
}
