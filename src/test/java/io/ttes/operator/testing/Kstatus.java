package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The status kstatus computes for a custom resource, as sigs.k8s.io/cli-utils implements it in
 * {@code pkg/kstatus/status/status.go} ({@code Compute}) and {@code pkg/kstatus/status/generic.go}
 * ({@code checkGenericProperties}, {@code checkGeneration}): Flux's health checks and {@code
 * kstatus}-based tools read our kinds with exactly these rules (the type-specific "legacy" rules
 * cover only built-in kinds, never a custom resource).
 *
 * <ol>
 *   <li>{@code metadata.deletionTimestamp} set: Terminating.
 *   <li>{@code status.observedGeneration} present and not {@code metadata.generation}: InProgress
 *       (LatestGenerationNotObserved).
 *   <li>The first condition, in list order, that is {@code Reconciling=True} (InProgress) or {@code
 *       Stalled=True} (Failed) decides.
 *   <li>Newer cli-utils only ({@link Rules#WITH_READY_FALLBACK}, {@code checkReadyCondition}):
 *       {@code Ready=True} is Current, {@code Ready=False} or {@code Unknown} InProgress.
 *   <li>Otherwise Current ("the absence of any known conditions means the resource is current").
 * </ol>
 *
 * Both rule sets are in use (older cli-utils releases have no Ready fallback), so a resource must
 * compute the same under both to be read the same by every tool.
 */
public final class Kstatus {
  /** The two generations of the rules. */
  public enum Rules {
    /** cli-utils before checkReadyCondition: no conditions known to kstatus means Current. */
    WITHOUT_READY_FALLBACK,
    /** cli-utils with checkReadyCondition after the generic rules. */
    WITH_READY_FALLBACK
  }

  /** kstatus's statuses (NotFound and Unknown need no object and do not occur here). */
  public enum Status {
    InProgress,
    Failed,
    Current,
    Terminating
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private Kstatus() {}

  /** kstatus of a resource (any object Jackson can turn into its JSON form). */
  public static Status compute(Object resource, Rules rules) {
    JsonNode obj = JSON.valueToTree(resource);
    JsonNode metadata = obj.path("metadata");
    if (!metadata.path("deletionTimestamp").asText("").isEmpty()) {
      return Status.Terminating;
    }
    JsonNode generation = metadata.get("generation");
    JsonNode observed = obj.path("status").get("observedGeneration");
    if (generation != null
        && !generation.isNull()
        && observed != null
        && !observed.isNull()
        && generation.asLong() != observed.asLong()) {
      return Status.InProgress;
    }
    JsonNode conditions = obj.path("status").path("conditions");
    for (JsonNode c : conditions) {
      String type = c.path("type").asText();
      String status = c.path("status").asText();
      if (type.equals("Reconciling") && status.equals("True")) {
        return Status.InProgress;
      }
      if (type.equals("Stalled") && status.equals("True")) {
        return Status.Failed;
      }
    }
    if (rules == Rules.WITH_READY_FALLBACK) {
      for (JsonNode c : conditions) {
        if (!c.path("type").asText().equals("Ready")) {
          continue;
        }
        switch (c.path("status").asText()) {
          case "True":
            return Status.Current;
          case "False", "Unknown":
            return Status.InProgress;
          default:
            break;
        }
      }
    }
    return Status.Current;
  }

  /** The status under both rule sets; fails when they disagree (a tool would read it otherwise). */
  public static Status compute(Object resource) {
    Status older = compute(resource, Rules.WITHOUT_READY_FALLBACK);
    Status newer = compute(resource, Rules.WITH_READY_FALLBACK);
    if (older != newer) {
      throw new AssertionError(
          "kstatus rules disagree: " + older + " without, " + newer + " with the Ready fallback");
    }
    return older;
  }
}
