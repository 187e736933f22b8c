package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeChangeSets;
import io.ttes.operator.testing.KubeApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delete handler on its own: a deleted dry run removes the change sets it planned (nobody will
 * execute them), any other upgrade leaves its change sets alone; the cluster's lock goes back.
 */
class UpgradeCleanupTest {
  static final String NS = "ns";

  KubeApi api;
  KubernetesClient client;
  FakeAws aws;
  UpgradeCleanup cleanup;

  @BeforeEach
  void setUp() {
    api = KubeApi.start();
    client = api.client();
    api.createNamespace(NS);
    aws = new FakeAws();
    cleanup = new UpgradeCleanup(aws, new UpgradeLock(client));
  }

  @AfterEach
  void tearDown() {
    api.close();
  }

  @Test
  void aDryRunDeletedWhilePlanningDeletesItsChangeSetsButNotOfSkippedStacks() {
    TTESCluster cluster = cluster("dry");
    cleanup.cleanup(upgrade("dry", true, UpgradePhase.Planning), cluster);

    // One DeleteChangeSet per planned change set; the skipped stack has none.
    assertThat(aws.calls().count(FakeChangeSets.DELETE_CHANGE_SET)).isEqualTo(2);
    assertThat(lockHolder()).isNull();
  }

  @Test
  void anUpgradeThatIsNotADryRunKeepsItsChangeSets() {
    TTESCluster cluster = cluster("real");
    cleanup.cleanup(upgrade("real", false, UpgradePhase.AwaitingApproval), cluster);

    assertThat(aws.calls().count(FakeChangeSets.DELETE_CHANGE_SET)).isZero();
    assertThat(lockHolder()).isNull();
  }

  @Test
  void aPlannedDryRunRemovedItsChangeSetsAlreadyAndDeletesNothing() {
    TTESCluster cluster = cluster("dry");
    cleanup.cleanup(upgrade("dry", true, UpgradePhase.Planned), cluster);

    assertThat(aws.calls().count(FakeChangeSets.DELETE_CHANGE_SET)).isZero();
  }

  @Test
  void withoutItsClusterNothingIsCalled() {
    cleanup.cleanup(upgrade("dry", true, UpgradePhase.Planning), null);

    assertThat(aws.calls().count(FakeChangeSets.DELETE_CHANGE_SET)).isZero();
  }

  /** The cluster "prod", locked by {@code holder}. */
  private TTESCluster cluster(String holder) {
    TTESCluster cluster = new TTESCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withName("prod").withNamespace(NS).build());
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    cluster.setSpec(spec);
    TTESCluster created = client.resource(cluster).create();
    TTESClusterStatus status = new TTESClusterStatus();
    status.setActiveUpgrade(holder);
    created.setStatus(status);
    return client.resource(created).updateStatus();
  }

  private String lockHolder() {
    TTESCluster now = client.resources(TTESCluster.class).inNamespace(NS).withName("prod").get();
    return now.getStatus() == null ? null : now.getStatus().getActiveUpgrade();
  }

  private static StackUpgrade upgrade(String name, boolean dryRun, UpgradePhase phase) {
    StackUpgrade su = new StackUpgrade();
    su.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid("u1").build());
    StackUpgradeSpec spec = new StackUpgradeSpec();
    var ref = new ClusterRef();
    ref.setName("prod");
    spec.setClusterRef(ref);
    spec.setTargetVersion("3.33.2");
    spec.setDryRun(dryRun);
    su.setSpec(spec);
    Plan plan = new Plan();
    plan.getStacks().add(planned("prod-1-1-vpc", "ttes-u1-1-1-vpc-a1", "Changes"));
    plan.getStacks().add(planned("prod-2-1-db", "ttes-u1-2-1-db-a1", null));
    plan.getStacks().add(planned("prod-5-4-ecs-services", null, "Skipped"));
    StackUpgradeStatus status = new StackUpgradeStatus();
    status.setPhase(phase);
    status.setPlan(plan);
    su.setStatus(status);
    return su;
  }

  private static PlannedStack planned(String stack, String changeSet, String disposition) {
    PlannedStack ps = new PlannedStack();
    ps.setName(stack);
    ps.setChangeSetName(changeSet);
    ps.setDisposition(disposition);
    return ps;
  }
}
