package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.Snapshots.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class PlanHasherTest {
  private final PlanHasher hasher = new PlanHasher();

  private static final List<ResourceChange> CHANGES =
      List.of(
          new ResourceChange("Modify", "DBCluster", "c", "AWS::RDS::DBCluster", "True"),
          new ResourceChange("Modify", "DBInstance1", "i", "AWS::RDS::DBInstance", "Conditional"));
  private static final List<DetectedRisk> RISKS =
      List.of(
          new DetectedRisk(
              "DBCluster",
              "c",
              "AWS::RDS::DBCluster",
              "Modify",
              "True",
              Kind.RDS_CLUSTER,
              "DBSnapshotIdentifier",
              null));

  private static ParameterPlan params(Map<String, String> values, List<String> previous) {
    return new ParameterPlan("s", values, previous, Set.of("Password"), List.of(), List.of());
  }

  private static Map<String, String> values(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static List<StackPlan> plan(String changeSetName, String changeSetId) {
    return List.of(
        StackPlan.skipped("prod-eu1-1-2-bastion", "1-2-bastion"),
        new StackPlan(
            "prod-eu1-2-1-db-aurora-master",
            "2-1-db-aurora-master",
            Disposition.Changes,
            changeSetName,
            changeSetId,
            params(values("EngineVersion", "16.4", "Password", "hunter2"), List.of("A", "B")),
            CHANGES,
            RISKS));
  }

  private String hash(List<StackPlan> stacks) {
    return hasher.hash(7, stacks);
  }

  @Test
  void isTwelveHexCharactersAndStable() {
    String h = hash(plan("ttes-aaaa-2-1-db-aurora-master-a1", "arn:1"));

    assertThat(h).matches("[0-9a-f]{12}");
    assertThat(hash(plan("ttes-aaaa-2-1-db-aurora-master-a1", "arn:1"))).isEqualTo(h);
  }

  @Test
  void ignoresChangeSetNamesIdsAndOrdering() {
    String h = hash(plan("ttes-aaaa-2-1-db-aurora-master-a1", "arn:1"));

    List<StackPlan> reordered =
        List.of(
            StackPlan.skipped("prod-eu1-1-2-bastion", "1-2-bastion"),
            new StackPlan(
                "prod-eu1-2-1-db-aurora-master",
                "2-1-db-aurora-master",
                Disposition.Changes,
                "ttes-aaaa-2-1-db-aurora-master-a2-s",
                "arn:2",
                params(values("Password", "hunter2", "EngineVersion", "16.4"), List.of("B", "A")),
                List.of(CHANGES.get(1), CHANGES.get(0)),
                RISKS));

    assertThat(hash(reordered)).isEqualTo(h);
  }

  @Test
  void anyPlannedDifferenceChangesTheHash() {
    String h = hash(plan("cs", "id"));
    List<UnaryOperator<StackPlan>> edits =
        List.of(
            s -> with(s, Disposition.NoChanges, s.parameters(), s.changes(), s.dataRisks()),
            s ->
                with(
                    s,
                    s.disposition(),
                    params(values("EngineVersion", "16.6", "Password", "x"), List.of("A", "B")),
                    s.changes(),
                    s.dataRisks()),
            s ->
                with(
                    s,
                    s.disposition(),
                    params(values("EngineVersion", "16.4", "Password", "x"), List.of("A")),
                    s.changes(),
                    s.dataRisks()),
            s -> with(s, s.disposition(), s.parameters(), CHANGES.subList(0, 1), s.dataRisks()),
            s ->
                with(
                    s,
                    s.disposition(),
                    s.parameters(),
                    List.of(
                        CHANGES.get(0),
                        new ResourceChange(
                            "Modify", "DBInstance1", "i", "AWS::RDS::DBInstance", "True")),
                    s.dataRisks()),
            s -> with(s, s.disposition(), s.parameters(), s.changes(), List.of()),
            s ->
                with(
                    s,
                    s.disposition(),
                    s.parameters(),
                    s.changes(),
                    List.of(
                        new DetectedRisk(
                            "DBCluster",
                            "c",
                            "AWS::RDS::DBCluster",
                            "Modify",
                            "True",
                            Kind.RDS_CLUSTER,
                            null,
                            null))));

    for (UnaryOperator<StackPlan> edit : edits) {
      List<StackPlan> edited = new ArrayList<>(plan("cs", "id"));
      edited.set(1, edit.apply(edited.get(1)));
      assertThat(hash(edited)).isNotEqualTo(h);
    }
    assertThat(hasher.hash(8, plan("cs", "id"))).as("generation").isNotEqualTo(h);
    assertThat(hash(List.of(plan("cs", "id").get(1), plan("cs", "id").get(0))))
        .as("stack order")
        .isNotEqualTo(h);
    assertThat(hash(plan("cs", "id").subList(1, 2))).as("stack dropped").isNotEqualTo(h);
  }

  @Test
  void noEchoValuesAreNotHashedOnlyTheirKeys() {
    String h = hash(plan("cs", "id"));
    List<StackPlan> otherSecret = new ArrayList<>(plan("cs", "id"));
    StackPlan s = otherSecret.get(1);
    otherSecret.set(
        1,
        with(
            s,
            s.disposition(),
            params(values("EngineVersion", "16.4", "Password", "different"), List.of("A", "B")),
            s.changes(),
            s.dataRisks()));

    assertThat(hash(otherSecret)).isEqualTo(h);
    assertThat(hasher.canonical(7, plan("cs", "id"))).doesNotContain("hunter2");
  }

  @Test
  void fieldBoundariesCannotBeConfused() {
    List<StackPlan> a =
        List.of(
            new StackPlan(
                "s",
                "t",
                Disposition.Changes,
                null,
                null,
                params(values("A", "b|c"), List.of()),
                null,
                null));
    List<StackPlan> b =
        List.of(
            new StackPlan(
                "s",
                "t",
                Disposition.Changes,
                null,
                null,
                params(values("A|b", "c"), List.of()),
                null,
                null));

    assertThat(hash(a)).isNotEqualTo(hash(b));
  }

  private static StackPlan with(
      StackPlan s,
      Disposition d,
      ParameterPlan p,
      List<ResourceChange> changes,
      List<DetectedRisk> risks) {
    return new StackPlan(
        s.name(), s.template(), d, s.changeSetName(), s.changeSetId(), p, changes, risks);
  }
}
