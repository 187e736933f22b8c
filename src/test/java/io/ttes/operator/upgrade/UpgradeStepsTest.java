package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpgradeStepsTest {
  private static final List<List<String>> DEFAULT_COMMANDS =
      new StackUpgradeSpec.Migrations().getCommands();

  private final UpgradeSteps steps = new UpgradeSteps();

  private static StackPlan stack(String template, Disposition d) {
    if (d == Disposition.Skipped) {
      return StackPlan.skipped("prod-eu1-" + template, template);
    }
    return new StackPlan("prod-eu1-" + template, template, d, "cs", "id", null, null, null);
  }

  @Test
  void migrationsFollowTheOpsStackEvenWhenItHadNoChanges() {
    List<StackPlan> plan =
        List.of(
            stack("1-1-vpc", Disposition.NoChanges),
            stack("1-2-bastion", Disposition.Skipped),
            stack("2-1-db-aurora-master", Disposition.Changes),
            stack("5-2-ecs-ops", Disposition.NoChanges),
            stack("5-4-ecs-services", Disposition.Changes));

    List<UpgradeSteps.Step> result =
        steps.steps(plan, "5-2-ecs-ops", DEFAULT_COMMANDS, "prod-eu1-to-3.33.2", 1);

    assertThat(result)
        .extracting(s -> s.name(), s -> s.toStatus().getPhase(), s -> s.opsTask())
        .containsExactly(
            tuple("prod-eu1-1-1-vpc", "Skipped", null),
            tuple("prod-eu1-1-2-bastion", "Skipped", null),
            tuple("prod-eu1-2-1-db-aurora-master", "Pending", null),
            tuple("prod-eu1-5-2-ecs-ops", "Skipped", null),
            tuple(
                "migrate-1-is-db-migrate", "Pending", "prod-eu1-to-3-33-2-migrate-1-is-db-migrate"),
            tuple(
                "migrate-2-ns-db-migrate", "Pending", "prod-eu1-to-3-33-2-migrate-2-ns-db-migrate"),
            tuple(
                "migrate-3-as-db-migrate", "Pending", "prod-eu1-to-3-33-2-migrate-3-as-db-migrate"),
            tuple(
                "migrate-4-noc-db-migrate",
                "Pending",
                "prod-eu1-to-3-33-2-migrate-4-noc-db-migrate"),
            tuple(
                "migrate-5-dcs-db-migrate",
                "Pending",
                "prod-eu1-to-3-33-2-migrate-5-dcs-db-migrate"),
            tuple("prod-eu1-5-4-ecs-services", "Pending", null));
    assertThat(result.get(4).command()).containsExactly("is-db", "migrate");
    assertThat(result.get(4).migration()).isEqualTo(1);
    assertThat(result.get(4).stackName()).isEqualTo("prod-eu1-5-2-ecs-ops");
    assertThat(result.get(0).toStatus().getMessage()).isEqualTo("change set has no changes");
    assertThat(result.get(1).toStatus().getMessage()).isEqualTo("skipped by spec.stacks[].skip");
  }

  @Test
  void justInTimeStacksAreWalkedLikeStacksWithChanges() {
    List<UpgradeSteps.Step> result =
        steps.steps(
            List.of(stack("5-4-ecs-services", Disposition.JustInTime)), null, List.of(), "u", 1);

    assertThat(result).singleElement().satisfies(s -> assertThat(s.skipped()).isFalse());
  }

  @Test
  void noMigrationsWithoutCommandsOrTemplate() {
    List<StackPlan> plan = List.of(stack("5-2-ecs-ops", Disposition.Changes));

    assertThat(steps.steps(plan, "5-2-ecs-ops", List.of(), "u", 1)).hasSize(1);
    assertThat(steps.steps(plan, null, DEFAULT_COMMANDS, "u", 1)).hasSize(1);
  }

  @Test
  void migrationsGoLastWhenTheirTemplateIsNotPlanned() {
    List<StackPlan> plan =
        List.of(stack("1-1-vpc", Disposition.Changes), stack("2-3-db-redis", Disposition.Changes));

    List<UpgradeSteps.Step> result =
        steps.steps(plan, "5-2-ecs-ops", List.of(List.of("is-db", "migrate")), "u", 3);

    assertThat(result)
        .extracting(UpgradeSteps.Step::kind)
        .containsExactly(
            UpgradeSteps.Kind.STACK, UpgradeSteps.Kind.STACK, UpgradeSteps.Kind.MIGRATION);
    assertThat(result.get(2).opsTask()).isEqualTo("u-migrate-1-is-db-migrate-a3");
  }
}
