package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.NoArgsConstructor;
import lombok.ToString;

/** Progress of the bootstrap. */
@Data
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class TenantBootstrapStatus extends KindStatus {
  private BootstrapPhase phase;
  private List<Step> steps = new ArrayList<>();

  @JsonPropertyDescription("The value of the ops.ttes.io/retry annotation last acted on.")
  private String retryToken;

  /** One command of the bootstrap. */
  @Data
  @NoArgsConstructor
  public static class Step {
    private String name;
    private String phase;
    private String opsTask;
    private Integer exitCode;
    private String message;

    @JsonPropertyDescription("cluster (once per TTESCluster) or tenant.")
    private String scope;

    @JsonPropertyDescription("Run number of this step; a retry starts a new OpsTask.")
    private Integer attempt;
  }
}
