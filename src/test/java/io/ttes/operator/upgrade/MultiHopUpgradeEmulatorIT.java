package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.api.v1alpha1.Hop;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetSummary;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

/**
 * A multi-hop upgrade end to end: the real operator, through the AWS SDK, against moto seeded with
 * three stacks of the fixture at 3.23.2 (the VPC, ops and services stacks), upgraded to 3.25.1 with
 * the default spec.path Hops. 3.25.0's release notes say to migrate through v3.24, so the stacks
 * move to 3.24.2 first and then to 3.25.1, each hop with its own executed change sets and
 * migration. One migration command keeps the test short.
 */
class MultiHopUpgradeEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(45);
  private static final String NS = "hops";
  private static final String CLUSTER = "hop-eu1";
  private static final String UPGRADE = "hop-eu1-to-3.25.1";

  /** The ops stack (and the VPC it imports from) and the services stack: what the hops change. */
  private static final Set<String> TEMPLATES = Set.of("1-1-vpc", "5-2-ecs-ops", "5-4-ecs-services");

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
  void anUpgradeFrom3232To3251PassesThrough3242AndEndsSucceededWithTwoHops() {
    TtesFixture.Deployment d = TtesFixture.deploy(moto.endpoint(), CLUSTER, "3.23.2", TEMPLATES);
    bed.api.createNamespace(NS);
    bed.objects(NS).create(d.clusterYaml(CLUSTER, NS), TTESCluster.class);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = bed.objects(NS).get(TTESCluster.class, CLUSTER);
              assertThat(ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()))
                  .isTrue();
              assertThat(c.getStatus().getVersion()).isEqualTo("3.23.2");
            });

    bed.objects(NS)
        .create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: StackUpgrade
            metadata: {name: %s, namespace: %s}
            spec:
              clusterRef: {name: %s}
              targetVersion: 3.25.1
              approval: Automatic
              migrations: {after: 5-2-ecs-ops, commands: [[is-db, migrate]]}
            """
                .formatted(UPGRADE, NS, CLUSTER),
            StackUpgrade.class);
    StackUpgrade done =
        bed.objects(NS)
            .await(
                StackUpgrade.class,
                UPGRADE,
                CONVERGE,
                u -> {
                  UpgradePhase p = u.getStatus() == null ? null : u.getStatus().getPhase();
                  if (p != null && p != UpgradePhase.Succeeded && p.isFinished()) {
                    throw new AssertionError(UPGRADE + " ended " + p + ": " + u.getStatus());
                  }
                  return p == UpgradePhase.Succeeded;
                });

    List<Hop> hops = done.getStatus().getHops();
    assertThat(hops)
        .extracting(Hop::getFrom, Hop::getVersion, Hop::getPhase)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("3.23.2", "3.24.2", "Succeeded"),
            org.assertj.core.groups.Tuple.tuple("3.24.2", "3.25.1", "Succeeded"));
    assertThat(hops.get(0).getPlanHash()).isNotBlank().isNotEqualTo(hops.get(1).getPlanHash());
    assertThat(hops.get(0).getReasons())
        .singleElement()
        .satisfies(r -> assertThat(r).contains("through v3.24"));
    assertThat(done.getStatus().getHop()).isEqualTo("hop 2/2: 3.24.2 → 3.25.1");

    // Both stacks whose templates change ran each hop's change set and now run 3.25.1.
    for (String template : List.of("5-2-ecs-ops", "5-4-ecs-services")) {
      String stack = d.stackName(template);
      assertThat(image(stack)).as(template).isEqualTo(TtesFixture.image("3.25.1"));
      List<String> executed =
          changeSets(stack).stream()
              .filter(cs -> "EXECUTE_COMPLETE".equals(cs.executionStatusAsString()))
              .map(ChangeSetSummary::changeSetName)
              .toList();
      assertThat(executed.stream().map(n -> n.substring(n.lastIndexOf('-'))))
          .as(template)
          .containsExactlyInAnyOrder("-a1", "-a2");
    }
    // One migration per hop, each its own OpsTask, both succeeded.
    assertThat(bed.objects(NS).list(OpsTask.class))
        .extracting(t -> t.getMetadata().getName())
        .containsExactlyInAnyOrder(
            UPGRADE.replace('.', '-') + "-migrate-1-is-db-migrate",
            UPGRADE.replace('.', '-') + "-migrate-1-is-db-migrate-a2");
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(bed.objects(NS).get(TTESCluster.class, CLUSTER).getStatus().getVersion())
                    .isEqualTo("3.25.1"));
  }

  private static String image(String stackName) {
    return cfn.describeStacks(b -> b.stackName(stackName)).stacks().get(0).parameters().stream()
        .filter(p -> TtesFixture.IMAGE_PARAMETER.equals(p.parameterKey()))
        .map(Parameter::parameterValue)
        .findFirst()
        .orElseThrow();
  }

  /** moto 5.2.1's ListChangeSets ignores StackName and lists every stack's: filter here. */
  private static List<ChangeSetSummary> changeSets(String stackName) {
    return cfn.listChangeSets(b -> b.stackName(stackName)).summaries().stream()
        .filter(cs -> stackName.equals(cs.stackName()))
        .toList();
  }
}
