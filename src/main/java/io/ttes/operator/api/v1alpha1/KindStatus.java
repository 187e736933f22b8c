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
  /**
   * The schema of one {@code conditions[]} entry, the Kubernetes Condition (metav1.Condition). The
   * build puts it into each CRD (the field's Java type is Fabric8's undocumented Condition) and
   * makes {@code conditions} a map list keyed by type, so a client's merge replaces one condition.
   */
  public static final String CONDITION_SCHEMA =
      """
      {"type": "object",
       "description": "One aspect of the resource's state (Ready, Reconciling, Stalled).",
       "required": ["type", "status", "lastTransitionTime", "reason", "message"],
       "properties": {
         "type": {"type": "string", "maxLength": 316,
                  "description": "Type of condition in CamelCase: Ready, Reconciling or Stalled."},
         "status": {"type": "string", "enum": ["True", "False", "Unknown"],
                    "description": "Status of the condition: True, False or Unknown."},
         "reason": {"type": "string", "maxLength": 1024,
                    "description": "Why the condition last changed, in CamelCase (for example StacksStable)."},
         "message": {"type": "string", "maxLength": 32768,
                     "description": "Human readable detail of the last change; never holds a secret value."},
         "lastTransitionTime": {"type": "string", "format": "date-time",
                                "description": "When the status of the condition last changed."},
         "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0,
                                "description": "The metadata.generation the condition was set for."}
       }}
      """;

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
