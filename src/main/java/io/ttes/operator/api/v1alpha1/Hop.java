package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

/** One hop of a multi-hop upgrade. */
@Data
@NoArgsConstructor
public class Hop {
  @JsonPropertyDescription("The version this hop moves the stacks to.")
  private String version;

  @JsonPropertyDescription("The version the stacks run when the hop starts.")
  private String from;

  @JsonPropertyDescription(
      "Pending (not started), the upgrade's phase while it is the current hop (Planning,"
          + " AwaitingApproval, Updating, Migrating, Failed, ...), or Succeeded.")
  private String phase;

  @JsonPropertyDescription("When the hop started planning (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the hop's last step finished (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription(
      "The hash of the hop's plan: what spec.approvedPlan must be for the hop to execute when"
          + " approval is Manual.")
  private String planHash;

  @JsonPropertyDescription(
      "Why the upgrade stops at this version: the release-note lines, each as version: line;"
          + " empty for the last hop.")
  private List<String> reasons = new ArrayList<>();
}
