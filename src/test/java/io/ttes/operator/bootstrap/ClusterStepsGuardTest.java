package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a bootstrap takes and gives back the guard of the cluster-wide steps. */
class ClusterStepsGuardTest {
  private final List<BootstrapStep> steps =
      BootstrapSteps.plan(BootstrapStepsTest.cluster(true), BootstrapStepsTest.example());
  private final List<String> calls = new ArrayList<>();
  private String holderOnCluster;

  private final ClusterStepsGuard.Hold hold =
      new ClusterStepsGuard.Hold() {
        @Override
        public String acquire() {
          calls.add("acquire");
          if (holderOnCluster == null) {
            holderOnCluster = "boot/me";
          }
          return holderOnCluster;
        }

        @Override
        public void release() {
          calls.add("release");
        }
      };

  private BootstrapStep step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aClusterStepTakesTheGuardOnceAndTheFirstTenantStepGivesItBack() {
    ClusterStepsGuard guard = new ClusterStepsGuard("boot/me", null, hold);

    assertThat(guard.claimFor(step(BootstrapSteps.STORAGE_INIT))).isNull();
    assertThat(guard.claimFor(step(BootstrapSteps.NOC_INIT))).isNull();
    assertThat(calls).containsExactly("acquire");

    assertThat(guard.claimFor(step(BootstrapSteps.CREATE_TENANT))).isNull();
    assertThat(guard.claimFor(step(BootstrapSteps.CREATE_ADMIN))).isNull();
    guard.release();
    assertThat(calls).containsExactly("acquire", "release");
  }

  @Test
  void anotherLiveHolderMakesTheClusterStepWaitAndNothingIsReleased() {
    holderOnCluster = "boot/other";
    ClusterStepsGuard guard = new ClusterStepsGuard("boot/me", "boot/other", hold);

    assertThat(guard.claimFor(step(BootstrapSteps.IS_MIGRATE))).isEqualTo("boot/other");
    guard.release();
    assertThat(calls).containsExactly("acquire");
  }

  @Test
  void aHolderAfterACrashKeepsItsGuardWithoutTakingItAgain() {
    ClusterStepsGuard guard = new ClusterStepsGuard("boot/me", "boot/me", hold);

    assertThat(guard.claimFor(step(BootstrapSteps.OAUTH_CLI))).isNull();
    assertThat(calls).isEmpty();
    guard.release();
    assertThat(calls).containsExactly("release");
  }

  @Test
  void tenantStepsWithoutTheGuardTouchNothing() {
    ClusterStepsGuard guard = new ClusterStepsGuard("boot/me", "boot/other", hold);

    assertThat(guard.claimFor(step(BootstrapSteps.CREATE_TENANT))).isNull();
    guard.release();
    assertThat(calls).isEmpty();
  }

  @Test
  void referencesOfClusterStepsAreCheckedFirstOnlyWhenNoOtherBootstrapHoldsThem() {
    assertThat(BootstrapReferences.toCheckFirst(steps, null, "boot/me")).isEqualTo(steps);
    assertThat(BootstrapReferences.toCheckFirst(steps, "boot/me", "boot/me")).isEqualTo(steps);
    assertThat(BootstrapReferences.toCheckFirst(steps, "boot/other", "boot/me"))
        .extracting(BootstrapStep::name)
        .containsExactly(BootstrapSteps.CREATE_TENANT, BootstrapSteps.CREATE_ADMIN);
  }
}
