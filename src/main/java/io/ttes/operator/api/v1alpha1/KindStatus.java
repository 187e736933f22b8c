package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;

/**
 * What every status of this API carries: the generation it describes and kstatus conditions ({@code
 * Ready}, {@code Reconciling}, {@code Stalled}).
 */
@Data
public abstract class KindStatus {
  @JsonPropertyDescription("The metadata.generation this status was computed for.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Conditions in the Kubernetes form; at least Ready, Reconciling and Stalled (kstatus).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "Set while a transient error is retried (what fails, since when); cleared by the next"
          + " reconcile that gets through.")
  private RetryStatus retrying;
}
