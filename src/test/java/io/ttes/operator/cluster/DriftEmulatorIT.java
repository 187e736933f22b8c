package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/**
 * Drift end to end on moto: a parameter updated outside the operator (UpdateStack through the SDK,
 * as a person with the AWS CLI would) makes the cluster Drifted within a slow poll (2 s in this
 * bed) naming the parameter with its old and new value, Ready stays True; the next upgrade lists it
 * in its plan, and once the upgrade applied the stack the cluster is no longer Drifted. moto
 * answers the NoEcho parameter CookieHashKey of 5-4-ecs-services unmasked: the cluster's status
 * never holds its value, from the first observation nor from the upgrade.
 */
class DriftEmulatorIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String OPS = "5-2-ecs-ops";

  /** The default of the NoEcho parameter CookieHashKey of the fixture's 5-4-ecs-services. */
  private static final String COOKIE_HASH_KEY = "fixture-cookie-hash-key";

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
  void aParameterEditedOutsideTheOperatorIsDriftUntilAnUpgradeAppliesTheStack() {
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), "drift-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    bed.api.createNamespace("drift");
    bed.objects("drift").create(d.clusterYaml("drift-eu1", "drift"), TTESCluster.class);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = cluster();
              assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
              assertThat(c.getStatus().getApplied()).hasSize(d.stacks().size());
              assertThat(drifted(c).getStatus()).isEqualTo("False");
            });
    assertThat(statusJson()).doesNotContain(COOKIE_HASH_KEY);

    String ops = d.stackName(OPS);
    cfn.updateStack(
        b ->
            b.stackName(ops)
                .usePreviousTemplate(true)
                .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM)
                .parameters(
                    cfn.describeStacks(r -> r.stackName(ops)).stacks().get(0).parameters().stream()
                        .map(
                            p ->
                                p.parameterKey().equals("OpsTaskMemory")
                                    ? Parameter.builder()
                                        .parameterKey("OpsTaskMemory")
                                        .parameterValue("2048")
                                        .build()
                                    : Parameter.builder()
                                        .parameterKey(p.parameterKey())
                                        .usePreviousValue(true)
                                        .build())
                        .toList()));
    TtesFixture.awaitStatus(cfn, ops, StackStatus.UPDATE_COMPLETE);

    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(drifted(cluster()).getStatus()).isEqualTo("True"));
    TTESCluster c = cluster();
    assertThat(drifted(c).getReason()).isEqualTo("ParametersChanged");
    assertThat(drifted(c).getMessage()).contains("stack " + ops + ": OpsTaskMemory 1024 → 2048");
    assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
    assertThat(c.getStatus().getDrift()).hasSize(1);
    assertThat(c.getStatus().getDrift().get(0).getParameters())
        .extracting(ParameterDrift::getName, ParameterDrift::getApplied, ParameterDrift::getCurrent)
        .containsExactly(tuple("OpsTaskMemory", "1024", "2048"));

    bed.objects("drift")
        .create(
            """
            apiVersion: ops.ttes.io/v1alpha1
            kind: StackUpgrade
            metadata: {name: to-3.33.2, namespace: drift}
            spec:
              clusterRef: {name: drift-eu1}
              targetVersion: 3.33.2
              approval: Automatic
            """,
            StackUpgrade.class);
    StackUpgrade done =
        bed.objects("drift")
            .await(
                StackUpgrade.class,
                "to-3.33.2",
                CONVERGE,
                u -> {
                  UpgradePhase p = u.getStatus() == null ? null : u.getStatus().getPhase();
                  if (p != null && p.isFinished() && p != UpgradePhase.Succeeded) {
                    throw new AssertionError("upgrade ended " + p + ": " + u.getStatus());
                  }
                  return p == UpgradePhase.Succeeded;
                });
    List<PlannedDrift> planned = done.getStatus().getPlan().getDrift();
    assertThat(planned)
        .extracting(
            PlannedDrift::getStack,
            PlannedDrift::getParameter,
            PlannedDrift::getApplied,
            PlannedDrift::getCurrent,
            PlannedDrift::getOutcome)
        // The 3.33.2 template of the fixture no longer declares OpsTaskMemory.
        .containsExactly(tuple(ops, "OpsTaskMemory", "1024", "2048", "Removed"));

    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster after = cluster();
              assertThat(drifted(after).getStatus()).isEqualTo("False");
              assertThat(after.getStatus().getVersion()).isEqualTo("3.33.2");
              assertThat(after.getStatus().getDrift()).isEmpty();
            });
    assertThat(statusJson()).doesNotContain(COOKIE_HASH_KEY);
  }

  @Test
  void driftDetectionRunsForEveryStackWhereTheEmulatorHasIt() {
    // moto 5.2.1 answers DetectStackDrift with "not been implemented": the documented API is
    // modelled in FakeStackDrift and covered by DriftDetectionRunsTest and DriftOperatorTest.
    Assumptions.assumeTrue(
        emulatorDetectsDrift(), "moto does not implement DetectStackDrift (moto 5.2.1)");
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), "dd-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
    bed.api.createNamespace("detect");
    TTESCluster cluster =
        bed.objects("detect").create(d.clusterYaml("dd-eu1", "detect"), TTESCluster.class);
    bed.client()
        .resource(cluster)
        .edit(
            c -> {
              c.getSpec().setDriftDetection(new TTESClusterSpec.DriftDetection("1h"));
              return c;
            });
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = bed.objects("detect").get(TTESCluster.class, "dd-eu1");
              assertThat(c.getStatus().getDriftDetection().getStacks())
                  .hasSize(d.stacks().size())
                  .allSatisfy(
                      check ->
                          assertThat(check.getDetectionStatus()).isEqualTo("DETECTION_COMPLETE"));
              assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
            });
  }

  private static boolean emulatorDetectsDrift() {
    try {
      cfn.detectStackDrift(b -> b.stackName("no-such-stack"));
      return true;
    } catch (CloudFormationException e) {
      // Implemented: "Stack ... does not exist" (ValidationError, 400); not: a 500.
      return e.statusCode() == 400;
    }
  }

  private static String statusJson() {
    return bed.client().getKubernetesSerialization().asJson(cluster().getStatus());
  }

  private static TTESCluster cluster() {
    return bed.objects("drift").get(TTESCluster.class, "drift-eu1");
  }

  private static Condition drifted(TTESCluster c) {
    Condition d = ConditionWriter.find(c.getStatus(), ConditionTypes.DRIFTED);
    assertThat(d).as("Drifted condition in %s", c.getStatus().getConditions()).isNotNull();
    return d;
  }
}
