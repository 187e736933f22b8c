package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.RollbackRecord;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

/**
 * spec.rollback end to end on moto: the five-stack fixture upgraded from 3.33.1 to 3.33.2 (the ops
 * and services templates change), then rolled back: both stacks run the 3.33.1 image again, through
 * change sets of the recorded 3.33.1 template URLs, and the cluster reports 3.33.1.
 */
class RollbackEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String NS = "rollback";
  private static final String NAME = "rb-eu1-to-3.33.2";

  private static MotoServer moto;
  private static OperatorTestBed bed;
  private static CloudFormationClient cfn;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed = OperatorTestBed.onMoto(moto, null);
    cfn = TtesFixture.configure(CloudFormationClient.builder(), moto.endpoint()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {cfn, bed, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aSucceededUpgradeRolledBackRunsTheEarlierTemplatesAndImageAgain() {
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), "rb-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    bed.api.createNamespace(NS);
    KubeObjects objects = bed.objects(NS);
    objects.create(d.clusterYaml("rb-eu1", NS), TTESCluster.class);
    objects.await(TTESCluster.class, "rb-eu1", CONVERGE, KubeObjects::ready);
    objects.create(
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s, namespace: %s}
        spec:
          clusterRef: {name: rb-eu1}
          targetVersion: 3.33.2
        """
            .formatted(NAME, NS),
        StackUpgrade.class);
    awaitPhase(UpgradePhase.Succeeded);
    String ops = d.stackName(TtesFixture.OPS_TEMPLATE);
    String services = d.stackName("5-4-ecs-services");
    assertThat(image(ops)).isEqualTo(TtesFixture.image("3.33.2"));
    int tasks = objects.list(OpsTask.class).size();

    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace(NS)
        .withName(NAME)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
    StackUpgrade done =
        objects.await(
            StackUpgrade.class,
            NAME,
            CONVERGE,
            su ->
                su.getStatus().getPhase() == UpgradePhase.Succeeded
                    && RollbackPlanner.ROLLED_BACK.equals(
                        ConditionWriter.find(su.getStatus(), "Ready").getReason()));

    assertThat(done.getStatus().getRollback().getStacks())
        .filteredOn(RollbackRecord::getUpdated)
        .extracting(RollbackRecord::getName, RollbackRecord::getTemplateUrl)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                ops, TtesFixture.templateUrl("3.33.1", TtesFixture.OPS_TEMPLATE)),
            org.assertj.core.groups.Tuple.tuple(
                services, TtesFixture.templateUrl("3.33.1", "5-4-ecs-services")));
    assertThat(done.getStatus().getSteps())
        .extracting(s -> s.getName())
        .containsExactly(services, ops);
    for (String stack : List.of(ops, services)) {
      assertThat(image(stack)).as(stack).isEqualTo(TtesFixture.image("3.33.1"));
      assertThat(cfn.describeStacks(b -> b.stackName(stack)).stacks().get(0).stackStatusAsString())
          .isEqualTo("UPDATE_COMPLETE");
    }
    assertThat(objects.list(OpsTask.class)).as("no migration in a rollback").hasSize(tasks);
    objects.await(
        TTESCluster.class, "rb-eu1", CONVERGE, c -> "3.33.1".equals(c.getStatus().getVersion()));
  }

  private static void awaitPhase(UpgradePhase phase) {
    bed.objects(NS)
        .await(
            StackUpgrade.class,
            NAME,
            CONVERGE,
            u -> u.getStatus() != null && u.getStatus().getPhase() == phase);
  }

  private static String image(String stack) {
    return cfn.describeStacks(b -> b.stackName(stack)).stacks().get(0).parameters().stream()
        .filter(p -> TtesFixture.IMAGE_PARAMETER.equals(p.parameterKey()))
        .map(Parameter::parameterValue)
        .findFirst()
        .orElse(null);
  }
}
