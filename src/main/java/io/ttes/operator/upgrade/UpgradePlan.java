package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The upgrade's plan, typed, as every phase after planning reads it. Planning builds it once (the
 * parameters of each change set, its changes, the data risks and what covers each, the migrations)
 * and records it in status.plan, the only durable place; approval, execution, the snapshot guard,
 * migrations and just-in-time change sets read it back from there, also after a restart, and never
 * recompute it from AWS. What changes while the plan executes (change set names and ids, snapshot
 * names, the changes of a change set re-planned just in time) is written to status.plan as it
 * happens.
 *
 * @param stacks every stack in template order (skipped ones too)
 * @param migrations the migrations in the order they run
 */
record UpgradePlan(
    long generation, String hash, List<StackPlan> stacks, List<Migration> migrations) {
  /** The layout {@link Plan#getFormat()} names; a plan recorded in another one is made again. */
  static final int FORMAT = 2;

  /** Why a plan recorded in an earlier layout is voided. */
  static final String EARLIER_LAYOUT =
      "the plan was recorded by an earlier version of the operator";

  /**
   * One migration of the plan.
   *
   * @param index 1-based; status.steps[].migration names it
   * @param command the command words after the binary
   * @param after the stack whose update it follows
   * @param reasons the release-note lines that require it ({@code 3.32.0: ...}), oldest first
   */
  record Migration(int index, List<String> command, String after, List<String> reasons) {
    Migration {
      command = List.copyOf(command);
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    PlannedMigration toStatus() {
      PlannedMigration m = new PlannedMigration();
      m.setIndex(index);
      m.setCommand(new ArrayList<>(command));
      m.setAfter(after);
      m.setReasons(new ArrayList<>(reasons));
      return m;
    }
  }

  UpgradePlan {
    stacks = List.copyOf(stacks);
    migrations = List.copyOf(migrations);
  }

  /** Reads the plan recorded in status; no AWS call. */
  static UpgradePlan of(Plan plan) {
    List<StackPlan> stacks = plan.getStacks().stream().map(UpgradePlan::stack).toList();
    List<Migration> migrations =
        plan.getMigrations().stream()
            .map(m -> new Migration(m.getIndex(), m.getCommand(), m.getAfter(), m.getReasons()))
            .toList();
    return new UpgradePlan(
        plan.getGeneration() == null ? 0 : plan.getGeneration(),
        plan.getHash(),
        stacks,
        migrations);
  }

  /**
   * The migration commands of a recorded plan that {@code spec.migrations.commands} does not list
   * (the release catalogue added them), in plan order: the plan hash covers these, so that an
   * approval covers every command the plan runs.
   */
  static List<List<String>> addedMigrations(Plan plan, List<List<String>> specCommands) {
    List<List<String>> spec = specCommands == null ? List.of() : specCommands;
    List<List<String>> added = new ArrayList<>();
    for (PlannedMigration m : plan.getMigrations()) {
      if (!spec.contains(m.getCommand()) && !added.contains(m.getCommand())) {
        added.add(List.copyOf(m.getCommand()));
      }
    }
    return added;
  }

  /** Whether status holds a plan in this layout, complete with its hash. */
  static boolean recorded(Plan plan) {
    return plan != null && Objects.equals(plan.getFormat(), FORMAT) && plan.getHash() != null;
  }

  /** The migration a step recorded, by its index. */
  Optional<Migration> migration(Integer index) {
    return index == null
        ? Optional.empty()
        : migrations.stream().filter(m -> m.index() == index).findFirst();
  }

  /** One stack of the recorded plan. */
  static StackPlan stack(PlannedStack ps) {
    Disposition d =
        ps.getDisposition() == null
            ? Disposition.JustInTime
            : Disposition.valueOf(ps.getDisposition());
    if (d == Disposition.Skipped) {
      return StackPlan.skipped(ps.getName(), ps.getTemplate());
    }
    boolean changes = d == Disposition.Changes;
    return new StackPlan(
        ps.getName(),
        ps.getTemplate(),
        d,
        ps.getChangeSetName(),
        ps.getChangeSetId(),
        parameters(ps),
        changes ? StatusChanges.fromStatus(ps) : List.of(),
        changes ? risks(ps) : List.of());
  }

  /**
   * The parameters recorded for a stack's change sets. A NoEcho value reads {@link
   * ParameterPlanner#MASK}: status never holds it, {@link StackPlanReader#withSecrets} puts it back
   * in memory when a change set is created.
   */
  static ParameterPlan parameters(PlannedStack ps) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> previous = new ArrayList<>();
    Set<String> noEcho = new LinkedHashSet<>();
    for (SentParameter p : ps.getSentParameters()) {
      if (Boolean.TRUE.equals(p.getNoEcho())) {
        noEcho.add(p.getKey());
      }
      if (Boolean.TRUE.equals(p.getUsePreviousValue())) {
        previous.add(p.getKey());
      } else {
        values.put(
            p.getKey(), Boolean.TRUE.equals(p.getNoEcho()) ? ParameterPlanner.MASK : p.getValue());
      }
    }
    return new ParameterPlan(
        ps.getName(), values, previous, noEcho, copies(ps.getParameters()), List.of());
  }

  /** Every parameter the target template declares, as the recorded plan sends them. */
  static Set<String> declared(PlannedStack ps) {
    Set<String> keys = new LinkedHashSet<>();
    ps.getSentParameters().forEach(p -> keys.add(p.getKey()));
    return keys;
  }

  /** The data risks recorded for a stack, with what covers each. */
  static List<DetectedRisk> risks(PlannedStack ps) {
    return ps.getDataRisks().stream()
        .map(
            r ->
                new DetectedRisk(
                    r.getLogicalId(),
                    r.getPhysicalId(),
                    r.getResourceType(),
                    r.getAction(),
                    r.getReplacement(),
                    DataRiskDetector.KINDS.get(r.getResourceType()),
                    r.getSnapshotParameter(),
                    r.getCoveredBy()))
        .toList();
  }

  /**
   * Records what planning decided for a stack's change sets: the parameters (NoEcho values masked),
   * the template's capabilities and the stack's tags.
   */
  static void recordParameters(
      PlannedStack ps, ParameterPlan pp, TemplateSummary summary, StackInfo current) {
    List<SentParameter> sent = new ArrayList<>();
    for (Map.Entry<String, String> e : pp.values().entrySet()) {
      sent.add(sent(e.getKey(), pp.noEcho().contains(e.getKey()) ? null : e.getValue(), false, pp));
    }
    for (String key : pp.usePreviousValue()) {
      sent.add(sent(key, null, true, pp));
    }
    ps.setSentParameters(sent);
    ps.setParameters(copies(pp.changes()));
    ps.setCapabilities(
        summary == null || summary.capabilities() == null
            ? new ArrayList<>()
            : new ArrayList<>(summary.capabilities()));
    ps.setTags(new LinkedHashMap<>(ChangeSetTags.of(current)));
  }

  /**
   * Records the data risks of a stack's change set; a snapshot already named for a logical id stays
   * with it.
   */
  static void recordRisks(PlannedStack ps, List<DetectedRisk> risks) {
    Map<String, String> snapshots = new LinkedHashMap<>();
    for (DataRisk r : ps.getDataRisks()) {
      if (r.getSnapshot() != null) {
        snapshots.put(r.getLogicalId(), r.getSnapshot());
      }
    }
    List<DataRisk> shown = new ArrayList<>();
    for (DetectedRisk r : risks) {
      shown.add(r.toStatus(snapshots.get(r.logicalId())));
    }
    ps.setDataRisks(shown);
  }

  private static SentParameter sent(String key, String value, boolean previous, ParameterPlan pp) {
    SentParameter p = new SentParameter();
    p.setKey(key);
    p.setValue(pp.noEcho().contains(key) && !previous ? ParameterPlanner.MASK : value);
    p.setUsePreviousValue(previous ? Boolean.TRUE : null);
    p.setNoEcho(pp.noEcho().contains(key) ? Boolean.TRUE : null);
    return p;
  }

  /** Copies, so that a phase editing status cannot change a plan it hashed. */
  private static List<ParameterChange> copies(List<ParameterChange> changes) {
    List<ParameterChange> out = new ArrayList<>();
    for (ParameterChange c : changes) {
      ParameterChange copy = new ParameterChange();
      copy.setKey(c.getKey());
      copy.setFrom(c.getFrom());
      copy.setTo(c.getTo());
      copy.setSource(c.getSource());
      out.add(copy);
    }
    return out;
  }
}
