package io.ttes.operator.upgrade;

import io.ttes.operator.status.SpecProblem;
import java.util.Objects;

/**
 * Something in the spec (or in what it meets on AWS) that stops the plan until a person changes it.
 * Planners return these as data so a reconciler reports all of them at once instead of the first
 * one thrown. {@code field} is the spec path to fix, e.g. {@code
 * spec.stacks[prod-eu1-5-2-ecs-ops].parameters.Foo}. Messages never contain parameter values.
 */
public record PlanProblem(String reason, String field, String message) {
  public static final String INVALID_VERSION = "InvalidVersion";
  public static final String UNKNOWN_STACK = "UnknownStack";
  public static final String DUPLICATE_STACK = "DuplicateStack";
  public static final String DOWNGRADE = "Downgrade";
  public static final String MISSING_PARAMETER = "MissingParameter";
  public static final String UNKNOWN_PARAMETER = "UnknownParameter";
  public static final String UNKNOWN_RESOURCE_TYPE = "UnknownResourceType";
  public static final String INVALID_COMMAND = "InvalidCommand";
  public static final String INTERMEDIATE_VERSION_REQUIRED = "IntermediateVersionRequired";
  public static final String ROLLBACK_NOT_ALLOWED = "RollbackNotAllowed";

  public PlanProblem {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** The same problem as the exception the status layer turns into {@code Stalled=True}. */
  public SpecProblem toSpecProblem() {
    return new SpecProblem(reason, field, message);
  }

  /** One line for a condition message: {@code field: message}. */
  public String describe() {
    return field == null ? message : field + ": " + message;
  }
}
