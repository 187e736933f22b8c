package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

/** The write-ahead records a rollback returns the stacks to, and the rollback's progress. */
@Data
@NoArgsConstructor
public class RollbackStatus {
  @JsonPropertyDescription(
      "One record per stack the upgrade executed a change set on, in the order executed: the"
          + " first record of a stack wins (a retry does not overwrite it).")
  private List<RollbackRecord> stacks = new ArrayList<>();

  @JsonPropertyDescription("When the rollback was planned (RFC 3339); empty: not asked for.")
  private String startedAt;

  @JsonPropertyDescription("The phase the upgrade had when the rollback started.")
  private String rolledBackFrom;

  @JsonPropertyDescription("What the rollback does or did, in one sentence.")
  private String message;
}
