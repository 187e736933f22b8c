package io.ttes.operator.upgrade;

import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.digest.Sha256;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The plan hash a Manual approval names (spec.approvedPlan = status.plan.hash). It covers the spec
 * generation and, per stack in plan order, everything that decides what executing would do, so that
 * any edit of the spec or any different change set invalidates an approval. It leaves out what
 * differs between two plannings of the same thing (change set ids and names, which carry the
 * attempt; map and list orders AWS does not guarantee) and every NoEcho value.
 */
public final class PlanHasher {
  private static final Comparator<ResourceChange> CHANGE_ORDER =
      Comparator.comparing(ResourceChange::logicalId, Comparator.nullsFirst(String::compareTo))
          .thenComparing(ResourceChange::resourceType, Comparator.nullsFirst(String::compareTo))
          .thenComparing(ResourceChange::action, Comparator.nullsFirst(String::compareTo))
          .thenComparing(ResourceChange::replacement, Comparator.nullsFirst(String::compareTo));
  private static final Comparator<DetectedRisk> RISK_ORDER =
      Comparator.comparing(DetectedRisk::logicalId, Comparator.nullsFirst(String::compareTo))
          .thenComparing(DetectedRisk::resourceType, Comparator.nullsFirst(String::compareTo));

  /** 12 lowercase hex characters of SHA-256 over the canonical form of the plan. */
  public String hash(long generation, List<StackPlan> stacks) {
    return hash(generation, stacks, List.of());
  }

  /**
   * The same, also over {@code addedMigrations}: the commands the plan runs that the spec does not
   * list (the release catalogue added them). A plan without such commands hashes as before.
   */
  public String hash(long generation, List<StackPlan> stacks, List<List<String>> addedMigrations) {
    return hash(generation, stacks, addedMigrations, null);
  }

  /**
   * The same, also over {@code hop}, the hop of a multi-hop upgrade the plan is for ({@code hop
   * 1/2: 3.23.2 → 3.24.2}): two hops never share a hash, so approving one hop never executes
   * another. A plan without hops (null) hashes as before.
   */
  public String hash(
      long generation, List<StackPlan> stacks, List<List<String>> addedMigrations, String hop) {
    return Sha256.hex(canonical(generation, stacks, addedMigrations, hop), 12);
  }

  /** The text the hash is taken over; visible for tests that show what the hash covers. */
  String canonical(long generation, List<StackPlan> stacks) {
    return canonical(generation, stacks, List.of());
  }

  String canonical(long generation, List<StackPlan> stacks, List<List<String>> addedMigrations) {
    return canonical(generation, stacks, addedMigrations, null);
  }

  String canonical(
      long generation, List<StackPlan> stacks, List<List<String>> addedMigrations, String hop) {
    Out out = new Out();
    out.field("generation", Long.toString(generation));
    if (hop != null) {
      out.field("hop", hop);
    }
    for (StackPlan s : stacks) {
      out.field("stack", s.name());
      out.field("disposition", s.disposition().name());
      for (ResourceChange c : s.changes().stream().sorted(CHANGE_ORDER).toList()) {
        out.field("change", c.logicalId(), c.resourceType(), c.action(), c.replacement());
      }
      ParameterPlan p = s.parameters();
      if (p != null) {
        for (Map.Entry<String, String> e : new TreeMap<>(p.values()).entrySet()) {
          if (p.noEcho().contains(e.getKey())) {
            // The key says a value is sent; the value itself never leaves CloudFormation's hands.
            out.field("noecho", e.getKey());
          } else {
            out.field("value", e.getKey(), e.getValue());
          }
        }
        for (String key : new TreeSet<>(p.usePreviousValue())) {
          out.field("previous", key);
        }
      }
      for (DetectedRisk r : s.dataRisks().stream().sorted(RISK_ORDER).toList()) {
        out.field(
            "risk",
            r.logicalId(),
            r.resourceType(),
            r.action(),
            r.replacement(),
            r.snapshotParameter(),
            r.coveredBy());
      }
    }
    for (List<String> command : addedMigrations) {
      out.field("migration", command.toArray(String[]::new));
    }
    return out.toString();
  }

  /** Length-prefixed fields, so that no two different plans encode to the same text. */
  private static final class Out {
    private final StringBuilder sb = new StringBuilder();

    void field(String tag, String... parts) {
      sb.append(tag);
      for (String part : parts) {
        if (part == null) {
          sb.append("|-");
        } else {
          sb.append('|').append(part.length()).append(':').append(part);
        }
      }
      sb.append('\n');
    }

    @Override
    public String toString() {
      return sb.toString();
    }
  }
}
