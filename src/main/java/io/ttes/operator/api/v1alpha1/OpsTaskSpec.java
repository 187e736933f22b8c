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

/** The command to run. The spec is immutable, except while {@code suspend} holds it. */
@Data
@ValidationRule(
    value =
        "self == oldSelf || (has(oldSelf.suspend) && oldSelf.suspend) || "
            + OpsTaskSpec.ONLY_ALLOW_CHANGED,
    message = "an OpsTask's spec cannot change: create a new OpsTask to run another command",
    reason = "FieldValueForbidden")
@JsonClassDescription("The command to run and against which cluster; immutable once created.")
public class OpsTaskSpec {
  /**
   * The part of the immutability rule that lets {@code allowDuringUpgrade} change, and nothing
   * else: every other field of this class is named here ({@code OpsTaskRulesTest} fails when a new
   * field is missing).
   */
  static final String ONLY_ALLOW_CHANGED =
      "(has(self.clusterRef) ? has(oldSelf.clusterRef) && self.clusterRef == oldSelf.clusterRef : !has(oldSelf.clusterRef))"
          + " && "
          + "(has(self.command) ? has(oldSelf.command) && self.command == oldSelf.command : !has(oldSelf.command))"
          + " && "
          + "(has(self.secretArgs) ? has(oldSelf.secretArgs) && self.secretArgs == oldSelf.secretArgs : !has(oldSelf.secretArgs))"
          + " && "
          + "(has(self.timeout) ? has(oldSelf.timeout) && self.timeout == oldSelf.timeout : !has(oldSelf.timeout))"
          + " && "
          + "(has(self.stopOnDelete) ? has(oldSelf.stopOnDelete) && self.stopOnDelete == oldSelf.stopOnDelete : !has(oldSelf.stopOnDelete))"
          + " && "
          + "(has(self.backoffLimit) ? has(oldSelf.backoffLimit) && self.backoffLimit == oldSelf.backoffLimit : !has(oldSelf.backoffLimit))"
          + " && "
          + "(has(self.failurePolicy) ? has(oldSelf.failurePolicy) && self.failurePolicy == oldSelf.failurePolicy : !has(oldSelf.failurePolicy))"
          + " && "
          + "(has(self.suspend) ? has(oldSelf.suspend) && self.suspend == oldSelf.suspend : !has(oldSelf.suspend))"
          + " && "
          + "(has(self.ttlSecondsAfterFinished) ? has(oldSelf.ttlSecondsAfterFinished) && self.ttlSecondsAfterFinished == oldSelf.ttlSecondsAfterFinished : !has(oldSelf.ttlSecondsAfterFinished))";

  @Required
  @JsonPropertyDescription("The TTESCluster to run the command against.")
  private ClusterRef clusterRef;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription(
      "The command after the binary, for example [is-db, migrate]. $(NAME) is replaced by the"
          + " value of secretArgs NAME when the task starts.")
  private List<String> command = new ArrayList<>();

  @Size(max = 16)
  @JsonPropertyDescription(
      "Secret values referenced as $(NAME) in command; read only when the task starts, never"
          + " stored, logged or shown.")
  private List<SecretArg> secretArgs = new ArrayList<>();

  @Default("30m")
  @Pattern("^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
  @JsonPropertyDescription("Stop the task and fail with reason Timeout after this long (e.g. 30m).")
  private String timeout = "30m";

  @Default("false")
  @JsonPropertyDescription(
      "When true, deleting this OpsTask stops its running task (StopTask). By default a running"
          + " task is left to finish.")
  private boolean stopOnDelete;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "How many failed attempts that count (failurePolicy action Count, by default a non-zero"
          + " exit) are retried before the OpsTask fails with reason BackoffLimitExceeded, like a"
          + " Job's backoffLimit. Default 0: the first counted failure fails the OpsTask.")
  private Integer backoffLimit;

  @JsonPropertyDescription(
      "Which failed attempts fail at once, are retried without counting or count against"
          + " backoffLimit, like a Job's podFailurePolicy.")
  private OpsTaskFailurePolicy failurePolicy;

  @JsonPropertyDescription(
      "When true the OpsTask is held before it starts (phase Pending, condition reason"
          + " Suspended); set it to false to start it. Has no effect once the task started.")
  private Boolean suspend;

  @Default("false")
  @JsonPropertyDescription(
      "When true the command starts even while an upgrade of its cluster is between updating the"
          + " ops stack and its last migration. By default it waits (phase Pending, condition"
          + " reason WaitingForUpgrade naming the upgrade). May be changed while the task waits.")
  private boolean allowDuringUpgrade;

  @Min(0)
  @JsonPropertyDescription(
      "Delete this OpsTask this many seconds after it finished (Succeeded or Failed), like a"
          + " Job's ttlSecondsAfterFinished. Only for OpsTasks without an owner: owned ones go"
          + " with their owner. Default: the operator's TTES_OPSTASK_TTL_SECONDS (off).")
  private Integer ttlSecondsAfterFinished;

  /** A named secret value for the command line, from a Kubernetes Secret or Secrets Manager. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  @ValidationRule(
      value = "has(self.secretKeyRef) != has(self.secretsManagerKeyRef)",
      message = "set exactly one of secretKeyRef and secretsManagerKeyRef")
  public static class SecretArg {
    @Required
    @Pattern("^[A-Z_][A-Z0-9_]{0,63}$")
    @JsonPropertyDescription("Name used as $(NAME) in command.")
    private String name;

    @JsonPropertyDescription("The Kubernetes Secret key holding the value.")
    private SecretKeySelector secretKeyRef;

    @JsonPropertyDescription(
        "A key of a JSON Secrets Manager secret of the cluster's AWS account, read when the task"
            + " starts.")
    private SecretsManagerKeySelector secretsManagerKeyRef;

    public SecretArg(String name, SecretKeySelector secretKeyRef) {
      this(name, secretKeyRef, null);
    }
  }

  /** A key of a JSON secret in AWS Secrets Manager. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class SecretsManagerKeySelector {
    @Required
    @Pattern("^[-a-zA-Z0-9/_+=.@:]{1,2048}$")
    @JsonPropertyDescription("Secret name or ARN.")
    private String secretId;

    @Required
    @Pattern("^[-._a-zA-Z0-9]{1,256}$")
    @JsonPropertyDescription("Key of the secret's JSON object, e.g. client_secret.")
    private String key;
  }
}
