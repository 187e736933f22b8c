package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lombok.Data;
import lombok.NoArgsConstructor;

/** A stack as it was before the upgrade executed its change set. */
@Data
@NoArgsConstructor
public class RollbackRecord {
  @JsonPropertyDescription("CloudFormation stack name.")
  private String name;

  @JsonPropertyDescription("TTES template name of the stack.")
  private String template;

  @JsonPropertyDescription("TTES version the stack ran before the upgrade, as observed.")
  private String version;

  @JsonPropertyDescription("Template URL of that version: what a rollback sends.")
  private String templateUrl;

  @JsonPropertyDescription(
      "The stack's parameters before the update; a NoEcho one only as usePreviousValue, never"
          + " its value.")
  private List<SentParameter> parameters = new ArrayList<>();

  @JsonPropertyDescription("The stack's tags before the update.")
  private Map<String, String> tags = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "True once the update completed (UPDATE_COMPLETE); a stack CloudFormation rolled back"
          + " itself stays false and is not rolled back again.")
  private Boolean updated;

  @JsonPropertyDescription("When the record was written, just before the execution (RFC 3339).")
  private String recordedAt;
}
