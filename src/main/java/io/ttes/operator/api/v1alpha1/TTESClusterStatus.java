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

/** Observed state of a TTES deployment. */
@Data
@JsonClassDescription(
    "What the operator observed on AWS: stacks, version, ops task target, and which upgrade or"
        + " bootstrap holds the cluster.")
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class TTESClusterStatus extends KindStatus {
  @JsonPropertyDescription("TTES version observed on the deployment's stacks.")
  private String version;

  @JsonPropertyDescription("Observed CloudFormation stacks.")
  private List<StackStatus> stacks = new ArrayList<>();

  @JsonPropertyDescription("Where ops tasks run, resolved from the ops stack.")
  private OpsTarget ops;

  @JsonPropertyDescription("The StackUpgrade currently holding this cluster; at most one runs.")
  private String activeUpgrade;

  @JsonPropertyDescription("Cluster-wide bootstrap steps, run once per cluster.")
  private List<ClusterStep> bootstrapSteps = new ArrayList<>();

  @JsonPropertyDescription("The TenantBootstrap currently running the cluster-wide steps.")
  private String bootstrapHolder;

  @JsonPropertyDescription(
      "The last OpsTasks of this cluster that finished (operator setting TTES_HISTORY_LIMIT, default"
          + " 50), newest first; an entry stays after its OpsTask, upgrade or bootstrap is deleted.")
  private List<Operation> operations = new ArrayList<>();

  @JsonPropertyDescription(
      "Per stack, what the operator last applied (the baseline drift is measured against): by a"
          + " StackUpgrade, or the first observation of a stack the operator had not seen yet.")
  private List<AppliedStack> applied = new ArrayList<>();

  @JsonPropertyDescription(
      "Stacks whose template version or parameters differ from what the operator last applied.")
  private List<StackDrift> drift = new ArrayList<>();

  @JsonPropertyDescription(
      "CloudFormation drift detection (spec.driftDetection): the latest run, per stack.")
  private DriftDetectionStatus driftDetection;

  /** One observed stack. */
  @Data
  @NoArgsConstructor
  public static class StackStatus {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @JsonPropertyDescription("TTES template name of the stack, for example 1-1-vpc.")
    private String template;

    @JsonPropertyDescription("CloudFormation stack status, for example UPDATE_COMPLETE.")
    private String status;

    @JsonPropertyDescription("CloudFormation status reason, when it gives one.")
    private String statusReason;

    @JsonPropertyDescription("When CloudFormation last updated the stack (RFC 3339).")
    private String lastUpdatedTime;

    @JsonPropertyDescription("TTES version of the stack, from its version tag or image parameters.")
    private String version;
  }

  /** Resolved ops task target. */
  @Data
  @NoArgsConstructor
  public static class OpsTarget {
    @JsonPropertyDescription("Latest ACTIVE revision of the ops task definition family.")
    private String taskDefinition;

    @JsonPropertyDescription("ECS cluster ops tasks run in.")
    private String cluster;

    @JsonPropertyDescription("Subnets of the ops tasks (awsvpc network mode).")
    private List<String> subnets = new ArrayList<>();

    @JsonPropertyDescription("Security groups of the ops tasks.")
    private List<String> securityGroups = new ArrayList<>();

    @JsonPropertyDescription("Platform AMI: the instance commands run on.")
    private String instanceId;
  }

  /** A cluster-wide bootstrap step and who ran it. */
  @Data
  @NoArgsConstructor
  public static class ClusterStep {
    @JsonPropertyDescription("Step name, for example storage-db-init.")
    private String name;

    @JsonPropertyDescription("Succeeded once done; cluster-wide steps never run twice.")
    private String phase;

    @JsonPropertyDescription("The OpsTask that ran the step.")
    private String opsTask;

    @JsonPropertyDescription("The TenantBootstrap that ran the step.")
    private String bootstrap;

    @JsonPropertyDescription("When the step finished (RFC 3339).")
    private String finishedAt;

    @JsonPropertyDescription("Human readable detail of the step.")
    private String message;
  }

  /** One finished run of an OpsTask, kept in the cluster's history. */
  @Data
  @NoArgsConstructor
  public static class Operation {
    @JsonPropertyDescription("The OpsTask's name.")
    private String opsTask;

    @JsonPropertyDescription("The OpsTask's uid; with attempt it names the run.")
    private String uid;

    @JsonPropertyDescription(
        "The attempt that ended the run, from 1; a run started by ops.ttes.io/retry is a new entry.")
    private Integer attempt;

    @JsonPropertyDescription("How many attempts the run made (retries under spec.backoffLimit).")
    private Integer attempts;

    @JsonPropertyDescription("The command line as written, secret values shown as $(NAME).")
    private String commandLine;

    @JsonPropertyDescription("Succeeded or Failed.")
    private OpsTaskPhase phase;

    @JsonPropertyDescription("Why it ended: Completed, NonZeroExit, Timeout, ...")
    private String reason;

    @JsonPropertyDescription("Exit code of the command, when there is one.")
    private Integer exitCode;

    @JsonPropertyDescription("When the last attempt started (RFC 3339).")
    private String startedAt;

    @JsonPropertyDescription("When the run finished (RFC 3339).")
    private String finishedAt;

    @JsonPropertyDescription("Kind of the OpsTask's owner: StackUpgrade or TenantBootstrap.")
    private String ownerKind;

    @JsonPropertyDescription("Name of the OpsTask's owner.")
    private String ownerName;

    @JsonPropertyDescription("ECS task ARN, or the SSM command id on platform AMI.")
    private String taskArn;
  }

  /** What the operator last applied to one stack. */
  @Data
  @NoArgsConstructor
  public static class AppliedStack {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @JsonPropertyDescription("TTES version of the stack as applied.")
    private String version;

    @JsonPropertyDescription(
        "Parameter values as applied; NoEcho parameters are never read or stored.")
    private Map<String, String> parameters = new LinkedHashMap<>();

    @JsonPropertyDescription(
        "Who applied them: StackUpgrade/<name>, or FirstObservation for a stack the operator found"
            + " as it was.")
    private String source;

    @JsonPropertyDescription("When the baseline was recorded (RFC 3339).")
    private String recordedAt;
  }

  /** How one stack differs from what the operator last applied. */
  @Data
  @NoArgsConstructor
  public static class StackDrift {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @JsonPropertyDescription("TemplateChanged (the TTES version differs) or ParametersChanged.")
    private String reason;

    @JsonPropertyDescription("TTES version as applied.")
    private String appliedVersion;

    @JsonPropertyDescription("TTES version the stack runs now.")
    private String currentVersion;

    @JsonPropertyDescription("Parameters whose value differs; NoEcho parameters are not compared.")
    private List<ParameterDrift> parameters = new ArrayList<>();

    @JsonPropertyDescription(
        "Resources CloudFormation drift detection found MODIFIED or DELETED (spec.driftDetection).")
    private List<DriftedResource> resources = new ArrayList<>();
  }

  /** A resource whose configuration differs from its template. */
  @Data
  @NoArgsConstructor
  public static class DriftedResource {
    @JsonPropertyDescription("Logical id of the resource in the template.")
    private String logicalId;

    @JsonPropertyDescription("Physical id of the resource.")
    private String physicalId;

    @JsonPropertyDescription("CloudFormation resource type.")
    private String resourceType;

    @JsonPropertyDescription("MODIFIED or DELETED.")
    private String status;
  }

  /** The latest CloudFormation drift detection run. */
  @Data
  @NoArgsConstructor
  public static class DriftDetectionStatus {
    @JsonPropertyDescription(
        "When the latest run started (RFC 3339); the next starts an interval later.")
    private String startedAt;

    @JsonPropertyDescription("Per stack: the detection and its result.")
    private List<StackDriftCheck> stacks = new ArrayList<>();
  }

  /** One stack's drift detection. */
  @Data
  @NoArgsConstructor
  public static class StackDriftCheck {
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @JsonPropertyDescription("StackDriftDetectionId of the detection.")
    private String detectionId;

    @JsonPropertyDescription(
        "DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED, or Error when AWS refused.")
    private String detectionStatus;

    @JsonPropertyDescription("DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED.")
    private String stackDriftStatus;

    @JsonPropertyDescription("Why the detection failed, when it did.")
    private String message;

    @JsonPropertyDescription("The resources found MODIFIED or DELETED.")
    private List<DriftedResource> resources = new ArrayList<>();
  }

  /** One parameter changed outside the operator. */
  @Data
  @NoArgsConstructor
  public static class ParameterDrift {
    @JsonPropertyDescription("Template parameter name.")
    private String name;

    @JsonPropertyDescription("Value as applied; empty when the stack did not have the parameter.")
    private String applied;

    @JsonPropertyDescription("Value now; empty when the stack no longer has the parameter.")
    private String current;
  }
}
