package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** Progress of the bootstrap. */
@Data
@JsonClassDescription("Progress of the bootstrap: phase and the OpsTask of each step.")
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class TenantBootstrapStatus extends KindStatus {
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private BootstrapPhase phase;

  @JsonPropertyDescription("The steps of the runbook, in order, with the OpsTask that ran each.")
  private List<Step> steps = new ArrayList<>();

  @JsonPropertyDescription("The value of the ops.ttes.io/retry annotation last acted on.")
  private String retryToken;

  /** One command of the bootstrap. */
  @Data
  @NoArgsConstructor
  public static class Step {
    @JsonPropertyDescription("Step name, for example storage-db-init or tenant-create.")
    private String name;

    @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
    private String phase;

    @JsonPropertyDescription("The OpsTask that ran (or runs) the step.")
    private String opsTask;

    @JsonPropertyDescription("Exit code of the step's command once finished.")
    private Integer exitCode;

    @JsonPropertyDescription("Human readable detail of the step.")
    private String message;

    @JsonPropertyDescription("cluster (once per TTESCluster) or tenant.")
    private String scope;

    @JsonPropertyDescription("Run number of this step; a retry starts a new OpsTask.")
    private Integer attempt;
  }
}
