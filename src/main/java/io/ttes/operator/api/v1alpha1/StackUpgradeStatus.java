package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** The upgrade's plan and progress; the status is the upgrade's write-ahead log. */
@Data
@JsonClassDescription(
    "The plan and progress of the upgrade; also its write-ahead log, so a restarted operator"
        + " resumes where it stopped.")
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class StackUpgradeStatus extends KindStatus {
  @JsonPropertyDescription(
      "Pending, Planning, AwaitingApproval, then the steps of the upgrade, Succeeded or Failed.")
  private UpgradePhase phase;

  @JsonPropertyDescription("Version observed on the cluster when the upgrade started.")
  private String fromVersion;

  @JsonPropertyDescription("The targetVersion this status is about.")
  private String targetVersion;

  @JsonPropertyDescription("Increments when a failed upgrade is retried; part of change set names.")
  private Integer attempt;

  @JsonPropertyDescription("The last ops.ttes.io/retry annotation value acted on.")
  private String retryToken;

  @JsonPropertyDescription(
      "The reviewed plan: one change set per stack, the parameters it changes and the data"
          + " resources at risk.")
  private Plan plan;

  @JsonPropertyDescription("The steps executed so far, in order: stack updates and migrations.")
  private List<Step> steps = new ArrayList<>();

  @JsonPropertyDescription(
      "The maintenance window while the next step waits for it; empty when no step waits.")
  private WindowStatus window;

  @JsonPropertyDescription(
      "Rollback: what each stack was before the upgrade executed its change set (written before"
          + " the execution), and when a rollback (spec.rollback) started.")
  private RollbackStatus rollback;

  @JsonPropertyDescription(
      "The hops of an upgrade across a version the release notes say to pass through (spec.path"
          + " Hops), in order: each hop is planned, approved and executed as an upgrade of its own."
          + " Empty for an upgrade that needs no intermediate version.")
  private List<Hop> hops = new ArrayList<>();

  @JsonPropertyDescription(
      "The hop the upgrade is in, as hop 1/2: 3.23.2 → 3.24.2; empty without hops.")
  private String hop;

  /** The reviewed plan. */
  @Data
  @NoArgsConstructor
  public static class Plan {
    @JsonPropertyDescription("Stable digest of the planned changes and spec generation.")
    private String hash;

    @JsonPropertyDescription("The metadata.generation the plan was made for.")
    private Long generation;

    @JsonPropertyDescription(
        "Digest of the spec the plan was made for, all fields but approvedPlan and suspend: a"
            + " change voids the plan, while approving or suspending does not.")
    private String specDigest;

    @JsonPropertyDescription("The stacks of the plan, in template order.")
    private List<PlannedStack> stacks = new ArrayList<>();

    @JsonPropertyDescription(
        "Layout of this plan record. 2: planning records everything later phases read (the"
            + " parameters each change set sends, the risks and what covers each, the"
            + " migrations); a plan recorded in an earlier layout is made again.")
    private Integer format;

    @JsonPropertyDescription("The migrations of the plan, in the order they run.")
    private List<PlannedMigration> migrations = new ArrayList<>();

    @JsonPropertyDescription(
        "What the cluster reported as drifted when the plan was made, and what the upgrade does"
            + " with it: applied (last applied) → current → planned.")
    private List<PlannedDrift> drift = new ArrayList<>();

    @JsonPropertyDescription(
        "True for a rollback plan: its stacks, newest first, return to their recorded templates"
            + " and parameters.")
    private Boolean rollback;

    @JsonPropertyDescription("What a reviewer must know about the plan beyond its stacks.")
    private String notice;

    @JsonPropertyDescription(
        "The ConfigMap in the upgrade's namespace that holds the plan as text (key plan.txt).")
    private String document;

    @JsonPropertyDescription(
        "The 1-based index in status.hops of the hop this plan is for; empty for an upgrade"
            + " without hops.")
    private Integer hop;
  }

  /** A value changed outside the operator, and what the plan sets it to. */
  @Data
  @NoArgsConstructor
  public static class PlannedDrift {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String stack;

    @JsonPropertyDescription("Template parameter name; empty for the stack's TTES version.")
    private String parameter;

    @JsonPropertyDescription("Value the operator last applied.")
    private String applied;

    @JsonPropertyDescription("Value the stack has now.")
    private String current;

    @JsonPropertyDescription("Value the upgrade sets; empty when the upgrade does not update it.")
    private String planned;

    @JsonPropertyDescription(
        "Overwritten (the upgrade replaces the current value), Kept (the upgrade keeps it and"
            + " it becomes the new baseline), Removed (the target template no longer declares the"
            + " parameter) or NotUpdated (the stack is skipped).")
    private String outcome;
  }

  /** A migration of the plan. */
  @Data
  @NoArgsConstructor
  public static class PlannedMigration {
    @JsonPropertyDescription("1-based position of the migration; steps[].migration names it.")
    private Integer index;

    @JsonPropertyDescription("Command words after the binary, for example [is-db, migrate].")
    private List<String> command = new ArrayList<>();

    @JsonPropertyDescription("The stack whose update the migration follows.")
    private String after;

    @JsonPropertyDescription(
        "Why it runs: the release-note lines that require it, each as version: line (empty for a"
            + " command of spec.migrations.commands no release between the versions names).")
    private List<String> reasons = new ArrayList<>();
  }

  /** One stack of the plan. */
  @Data
  @NoArgsConstructor
  public static class PlannedStack {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @JsonPropertyDescription("TTES template name of the stack, for example 1-1-vpc.")
    private String template;

    @JsonPropertyDescription("Name of the change set, derived from the upgrade uid and attempt.")
    private String changeSetName;

    @JsonPropertyDescription("ARN of the change set.")
    private String changeSetId;

    @JsonPropertyDescription("Changes, NoChanges, Skipped, or JustInTime (planned when reached).")
    private String disposition;

    @JsonPropertyDescription("Parameters whose value the change set sets or changes.")
    private List<ParameterChange> parameters = new ArrayList<>();

    @JsonPropertyDescription("Resource changes of the change set, as CloudFormation reports them.")
    private List<ResourceChange> changes = new ArrayList<>();

    @JsonPropertyDescription(
        "Data resources (databases, caches) the change set would replace or remove.")
    private List<DataRisk> dataRisks = new ArrayList<>();

    @JsonPropertyDescription(
        "Every parameter the stack's change sets send: those with a value, then those with"
            + " UsePreviousValue, each in the template's order. NoEcho values show ****.")
    private List<SentParameter> sentParameters = new ArrayList<>();

    @JsonPropertyDescription(
        "Capabilities the target template requires, for example CAPABILITY_IAM.")
    private List<String> capabilities = new ArrayList<>();

    @JsonPropertyDescription(
        "Tags the planned change set carries: the stack's own tags when it was planned.")
    private Map<String, String> tags = new LinkedHashMap<>();

    @JsonPropertyDescription(
        "Template URL the stack's change sets use when it is not the target version's: a rollback"
            + " plan's recorded URL.")
    private String templateUrl;
  }

  /** A parameter a change set sends. */
  @Data
  @NoArgsConstructor
  public static class SentParameter {
    @JsonPropertyDescription("Template parameter name.")
    private String key;

    @JsonPropertyDescription(
        "The value sent; **** for a NoEcho parameter (its value is read from the spec or the"
            + " template's default when the change set is created); empty with UsePreviousValue.")
    private String value;

    @JsonPropertyDescription("True: sent with UsePreviousValue, so the stack keeps its value.")
    private Boolean usePreviousValue;

    @JsonPropertyDescription("True for a NoEcho parameter of the target template.")
    private Boolean noEcho;
  }

  /** A parameter whose value the upgrade sets or changes. */
  @Data
  @NoArgsConstructor
  public static class ParameterChange {
    @JsonPropertyDescription("Template parameter name.")
    private String key;

    @JsonPropertyDescription("Value before the upgrade; empty for a new parameter.")
    private String from;

    @JsonPropertyDescription("Value after the upgrade; empty for a removed parameter.")
    private String to;

    @JsonPropertyDescription("Kept, Image, Override, New, Removed.")
    private String source;
  }

  /** A resource change of a change set. */
  @Data
  @NoArgsConstructor
  public static class ResourceChange {
    @JsonPropertyDescription("Logical id of the resource in the template.")
    private String logicalId;

    @JsonPropertyDescription("Physical id of the resource, when it exists.")
    private String physicalId;

    @JsonPropertyDescription("CloudFormation resource type, for example AWS::RDS::DBInstance.")
    private String resourceType;

    @JsonPropertyDescription("Add, Modify, Remove, Import or Dynamic.")
    private String action;

    @JsonPropertyDescription(
        "True, False or Conditional: whether the change replaces the resource.")
    private String replacement;

    @JsonPropertyDescription(
        "What changes in the resource, as DescribeChangeSet details it: attribute and property,"
            + " whether it recreates the resource, and what caused it. No property values (they"
            + " could be secrets). At most 40 per stack; detailsOmitted counts the rest.")
    private List<ChangeDetail> details = new ArrayList<>();

    @JsonPropertyDescription(
        "How many of this resource's details were left out to keep the status small (read them"
            + " with aws cloudformation describe-change-set); empty when none were.")
    private Integer detailsOmitted;
  }

  /** One detail of a resource change: a changed attribute or property and its cause. */
  @Data
  @NoArgsConstructor
  public static class ChangeDetail {
    @JsonPropertyDescription(
        "Properties, Metadata, CreationPolicy, UpdatePolicy, DeletionPolicy, UpdateReplacePolicy"
            + " or Tags.")
    private String attribute;

    @JsonPropertyDescription("The property, when attribute is Properties.")
    private String name;

    @JsonPropertyDescription("Never, Conditionally or Always: whether it recreates the resource.")
    private String requiresRecreation;

    @JsonPropertyDescription(
        "Static (CloudFormation knows the new value) or Dynamic (known only while updating).")
    private String evaluation;

    @JsonPropertyDescription(
        "ParameterReference, ResourceReference, ResourceAttribute, DirectModification or"
            + " Automatic.")
    private String changeSource;

    @JsonPropertyDescription(
        "The parameter, resource or attribute that caused the change; empty for a direct"
            + " modification of the template.")
    private String causingEntity;
  }

  /** A data resource the change set would replace or remove. */
  @Data
  @NoArgsConstructor
  public static class DataRisk {
    @JsonPropertyDescription("Logical id of the data resource in the template.")
    private String logicalId;

    @JsonPropertyDescription("Physical id of the data resource.")
    private String physicalId;

    @JsonPropertyDescription("CloudFormation resource type, for example AWS::RDS::DBInstance.")
    private String resourceType;

    @JsonPropertyDescription("Modify or Remove.")
    private String action;

    @JsonPropertyDescription("True or Conditional: the change may replace the resource.")
    private String replacement;

    @JsonPropertyDescription("Snapshot identifier taken before executing, when protection is on.")
    private String snapshot;

    @JsonPropertyDescription("Template parameter the snapshot is passed in.")
    private String snapshotParameter;

    @JsonPropertyDescription(
        "Logical id of the data resource whose snapshot protects this one (an Aurora instance is"
            + " covered by its cluster's snapshot); empty when it needs its own.")
    private String coveredBy;
  }

  /** One executed step: a stack update or a migration. */
  @Data
  @NoArgsConstructor
  public static class Step {
    @JsonPropertyDescription(
        "Step name: the stack name of a stack update, or the migration command.")
    private String name;

    @JsonPropertyDescription("Running, Succeeded or Failed.")
    private String phase;

    @JsonPropertyDescription("ARN of the change set executed by this step.")
    private String changeSetId;

    @JsonPropertyDescription("Snapshot identifier taken before this step.")
    private String snapshot;

    @JsonPropertyDescription("The OpsTask running the migration of this step.")
    private String opsTask;

    @JsonPropertyDescription("When the step started (RFC 3339).")
    private String startedAt;

    @JsonPropertyDescription("When the step finished (RFC 3339).")
    private String finishedAt;

    @JsonPropertyDescription("Human readable detail of the step.")
    private String message;

    @JsonPropertyDescription(
        "The index of the migration this step runs (plan.migrations[].index); empty for a stack"
            + " update.")
    private Integer migration;
  }
}
