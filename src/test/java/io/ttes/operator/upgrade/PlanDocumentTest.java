package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ttes.operator.api.v1alpha1.ApprovalMode;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ChangeDetail;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.TtesVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plan as a reviewer reads it: masking, old → new, sections in template order, the limit. */
class PlanDocumentTest {
  private static final String SECRET = "s3cret-Value-42";
  private static final String OLD_IMAGE = "thethingsindustries/lorawan-stack:3.33.1-aws";
  private static final String NEW_IMAGE = "thethingsindustries/lorawan-stack:3.33.2-aws";

  private final PlanDocument document = new PlanDocument();

  @Test
  void namesEachChangedParameterWithOldAndNewValueAndMasksNoEcho() {
    String text = document.render(upgrade(ApprovalMode.Automatic), status(true));

    assertThat(text)
        .contains("Image: " + OLD_IMAGE + " → " + NEW_IMAGE + "  [Image]")
        .contains("DatabasePassword: **** → ****  [Override]")
        .contains("Parameters (2 changed):")
        // UsePreviousValue parameters do not change and are not listed.
        .doesNotContain("Network:")
        .doesNotContain(SECRET);
  }

  @Test
  void masksANoEchoParameterEvenWhenStatusHeldItsValue() {
    StackUpgradeStatus status = status(true);
    // A status written by hand (or a bug upstream): the renderer masks by the NoEcho flag.
    status.getPlan().getStacks().get(1).getParameters().stream()
        .filter(c -> c.getKey().equals("DatabasePassword"))
        .forEach(c -> c.setTo(SECRET));

    String text = document.render(upgrade(ApprovalMode.Automatic), status);

    assertThat(text).doesNotContain(SECRET).contains("DatabasePassword: **** → ****");
  }

  @Test
  void showsStacksInTemplateOrderWithChangesRisksAndMigrations() {
    String text = document.render(upgrade(ApprovalMode.Automatic), status(true));

    int vpc = text.indexOf("== Stack prod-1-1-vpc (1-1-vpc): no changes");
    int db = text.indexOf("== Stack prod-2-1-db (2-1-db-aurora-master): changes");
    int migrations = text.indexOf("== Migrations (1)");
    assertThat(vpc).isPositive();
    assertThat(db).isGreaterThan(vpc);
    assertThat(migrations).isGreaterThan(db);
    assertThat(text.substring(db, migrations))
        .contains("Resource changes (2):")
        .contains("  Modify Database (AWS::RDS::DBCluster) replacement: True")
        .contains("  Modify Service (AWS::ECS::Service)\n")
        .contains("Data risks (1):")
        .contains("covered by: snapshot (snapshot passed in SnapshotIdentifier)");
    assertThat(text.substring(migrations))
        .contains("1. is-db migrate  after prod-5-2-ops")
        .contains("because 3.33.2: the identity server schema changed");
  }

  @Test
  void theHeaderSaysWhatApprovingTakes() {
    String manual = document.render(upgrade(ApprovalMode.Manual), status(true));
    assertThat(manual)
        .startsWith("Plan abc123 of StackUpgrade ops/prod-to-3.33.2\n")
        .contains("Cluster:  prod\n")
        .contains("Version:  3.33.1 → 3.33.2\n")
        .contains(
            "Approval: needed (Manual): kubectl patch stackupgrade prod-to-3.33.2 -n ops"
                + " --type merge -p '{\"spec\":{\"approvedPlan\":\"abc123\"}}'");

    assertThat(document.render(upgrade(ApprovalMode.Automatic), status(true)))
        .contains("Approval: not needed (Automatic, every data risk is covered)");
    assertThat(document.render(upgrade(ApprovalMode.Automatic), status(false)))
        .contains("Approval: needed (data at risk without a snapshot)")
        .contains("covered by: NOTHING, approval needed");
  }

  @Test
  void theSamePlanGivesTheSameText() {
    assertThat(document.render(upgrade(ApprovalMode.Manual), status(true)))
        .isEqualTo(document.render(upgrade(ApprovalMode.Manual), status(true)));
  }

  @Test
  void aPlanLongerThanTheLimitIsCutAtALineWithANote() {
    StackUpgradeStatus status = status(true);
    List<ResourceChange> many = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      many.add(change("Queue" + i, "AWS::SQS::Queue", "Add", null));
    }
    status.getPlan().getStacks().get(1).setChanges(many);
    int limit = 16 * 1024;

    String text = new PlanDocument(limit).render(upgrade(ApprovalMode.Automatic), status);

    assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(limit);
    assertThat(text)
        .startsWith("Plan abc123")
        .endsWith(
            "... truncated: the plan is longer than a ConfigMap holds; the whole plan is in"
                + " status.plan (kubectl get stackupgrade prod-to-3.33.2 -n ops -o yaml)\n");
    String beforeNote = text.substring(0, text.indexOf("\n... truncated"));
    assertThat(beforeNote).endsWith(")");
    assertThat(new PlanDocument().render(upgrade(ApprovalMode.Automatic), status))
        .contains("Queue1999")
        .doesNotContain("truncated");
  }

  @Test
  void theEventCountsWhatChangesAndNamesTheCommand() {
    assertThat(PlanDocumentWriter.summary(status(true).getPlan(), "ops", "prod-to-3.33.2"))
        .isEqualTo(
            "Plan abc123: 1 stacks change, 2 parameters, 1 data risks, read it with kubectl get"
                + " configmap prod-to-3.33.2-plan -n ops -o jsonpath='{.data.plan\\.txt}'");
  }

  @Test
  void eachResourceChangeListsItsPropertyLevelDetails() {
    StackUpgradeStatus status = status(true);
    ResourceChange service = status.getPlan().getStacks().get(1).getChanges().get(1);
    service.setReplacement("Conditional");
    service
        .getDetails()
        .add(
            detail(
                "Properties",
                "TaskDefinition",
                "Conditionally",
                "Static",
                "ParameterReference",
                "Image"));
    service.getDetails().add(detail("Tags", null, "Never", "Static", "DirectModification", null));
    service
        .getDetails()
        .add(
            detail(
                "Properties", "Cluster", "Always", "Dynamic", "ResourceReference", "EcsCluster"));
    service
        .getDetails()
        .add(detail("Properties", "LoadBalancers", null, "Dynamic", "ResourceAttribute", null));

    String text = document.render(upgrade(ApprovalMode.Automatic), status);

    assertThat(text)
        .contains(
            "  Modify Service (AWS::ECS::Service) replacement: Conditional\n"
                + "      Properties.TaskDefinition (Static, from parameter Image) recreation:"
                + " Conditionally\n"
                + "      Tags (Static, template edit)\n"
                + "      Properties.Cluster (Dynamic, from resource EcsCluster) recreation:"
                + " Always\n"
                + "      Properties.LoadBalancers (Dynamic, ResourceAttribute)\n");
  }

  @Test
  void detailsLeftOutOfStatusAreCountedUnderTheirResource() {
    StackUpgradeStatus status = status(true);
    ResourceChange database = status.getPlan().getStacks().get(1).getChanges().get(0);
    database
        .getDetails()
        .add(
            detail(
                "Properties", "StorageEncrypted", "Always", "Static", "DirectModification", null));
    database.setDetailsOmitted(7);

    assertThat(document.render(upgrade(ApprovalMode.Automatic), status))
        .contains(
            "  Modify Database (AWS::RDS::DBCluster) replacement: True\n"
                + "      Properties.StorageEncrypted (Static, template edit) recreation: Always\n"
                + "      … 7 more (status keeps 40 details per stack; the change set lists all)\n");
  }

  @Test
  void theDriftSectionSaysWhatThePlanOverwritesAndWhatItKeeps() {
    StackUpgradeStatus status = status(true);
    status
        .getPlan()
        .getDrift()
        .add(
            drift(
                "prod-2-1-db", "Network", "prod", "staging", "prod", DriftOverwrites.OVERWRITTEN));
    status
        .getPlan()
        .getDrift()
        .add(drift("prod-2-1-db", null, "3.33.1", "3.33.0", "3.33.2", DriftOverwrites.OVERWRITTEN));
    status
        .getPlan()
        .getDrift()
        .add(drift("prod-2-1-db", "Replicas", "2", "3", "3", DriftOverwrites.KEPT));
    status
        .getPlan()
        .getDrift()
        .add(
            drift(
                "prod-1-1-vpc",
                "Cidr",
                "10.0.0.0/16",
                "10.1.0.0/16",
                null,
                DriftOverwrites.NOT_UPDATED));

    String text = document.render(upgrade(ApprovalMode.Automatic), status);

    int drift = text.indexOf("== Drift (4)");
    assertThat(drift).isGreaterThan(text.indexOf("== Stack prod-2-1-db"));
    assertThat(drift).isLessThan(text.indexOf("== Migrations"));
    assertThat(text.substring(drift))
        .startsWith(
            "== Drift (4): values changed outside the operator since it last applied them\n"
                + "Drift this plan overwrites:\n"
                + "  stack prod-2-1-db parameter Network: expected prod → now staging; the"
                + " upgrade sets prod\n"
                + "  stack prod-2-1-db version: expected 3.33.1 → now 3.33.0; the upgrade sets"
                + " 3.33.2\n"
                + "Drift this plan does not overwrite:\n"
                + "  stack prod-2-1-db parameter Replicas: expected 2 → now 3 (kept: it becomes"
                + " the new baseline)\n"
                + "  stack prod-1-1-vpc parameter Cidr: expected 10.0.0.0/16 → now 10.1.0.0/16"
                + " (not updated: the stack is skipped)\n");
  }

  @Test
  void driftOfANoEchoParameterIsMasked() {
    StackUpgradeStatus status = status(true);
    // Not compared by the cluster on AWS (DescribeStacks masks it), but a status written by an
    // emulator that does not mask, or by hand, must not print it either.
    status
        .getPlan()
        .getDrift()
        .add(
            drift(
                "prod-2-1-db",
                "DatabasePassword",
                SECRET,
                SECRET + "-2",
                SECRET,
                DriftOverwrites.OVERWRITTEN));

    String text = document.render(upgrade(ApprovalMode.Automatic), status);

    assertThat(text)
        .contains(
            "  stack prod-2-1-db parameter DatabasePassword: expected **** → now ****; the"
                + " upgrade sets ****\n")
        .doesNotContain(SECRET);
  }

  @Test
  void aPlanWithoutDriftSaysSo() {
    assertThat(document.render(upgrade(ApprovalMode.Automatic), status(true)))
        .contains("\n== Drift (0)\n  none: the stacks are as the operator last applied them\n");
  }

  // ---- fixtures

  private static PlannedDrift drift(
      String stack,
      String parameter,
      String applied,
      String current,
      String planned,
      String outcome) {
    PlannedDrift d = new PlannedDrift();
    d.setStack(stack);
    d.setParameter(parameter);
    d.setApplied(applied);
    d.setCurrent(current);
    d.setPlanned(planned);
    d.setOutcome(outcome);
    return d;
  }

  static ChangeDetail detail(
      String attribute,
      String name,
      String recreation,
      String evaluation,
      String source,
      String entity) {
    ChangeDetail d = new ChangeDetail();
    d.setAttribute(attribute);
    d.setName(name);
    d.setRequiresRecreation(recreation);
    d.setEvaluation(evaluation);
    d.setChangeSource(source);
    d.setCausingEntity(entity);
    return d;
  }

  static StackUpgrade upgrade(ApprovalMode approval) {
    StackUpgrade su = new StackUpgrade();
    su.setMetadata(
        new ObjectMetaBuilder()
            .withName("prod-to-3.33.2")
            .withNamespace("ops")
            .withUid("uid-1")
            .build());
    StackUpgradeSpec spec = new StackUpgradeSpec();
    spec.setClusterRef(new ClusterRef("prod"));
    spec.setTargetVersion("3.33.2");
    spec.setApproval(approval);
    su.setSpec(spec);
    return su;
  }

  /** Two stacks in template order, the second changing; its risk covered or not. */
  static StackUpgradeStatus status(boolean covered) {
    StackUpgradeStatus status = new StackUpgradeStatus();
    status.setFromVersion("3.33.1");
    Plan plan = new Plan();
    plan.setHash("abc123");
    plan.setFormat(UpgradePlan.FORMAT);

    PlannedStack vpc = new PlannedStack();
    vpc.setName("prod-1-1-vpc");
    vpc.setTemplate("1-1-vpc");
    vpc.setDisposition(Disposition.NoChanges.name());

    PlannedStack db = new PlannedStack();
    db.setName("prod-2-1-db");
    db.setTemplate("2-1-db-aurora-master");
    db.setChangeSetName("ttes-abc-2-1-db-a1");
    db.setDisposition(Disposition.Changes.name());
    TemplateSummary template =
        new TemplateSummary(
            List.of(
                new TemplateParameter("Image", null, false, null),
                new TemplateParameter("Network", null, false, null),
                new TemplateParameter("DatabasePassword", null, true, null)),
            List.of());
    StackInfo current =
        new StackInfo(
            db.getName(),
            "arn:stack",
            "UPDATE_COMPLETE",
            null,
            null,
            Map.of("Image", OLD_IMAGE, "Network", "prod", "DatabasePassword", "****"),
            Map.of(),
            Map.of());
    ParameterPlan pp =
        new ParameterPlanner()
            .plan(
                db.getName(),
                template,
                current,
                TtesVersion.parse("3.33.2").orElseThrow(),
                Map.of(),
                Map.of("DatabasePassword", SECRET));
    UpgradePlan.recordParameters(db, pp, template, current);
    db.setChanges(
        new ArrayList<>(
            List.of(
                change("Database", "AWS::RDS::DBCluster", "Modify", "True"),
                change("Service", "AWS::ECS::Service", "Modify", "False"))));
    DataRisk risk = new DataRisk();
    risk.setLogicalId("Database");
    risk.setResourceType("AWS::RDS::DBCluster");
    risk.setAction("Modify");
    risk.setReplacement("True");
    risk.setSnapshotParameter("SnapshotIdentifier");
    risk.setCoveredBy(covered ? "snapshot" : null);
    db.setDataRisks(new ArrayList<>(List.of(risk)));
    plan.setStacks(new ArrayList<>(List.of(vpc, db)));

    PlannedMigration m = new PlannedMigration();
    m.setIndex(1);
    m.setCommand(new ArrayList<>(List.of("is-db", "migrate")));
    m.setAfter("prod-5-2-ops");
    m.setReasons(new ArrayList<>(List.of("3.33.2: the identity server schema changed")));
    plan.setMigrations(new ArrayList<>(List.of(m)));
    status.setPlan(plan);
    return status;
  }

  private static ResourceChange change(String id, String type, String action, String replace) {
    ResourceChange c = new ResourceChange();
    c.setLogicalId(id);
    c.setResourceType(type);
    c.setAction(action);
    c.setReplacement(replace);
    return c;
  }
}
