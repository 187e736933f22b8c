package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/** Desired description of a TTES deployment on AWS. */
@Data
@ValidationRule(
    value =
        "!(has(self.platform) && self.platform == 'AMI') || (has(self.ops) && has(self.ops.ami))",
    message = "platform AMI runs ops commands on an EC2 instance: set spec.ops.ami.instanceId",
    fieldPath = ".ops",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "!(has(self.platform) && self.platform == 'AMI') || !has(self.ops) || !has(self.ops.ecs)",
    message = "spec.ops.ecs is for platform ECS; this cluster is AMI",
    fieldPath = ".ops.ecs",
    reason = "FieldValueForbidden")
@ValidationRule(
    value =
        "(has(self.platform) && self.platform == 'AMI') || !has(self.ops) || !has(self.ops.ami)",
    message = "spec.ops.ami is for platform AMI; this cluster is ECS",
    fieldPath = ".ops.ami",
    reason = "FieldValueForbidden")
@JsonClassDescription(
    "The deployment: AWS region, platform, naming, stacks and how ops commands run.")
public class TTESClusterSpec {
  public static final String DEFAULT_URL_PATTERN =
      "https://thethingsindustries.s3.amazonaws.com/public/cloud/{version}/{template}.gen.template";

  @Required
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription("AWS region of the deployment, for example eu-west-1.")
  private String region;

  @Default("ECS")
  @JsonPropertyDescription(
      "ECS (CloudFormation stacks + ECS ops tasks) or AMI (single stack, SSM).")
  private Platform platform = Platform.ECS;

  @Required
  @JsonPropertyDescription(
      "Naming of the deployment; Secrets Manager secrets are <network>-<environment>-<cluster>-...")
  private Naming naming;

  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$")
  @Size(max = 253)
  @JsonPropertyDescription("Public domain of the deployment, used for OAuth redirect URIs.")
  private String domain;

  @Default("false")
  @JsonPropertyDescription("True for a multi-tenant deployment.")
  private boolean multiTenant;

  @Default("Local")
  @JsonPropertyDescription("Local for a main cluster, External for a secondary cluster.")
  private IdentityServerMode identityServer = IdentityServerMode.Local;

  @Size(max = 64)
  @ValidationRule(
      value = "self.all(s, self.exists_one(o, o.name == s.name))",
      message = "spec.stacks lists a stack name twice",
      reason = "FieldValueDuplicate")
  @ValidationRule(
      value = "self.all(s, self.exists_one(o, o.template == s.template))",
      message = "spec.stacks lists a template twice",
      reason = "FieldValueDuplicate")
  @JsonPropertyDescription(
      "CloudFormation stacks of this deployment. Upgrades follow the template numbering order.")
  private List<StackRef> stacks = new ArrayList<>();

  @JsonPropertyDescription("How ops commands (tti-lw-stack ...) run against this deployment.")
  private Ops ops = new Ops();

  @JsonPropertyDescription("Where the CloudFormation templates of a version are found.")
  private Templates templates = new Templates();

  @JsonPropertyDescription("AWS access; the default credential chain (IRSA) is used when empty.")
  private Aws aws;

  @JsonPropertyDescription(
      "CloudFormation drift detection of the stacks' resources, read-only; off when empty.")
  private DriftDetection driftDetection;

  /** CloudFormation drift detection settings. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class DriftDetection {
    @Pattern("^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
    @JsonPropertyDescription(
        "How often DetectStackDrift runs for every stack, a duration such as 1h or 30m (at least"
            + " 1m); off when empty.")
    private String interval;
  }

  /** Naming of the deployment. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Naming {
    @Required
    @Pattern("^[a-z0-9][a-z0-9-]{0,31}$")
    @JsonPropertyDescription("Network name, first part of resource names.")
    private String network;

    @Required
    @Pattern("^[a-z0-9][a-z0-9-]{0,31}$")
    @JsonPropertyDescription("Environment name, second part of resource names.")
    private String environment;

    @Required
    @Pattern("^[a-z0-9][a-z0-9-]{0,31}$")
    @JsonPropertyDescription("Cluster name, third part of resource names.")
    private String cluster;

    /** Prefix of the deployment's Secrets Manager secrets. */
    public String prefix() {
      return network + "-" + environment + "-" + cluster;
    }
  }

  /** One CloudFormation stack and the TTES template it was made from. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class StackRef {
    @Required
    @Pattern("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
    @JsonPropertyDescription("CloudFormation stack name.")
    private String name;

    @Required
    @Pattern("^[0-9]+-[0-9]+[a-z]?-[a-z0-9-]+$")
    @JsonPropertyDescription("TTES template name, for example 1-1-vpc or 5-2-ecs-ops.")
    private String template;
  }

  /** How ops commands are run. */
  @Data
  public static class Ops {
    @Default("tti-lw-stack")
    @Pattern("^[a-z][a-z0-9-]{0,63}$")
    @JsonPropertyDescription("The TTES binary put in front of every command.")
    private String binary = "tti-lw-stack";

    @JsonPropertyDescription("Platform ECS: where the ops task definition comes from.")
    private Ecs ecs;

    @JsonPropertyDescription(
        "Platform AMI: the EC2 instance the commands run on (SSM Run Command).")
    private Ami ami;

    @Default("4")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Ops commands running at once against this deployment.")
    private int maxConcurrentTasks = 4;
  }

  /** ECS ops task settings. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Ecs {
    @Required
    @Pattern("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
    @JsonPropertyDescription("The stack made from template 5-2-ecs-ops.")
    private String stack;

    @Default("OpsRunTaskArguments")
    @JsonPropertyDescription(
        "Stack output with 'TASK_DEFINITION CLUSTER SUBNET_ONE SUBNET_TWO SECURITY_GROUP'.")
    private String output = "OpsRunTaskArguments";

    @Default("ttes")
    @JsonPropertyDescription("Container of the ops task definition whose command is overridden.")
    private String container = "ttes";

    @Default("FARGATE")
    @Pattern("^(FARGATE|EC2|EXTERNAL)$")
    @JsonPropertyDescription("ECS launch type of ops tasks.")
    private String launchType = "FARGATE";
  }

  /** AMI ops settings. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Ami {
    @Pattern("^i-[0-9a-f]{8,17}$")
    @JsonPropertyDescription(
        "Pins the EC2 instance; leave empty to find it from the stack at each launch (an AMI"
            + " upgrade replaces the instance, and a pinned id then names a terminated one).")
    private String instanceId;

    @JsonPropertyDescription(
        "Words put before the binary, for example [docker, exec, lorawan-stack].")
    private List<String> commandPrefix = new ArrayList<>();

    @Pattern("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
    @JsonPropertyDescription(
        "The stack whose output names the instance; defaults to the only stack of spec.stacks.")
    private String stack;

    @Default("InstanceId")
    @JsonPropertyDescription("Output of that stack holding the instance id.")
    private String instanceOutput = "InstanceId";

    public Ami(String instanceId, List<String> commandPrefix) {
      this.instanceId = instanceId;
      this.commandPrefix = commandPrefix;
    }
  }

  /** Template location. */
  @Data
  public static class Templates {
    @Default(DEFAULT_URL_PATTERN)
    @Pattern("^https?://.*\\{template\\}.*$")
    @JsonPropertyDescription("Template URL with {version} and {template} placeholders.")
    private String urlPattern = DEFAULT_URL_PATTERN;
  }

  /** AWS access settings. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Aws {
    @Pattern("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")
    @JsonPropertyDescription("IAM role assumed (STS AssumeRole) for every call to this deployment.")
    private String roleArn;
  }
}
