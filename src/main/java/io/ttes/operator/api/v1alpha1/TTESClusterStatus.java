package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
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
}
