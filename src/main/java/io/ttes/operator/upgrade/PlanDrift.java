package io.ttes.operator.upgrade;

import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares the changes of a change set re-created just in time with the changes of the plan that
 * was approved ("nothing executes that was not approved"). Changes are compared by logical id,
 * resource type, action and replacement; physical ids may differ between two change sets of the
 * same stack. The description says what differs, for the condition and the event.
 */
final class PlanDrift {
  /** The start of a step message that carries a drift description. */
  static final String PREFIX = "re-planned just in time, changes differ from the plan: ";

  private PlanDrift() {}

  /**
   * The condition and event message: a Manual upgrade waits for {@code after} to be approved, an
   * Automatic one records it.
   */
  static String message(String before, String what, String after, boolean manual) {
    return manual
        ? "the change set re-planned just in time differs from approved plan "
            + before
            + " ("
            + what
            + "); waiting for approval: set spec.approvedPlan to "
            + after
        : "the change set re-planned just in time differs from plan "
            + before
            + " ("
            + what
            + "); approved automatically as plan "
            + after;
  }

  /** Empty when {@code actual} changes exactly what {@code planned} did. */
  static Optional<String> between(List<ResourceChange> planned, List<ResourceChange> actual) {
    Map<String, ResourceChange> before = byId(planned);
    Map<String, ResourceChange> after = byId(actual);
    List<String> parts = new ArrayList<>();
    for (ResourceChange c : after.values()) {
      ResourceChange was = before.get(key(c));
      if (was == null) {
        parts.add("now also " + describe(c));
      } else if (!same(was, c)) {
        parts.add(describe(c) + " (planned: " + describe(was) + ")");
      }
    }
    for (ResourceChange c : before.values()) {
      if (!after.containsKey(key(c))) {
        parts.add("no longer " + describe(c));
      }
    }
    return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", parts));
  }

  private static Map<String, ResourceChange> byId(List<ResourceChange> changes) {
    Map<String, ResourceChange> out = new LinkedHashMap<>();
    for (ResourceChange c : changes == null ? List.<ResourceChange>of() : changes) {
      out.put(key(c), c);
    }
    return out;
  }

  private static String key(ResourceChange c) {
    return c.logicalId() + "|" + c.resourceType();
  }

  private static boolean same(ResourceChange a, ResourceChange b) {
    return java.util.Objects.equals(a.action(), b.action())
        && java.util.Objects.equals(norm(a.replacement()), norm(b.replacement()));
  }

  private static String norm(String replacement) {
    return replacement == null || replacement.isBlank() ? "False" : replacement;
  }

  private static String describe(ResourceChange c) {
    return c.action()
        + " "
        + c.logicalId()
        + " ("
        + c.resourceType()
        + (c.replacement() == null || "False".equalsIgnoreCase(c.replacement())
            ? ""
            : ", replacement " + c.replacement())
        + ")";
  }
}
