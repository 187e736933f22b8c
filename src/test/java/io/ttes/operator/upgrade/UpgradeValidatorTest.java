package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec.StackOverride;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpgradeValidatorTest {
  private final UpgradeValidator validator = new UpgradeValidator();

  private static TTESClusterSpec cluster() {
    TTESClusterSpec c = new TTESClusterSpec();
    c.setStacks(
        new ArrayList<>(
            List.of(
                new StackRef("prod-eu1-1-1-vpc", "1-1-vpc"),
                new StackRef("prod-eu1-1-2-bastion", "1-2-bastion"),
                new StackRef("prod-eu1-5-2-ecs-ops", "5-2-ecs-ops"))));
    return c;
  }

  private static StackUpgradeSpec upgrade(String target) {
    StackUpgradeSpec s = new StackUpgradeSpec();
    s.setClusterRef(new ClusterRef());
    s.setTargetVersion(target);
    return s;
  }

  @Test
  void aValidUpgradeHasNoProblems() {
    StackUpgradeSpec spec = upgrade("3.33.2");
    spec.getStacks().add(new StackOverride("prod-eu1-1-2-bastion", true, Map.of()));

    UpgradeValidator.Validation v = validator.validate(spec, cluster(), "3.33.1");

    assertThat(v.ok()).isTrue();
    assertThat(v.target()).hasToString("3.33.2");
    assertThat(v.alreadyAtTarget()).isFalse();
    assertThat(v.migrationsAfter()).isEqualTo("5-2-ecs-ops");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    StackUpgradeSpec spec = upgrade("3.33");
    spec.getStacks().add(new StackOverride("prod-eu1-1-2-bastion", true, Map.of()));
    spec.getStacks().add(new StackOverride("prod-eu1-9-9-nope", false, Map.of()));
    spec.getStacks().add(new StackOverride("prod-eu1-1-2-bastion", false, Map.of()));
    spec.getMigrations().setAfter("5-9-missing");
    spec.getMigrations().getCommands().add(List.of());
    spec.getDataProtection().getSnapshotParameters().put("AWS::RDS::DBClustr", "X");

    UpgradeValidator.Validation v = validator.validate(spec, cluster(), "3.33.1");

    assertThat(v.problems())
        .extracting(PlanProblem::reason, PlanProblem::field)
        .containsExactly(
            tuple("InvalidVersion", "spec.targetVersion"),
            tuple("UnknownStack", "spec.stacks[1].name"),
            tuple("DuplicateStack", "spec.stacks[2].name"),
            tuple(
                "UnknownResourceType",
                "spec.dataProtection.snapshotParameters[AWS::RDS::DBClustr]"),
            tuple("InvalidCommand", "spec.migrations.commands[5]"),
            tuple("UnknownStack", "spec.migrations.after"));
    assertThat(v.problems().get(1).message()).contains("prod-eu1-9-9-nope");
    assertThat(v.problems().get(5).message()).contains("5-9-missing");
  }

  @Test
  void downgradeNeedsAllowDowngrade() {
    StackUpgradeSpec spec = upgrade("3.32.0");

    assertThat(validator.validate(spec, cluster(), "3.33.1").problems())
        .extracting(PlanProblem::reason, PlanProblem::field)
        .containsExactly(tuple("Downgrade", "spec.targetVersion"));

    spec.setAllowDowngrade(true);
    assertThat(validator.validate(spec, cluster(), "3.33.1").ok()).isTrue();
  }

  @Test
  void targetEqualToObservedIsNothingToDo() {
    UpgradeValidator.Validation v = validator.validate(upgrade("3.33.2"), cluster(), "3.33.2");

    assertThat(v.ok()).isTrue();
    assertThat(v.alreadyAtTarget()).isTrue();
    assertThat(v.message()).isEqualTo("cluster is already at 3.33.2");
  }

  @Test
  void unknownObservedVersionSkipsVersionComparisons() {
    UpgradeValidator.Validation v = validator.validate(upgrade("1.0.0"), cluster(), null);

    assertThat(v.ok()).isTrue();
    assertThat(v.observed()).isNull();
    assertThat(v.alreadyAtTarget()).isFalse();
  }

  @Test
  void noMigrationCommandsNeedNoMigrationsTemplate() {
    StackUpgradeSpec spec = upgrade("3.33.2");
    spec.getMigrations().setAfter("5-9-missing");
    spec.getMigrations().setCommands(new ArrayList<>());

    UpgradeValidator.Validation v = validator.validate(spec, cluster(), "3.33.1");

    assertThat(v.ok()).isTrue();
    assertThat(v.migrationsAfter()).isNull();
  }

  @Test
  void amiDeploymentsMigrateAfterTheirSingleStack() {
    TTESClusterSpec ami = new TTESClusterSpec();
    ami.setPlatform(Platform.AMI);
    ami.setStacks(new ArrayList<>(List.of(new StackRef("prod-ami", "1-1-ttes-ami"))));

    UpgradeValidator.Validation v = validator.validate(upgrade("3.33.2"), ami, "3.33.1");

    assertThat(v.ok()).isTrue();
    assertThat(v.migrationsAfter()).isEqualTo("1-1-ttes-ami");
  }
}
