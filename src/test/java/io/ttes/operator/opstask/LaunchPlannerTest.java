package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launch an OpsTask would make, as data, from its spec and its cluster. */
class LaunchPlannerTest {
  private static OpsTask task(String timeout, String... command) {
    OpsTask t = new OpsTask();
    t.setMetadata(new ObjectMetaBuilder().withName("t").withNamespace("ns").build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef("prod-eu1"));
    spec.setCommand(new ArrayList<>(List.of(command)));
    spec.setTimeout(timeout);
    spec.getSecretArgs().add(new SecretArg("PW", new SecretKeySelector("acme-admin", "password")));
    t.setSpec(spec);
    return t;
  }

  private static TTESCluster ecsCluster() {
    TTESCluster c = new TTESCluster();
    c.setMetadata(new ObjectMetaBuilder().withName("prod-eu1").withNamespace("ns").build());
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    spec.getOps().setEcs(new TTESClusterSpec.Ecs("prod-eu1-5-2-ecs-ops", "Out", null, null));
    c.setSpec(spec);
    TTESClusterStatus status = new TTESClusterStatus();
    TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
    ops.setTaskDefinition("arn:aws:ecs:eu-west-1:1:task-definition/ttes-ops:2");
    ops.setCluster("prod-eu1-ops");
    status.setOps(ops);
    c.setStatus(status);
    return c;
  }

  @Test
  void anEcsLaunchIsTheDefaultBinaryContainerAndLaunchTypeWithSecretsAsReferences() {
    LaunchPlan plan = LaunchPlanner.plan(task("1h30m", "is-db", "migrate", "$(PW)"), ecsCluster());

    assertThat(plan.platform()).isEqualTo(Platform.ECS);
    assertThat(plan.container()).isEqualTo("ttes");
    assertThat(plan.launchType()).isEqualTo("FARGATE");
    assertThat(plan.timeout()).isEqualTo(Duration.ofMinutes(90));
    assertThat(plan.command().display()).contains("tti-lw-stack", "is-db", "$(PW)");
    assertThat(plan.command().argv(Map.of("PW", "v")))
        .containsExactly("tti-lw-stack", "is-db", "migrate", "v");
  }

  @Test
  void aMissingClusterOrAnEcsTargetWithoutSubnetsNamesTheField() {
    assertThatThrownBy(() -> LaunchPlanner.plan(task(null, "is-db", "migrate"), null))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("ClusterNotFound");
              assertThat(p.field()).isEqualTo("spec.clusterRef.name");
            });
    TTESCluster cluster = ecsCluster();
    LaunchPlan plan = LaunchPlanner.plan(task(null, "is-db", "migrate"), cluster);
    assertThatThrownBy(() -> LaunchPlanner.checkEcsTarget(plan, cluster))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("PlatformMismatch");
              assertThat(p.getMessage()).contains("status.ops.subnets");
            });
  }
}
