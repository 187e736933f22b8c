package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.Stacks.StackEvent;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small decisions the upgrade takes on what CloudFormation answers. */
class CloudFormationDecisionsTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void executionStatusDecidesWhetherToExecuteWaitReplanOrFollow() {
    assertThat(ExecutionReadiness.of(cs("AVAILABLE"))).isEqualTo(ExecutionReadiness.EXECUTE);
    assertThat(ExecutionReadiness.of(cs("UNAVAILABLE"))).isEqualTo(ExecutionReadiness.WAIT);
    assertThat(ExecutionReadiness.of(cs("OBSOLETE"))).isEqualTo(ExecutionReadiness.REPLAN);
    assertThat(ExecutionReadiness.of(cs("EXECUTE_FAILED"))).isEqualTo(ExecutionReadiness.REPLAN);
    assertThat(ExecutionReadiness.of(cs("EXECUTE_IN_PROGRESS")))
        .isEqualTo(ExecutionReadiness.EXECUTED);
    assertThat(ExecutionReadiness.of(cs("EXECUTE_COMPLETE")))
        .isEqualTo(ExecutionReadiness.EXECUTED);
  }

  @Test
  void theFirstResourceThatFailedExplainsTheRollbackNotTheCancellations() {
    List<StackEvent> newestFirst =
        List.of(
            event("s", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", null),
            event("Other", "AWS::SQS::Queue", "UPDATE_FAILED", "Resource update cancelled"),
            event("Db", "AWS::RDS::DBCluster", "UPDATE_FAILED", "quota"),
            event("s", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"));
    StackFailure f = StackFailure.of("s", newestFirst).orElseThrow();
    assertThat(f.describe()).isEqualTo("Db (AWS::RDS::DBCluster) UPDATE_FAILED: quota");
    assertThat(f.deniedByStackPolicy()).isFalse();
    assertThat(newestFirst.get(3).startsUpdate("s")).isTrue();
    assertThat(StackFailure.of("s", List.of())).isEmpty();
    assertThat(
            StackFailure.of(
                    "s",
                    List.of(
                        event(
                            "Db",
                            "AWS::RDS::DBCluster",
                            "UPDATE_FAILED",
                            "Action denied by stack policy: Statement [#1] does not allow"
                                + " [Update:*] for resource [LogicalResourceId/Db]")))
                .orElseThrow()
                .deniedByStackPolicy())
        .isTrue();
  }

  @Test
  void aSetSnapshotParameterMayOnlyBeKeptOrGivenTheSnapshotJustTaken() {
    StackInfo restored = stack(Map.of("DBSnapshotIdentifier", "arn:snap-1", "Other", "x"));
    Set<String> names = SnapshotParameterGuard.parameterNames(Map.of());
    assertThat(names).contains("DBSnapshotIdentifier", "SnapshotName", "VolumeSnapshotID");

    assertThat(check(restored, plan(Map.of(), List.of("DBSnapshotIdentifier")), Map.of()))
        .isEmpty();
    assertThat(
            check(
                restored, plan(Map.of("DBSnapshotIdentifier", "arn:snap-1"), List.of()), Map.of()))
        .isEmpty();
    assertThat(
            check(
                restored,
                plan(Map.of("DBSnapshotIdentifier", "arn:snap-new"), List.of()),
                Map.of("DBSnapshotIdentifier", "arn:snap-new")))
        .isEmpty();
    List<PlanProblem> cleared =
        check(restored, plan(Map.of("DBSnapshotIdentifier", ""), List.of()), Map.of());
    assertThat(cleared)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo("SnapshotParameterChanged");
              assertThat(p.field()).isEqualTo("spec.stacks[s].parameters.DBSnapshotIdentifier");
              assertThat(p.message()).contains("clear it").doesNotContain("arn:snap-1");
            });
    assertThat(
            check(restored, plan(Map.of("DBSnapshotIdentifier", "arn:other"), List.of()), Map.of()))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("pass another snapshot"));
    assertThat(check(restored, plan(Map.of(), List.of()), Map.of()))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("no longer pass it"));
    // Never restored (empty value): anything goes.
    assertThat(
            check(
                stack(Map.of("DBSnapshotIdentifier", "")),
                plan(Map.of("DBSnapshotIdentifier", "arn:x"), List.of()),
                Map.of()))
        .isEmpty();
  }

  @Test
  void planDriftSaysWhatAJustInTimeChangeSetChangesDifferently() {
    List<ResourceChange> planned =
        List.of(
            new ResourceChange("Modify", "Svc", "p1", "AWS::ECS::Service", "False"),
            new ResourceChange("Modify", "Td", "p2", "AWS::ECS::TaskDefinition", "False"));
    assertThat(
            PlanDrift.between(
                planned,
                List.of(
                    new ResourceChange("Modify", "Td", "other", "AWS::ECS::TaskDefinition", null),
                    new ResourceChange("Modify", "Svc", "other", "AWS::ECS::Service", "False"))))
        .isEmpty();
    assertThat(
            PlanDrift.between(
                planned,
                List.of(
                    new ResourceChange("Modify", "Svc", "p1", "AWS::ECS::Service", "True"),
                    new ResourceChange("Add", "Q", null, "AWS::SQS::Queue", null))))
        .hasValue(
            "Modify Svc (AWS::ECS::Service, replacement True) (planned: Modify Svc"
                + " (AWS::ECS::Service)); now also Add Q (AWS::SQS::Queue); no longer Modify Td"
                + " (AWS::ECS::TaskDefinition)");
  }

  private static List<PlanProblem> check(
      StackInfo stack, ParameterPlan plan, Map<String, String> justTaken) {
    return SnapshotParameterGuard.check(
        "s", stack, plan, SnapshotParameterGuard.parameterNames(Map.of()), justTaken);
  }

  private static ParameterPlan plan(Map<String, String> values, List<String> previous) {
    return new ParameterPlan("s", values, previous, Set.of(), List.of(), List.of());
  }

  private static StackInfo stack(Map<String, String> parameters) {
    return new StackInfo("s", "id", "UPDATE_COMPLETE", null, T, parameters, Map.of(), Map.of());
  }

  private static StackEvent event(String id, String type, String status, String reason) {
    return new StackEvent(T, id, type, status, reason);
  }

  private static ChangeSetInfo cs(String executionStatus) {
    return new ChangeSetInfo(
        "id", "n", "s", "CREATE_COMPLETE", executionStatus, null, Map.of(), List.of());
  }
}
