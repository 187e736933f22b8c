package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * How a failed attempt of an OpsTask is treated, in the shape of a Kubernetes Job's {@code
 * podFailurePolicy}: the first rule that matches decides; without a match the defaults apply (an
 * infrastructure stop is retried without counting, a non-zero exit counts against backoffLimit).
 */
@Data
@NoArgsConstructor
@AllArgsConstructor
@JsonClassDescription(
    "How a failed attempt is treated, like a Job's podFailurePolicy: the first matching rule"
        + " decides.")
public class OpsTaskFailurePolicy {
  @Size(max = 20)
  @JsonPropertyDescription(
      "Rules in order; the first that matches a failed attempt decides its action. Without a"
          + " match: stop codes TaskFailedToStart, SpotInterruption, TerminationNotice (ECS) and"
          + " Undeliverable, DeliveryTimedOut (SSM) are Ignore, everything else is Count.")
  private List<Rule> rules = new ArrayList<>();

  /** What a matching rule does with the failed attempt. */
  public enum Action {
    /** The OpsTask fails at once, whatever backoffLimit says. */
    Fail,
    /** Retried without counting against backoffLimit (at most 5 times per OpsTask). */
    Ignore,
    /** Counts against backoffLimit; retried while the count does not exceed it. */
    Count
  }

  /** How exit codes are compared. */
  public enum Operator {
    In,
    NotIn
  }

  /** One rule: an action and what it matches (exit codes or stop codes). */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  @ValidationRule(
      value = "has(self.onExitCodes) != has(self.onStopCodes)",
      message = "set exactly one of onExitCodes and onStopCodes")
  public static class Rule {
    @Required
    @JsonPropertyDescription("Fail, Ignore or Count.")
    private Action action;

    @JsonPropertyDescription("Matches an attempt whose command exited with one of these codes.")
    private ExitCodes onExitCodes;

    @Size(min = 1, max = 20)
    @JsonPropertyDescription(
        "Matches an attempt whose ECS stop code (TaskFailedToStart, SpotInterruption, ...), SSM"
            + " status (Failed, Cancelled, Undeliverable, ...) or RunTask failures[] reason"
            + " (RESOURCE:MEMORY, ...) is one of these; a trailing * matches a prefix"
            + " (RESOURCE:*).")
    private List<String> onStopCodes;
  }

  /** Exit codes a rule matches. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class ExitCodes {
    @Required
    @JsonPropertyDescription("In: the exit code is one of values; NotIn: it is none of them.")
    private Operator operator;

    @Required
    @Size(min = 1, max = 255)
    @JsonPropertyDescription("Exit codes, for example [2, 3].")
    private List<Integer> values = new ArrayList<>();
  }
}
