package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** A transient error the operator keeps retrying (AWS or the Kubernetes API unavailable). */
@Data
public class RetryStatus {
  @JsonPropertyDescription(
      "Why: AwsUnavailable, KubernetesApiUnavailable or ReconcileError (the Reconciling reason).")
  private String reason;

  @JsonPropertyDescription("What failed: the call and the error, never a secret value.")
  private String message;

  @JsonPropertyDescription(
      "When the first attempt of this run of failures failed (RFC 3339). The operator retries with"
          + " exponential backoff, capped at the slow poll interval, until it succeeds.")
  private String since;
}
