package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** The upgrade's plan and progress; the status is the upgrade's write-ahead log. */
@Data
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class StackUpgradeStatus extends KindStatus {
  private UpgradePhase phase;

  @JsonPropertyDescription("Version observed on the cluster when the upgrade started.")
  private String fromVersion;

  @JsonPropertyDescription("The targetVersion this status is about.")
  private String targetVersion;

  @JsonPropertyDescription("Increments when a failed upgrade is retried; part of change set names.")
  private Integer attempt;

  @JsonPropertyDescription("The last ops.ttes.io/retry annotation value acted on.")
  private String retryToken;

  private Plan plan;

  private List<Step> steps = new ArrayList<>();

  /** The reviewed plan. */
  @Data
  @NoArgsConstructor
  public static class Plan {
    @JsonPropertyDescription("Stable digest of the planned changes and spec generation.")
    private String hash;

    private Long generation;

    @JsonPropertyDescription(
        "Digest of the spec the plan was made for, all fields but approvedPlan and suspend: a"
            + " change voids the plan, while approving or suspending does not.")
    private String specDigest;

    private List<PlannedStack> stacks = new ArrayList<>();
  }

  /** One stack of the plan. */
  @Data
  @NoArgsConstructor
  public static class PlannedStack {
    private String name;
    private String template;
    private String changeSetName;
    private String changeSetId;

    @JsonPropertyDescription("Changes, NoChanges, Skipped, or JustInTime (planned when reached).")
    private String disposition;

    private List<ParameterChange> parameters = new ArrayList<>();
    private List<ResourceChange> changes = new ArrayList<>();
    private List<DataRisk> dataRisks = new ArrayList<>();
  }

  /** A parameter whose value the upgrade sets or changes. */
  @Data
  @NoArgsConstructor
  public static class ParameterChange {
    private String key;
    private String from;
    private String to;

    @JsonPropertyDescription("Kept, Image, Override, New, Removed.")
    private String source;
  }

  /** A resource change of a change set. */
  @Data
  @NoArgsConstructor
  public static class ResourceChange {
    private String logicalId;
    private String physicalId;
    private String resourceType;
    private String action;
    private String replacement;
  }

  /** A data resource the change set would replace or remove. */
  @Data
  @NoArgsConstructor
  public static class DataRisk {
    private String logicalId;
    private String physicalId;
    private String resourceType;
    private String action;
    private String replacement;

    @JsonPropertyDescription("Snapshot identifier taken before executing, when protection is on.")
    private String snapshot;

    @JsonPropertyDescription("Template parameter the snapshot is passed in.")
    private String snapshotParameter;
  }

  /** One executed step: a stack update or a migration. */
  @Data
  @NoArgsConstructor
  public static class Step {
    private String name;
    private String phase;
    private String changeSetId;
    private String snapshot;
    private String opsTask;
    private String startedAt;
    private String finishedAt;
    private String message;
  }
}
