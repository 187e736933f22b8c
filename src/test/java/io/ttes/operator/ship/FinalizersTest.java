package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.ttes.operator.bootstrap.TenantBootstrapReconciler;
import io.ttes.operator.cluster.TTESClusterReconciler;
import io.ttes.operator.opstask.OpsTaskReconciler;
import io.ttes.operator.upgrade.StackUpgradeReconciler;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java Operator SDK adds a finalizer ({@code <plural>.<group>/finalizer}) to every resource of
 * a reconciler that implements {@link Cleaner}; the OpsTask reconciler puts the same name on the
 * OpsTasks that ask for {@code spec.stopOnDelete} only ({@link OpsTaskReconciler#FINALIZER}).
 * Finalizers are what make a namespace deletion or a CRD deletion wait for the operator, so the
 * chart README lists them, with what each cleanup does; a new Cleaner must be added there (and be
 * worth the wait).
 */
class FinalizersTest {
  private static final List<Class<?>> RECONCILERS =
      List.of(
          TTESClusterReconciler.class,
          StackUpgradeReconciler.class,
          TenantBootstrapReconciler.class,
          OpsTaskReconciler.class);

  @Test
  void onlyStackUpgradesAndStopOnDeleteOpsTasksHaveFinalizersAndTheChartReadmeSaysSo()
      throws IOException {
    List<Class<?>> cleaners = RECONCILERS.stream().filter(Cleaner.class::isAssignableFrom).toList();
    assertThat(cleaners)
        .as("reconcilers with a finalizer on every resource")
        .containsExactly(StackUpgradeReconciler.class);

    String readme = Files.readString(ChartValuesTest.README);
    assertThat(readme)
        .as("the chart README's finalizer table names the StackUpgrade finalizer")
        .contains("`stackupgrades." + ExpectedPermissions.GROUP + "/finalizer`");
    assertThat(OpsTaskReconciler.FINALIZER)
        .isEqualTo("opstasks." + ExpectedPermissions.GROUP + "/finalizer");
    assertThat(readme)
        .as("the chart README's finalizer table names the OpsTask finalizer and when it is set")
        .contains("`" + OpsTaskReconciler.FINALIZER + "`")
        .contains("only with `spec.stopOnDelete`");
  }
}
