package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ops task definition revision has one owner, the TTESCluster: an OpsTask launches the revision
 * in its status.ops and never looks one up itself. A revision deregistered by hand stalls the
 * launch with a clear reason until the cluster resolves another one (when its ops stack changes).
 */
class OpsTaskRevisionOperatorIT {
  private static final String OPS_STACK = "prod-eu1-5-2-ecs-ops";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private FakeAws aws;
  private OperatorTestBed bed;

  @BeforeEach
  void start() {
    aws = new FakeAws();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    bed = new OperatorTestBed("ops", aws);
    FakeDeployment.create(
        bed.client(), "ops", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
    bed.awaitClusterReady("prod-eu1");
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void aRevisionGoneStallsTheLaunchUntilTheClusterResolvesAnotherOne() {
    String resolved = FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 3);
    assertThat(clusterRevision()).isEqualTo(resolved);
    aws.ecs().deregister(FakeDeployment.FAMILY, 3);

    bed.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: migrate}
        spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
        """,
        OpsTask.class);
    OpsTask stalled =
        bed.await(
            OpsTask.class,
            "migrate",
            WAIT,
            t ->
                t.getStatus() != null
                    && "TaskDefinitionInactive".equals(t.getStatus().getReason()));

    assertThat(stalled.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(stalled.getStatus().getLaunchToken()).isNotNull();
    assertThat(OperatorTestBed.condition(stalled.getStatus(), "Stalled", false)).isEqualTo("True");
    assertThat(OperatorTestBed.condition(stalled.getStatus(), "Stalled", true))
        .isEqualTo("TaskDefinitionInactive");
    assertThat(stalled.getStatus().getMessage())
        .startsWith("spec.clusterRef.name: ")
        .contains(resolved, "status.ops.taskDefinition");
    assertThat(bed.events("migrate"))
        .anyMatch(
            e -> "TaskDefinitionInactive".equals(e.getReason()) && "Warning".equals(e.getType()));
    assertThat(aws.ecs().startedTasks()).isEmpty();
    assertThat(aws.ecs().runRequests()).allMatch(r -> r.taskDefinition().equals(resolved));

    // The ops stack is updated (as CloudFormation does when it registers a new revision): the
    // cluster resolves the latest ACTIVE revision again, and the waiting task launches on it.
    aws.mutableClock().advance(Duration.ofMinutes(1)); // the update's later lastUpdated
    aws.stacks().stack(OPS_STACK).status("UPDATE_COMPLETE");
    OpsTask done =
        bed.await(
            OpsTask.class,
            "migrate",
            WAIT,
            t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);

    String second = FakeEcsTasks.taskDefinitionArn(FakeDeployment.FAMILY, 2);
    assertThat(clusterRevision()).isEqualTo(second);
    assertThat(done.getStatus().getTaskDefinition()).isEqualTo(second);
    assertThat(aws.ecs().startedTasks()).hasSize(1);
  }

  private String clusterRevision() {
    return bed.get(TTESCluster.class, "prod-eu1").getStatus().getOps().getTaskDefinition();
  }
}
