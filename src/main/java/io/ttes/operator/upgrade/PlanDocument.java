package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.ApprovalMode;
import io.ttes.operator.api.v1alpha1.Hop;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ChangeDetail;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedMigration;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ResourceChange;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The recorded plan (status.plan) as plain text a reviewer reads in a terminal: a header (upgrade,
 * cluster, versions, hash, how to approve), the hops of a multi-hop upgrade and which one the plan
 * is for, then per stack in template order the changed parameters old → new, the resource changes
 * with their property-level details, the data risks and what covers each, then the drift the plan
 * overwrites, then the migrations with their reasons. Pure: the same upgrade and plan give the same
 * text. A NoEcho parameter's values read {@link ParameterPlanner#MASK} whatever status holds. One
 * method per section.
 */
final class PlanDocument {
  /** The ConfigMap key the text is stored under. */
  static final String KEY = "plan.txt";

  /** What fits in a ConfigMap (1 MiB for the whole object) with room for its metadata. */
  static final int LIMIT_BYTES = 900 * 1024;

  private final int limitBytes;

  PlanDocument() {
    this(LIMIT_BYTES);
  }

  PlanDocument(int limitBytes) {
    this.limitBytes = limitBytes;
  }

  /** The ConfigMap name of an upgrade's plan. */
  static String configMapName(String upgradeName) {
    return upgradeName + "-plan";
  }

  /** The command that prints the plan of an upgrade. */
  static String readCommand(String namespace, String upgradeName) {
    return "kubectl get configmap "
        + configMapName(upgradeName)
        + " -n "
        + namespace
        + " -o jsonpath='{.data.plan\\.txt}'";
  }

  /** The plan of {@code su} as text; {@code status.plan} must hold a hash. */
  String render(StackUpgrade su, StackUpgradeStatus status) {
    Plan plan = status.getPlan();
    StringBuilder out = new StringBuilder();
    header(out, su, status);
    hops(out, status);
    for (PlannedStack ps : plan.getStacks()) {
      stack(out, ps);
    }
    drift(out, plan);
    migrations(out, plan.getMigrations());
    return fit(out.toString(), su);
  }

  /** Upgrade, cluster, versions, hash and what approving takes. */
  void header(StringBuilder out, StackUpgrade su, StackUpgradeStatus status) {
    StackUpgradeSpec spec = su.getSpec();
    Plan plan = status.getPlan();
    String ns = su.getMetadata().getNamespace();
    String name = su.getMetadata().getName();
    out.append("Plan ").append(plan.getHash()).append(" of StackUpgrade ");
    out.append(ns).append('/').append(name).append('\n');
    out.append("Cluster:  ").append(spec.getClusterRef().getName()).append('\n');
    out.append("Version:  ").append(orNone(status.getFromVersion())).append(" → ");
    out.append(orNone(spec.getTargetVersion())).append('\n');
    out.append("Approval: ").append(approval(spec, plan, ns, name)).append('\n');
    long changing =
        plan.getStacks().stream()
            .filter(ps -> Disposition.Changes.name().equals(ps.getDisposition()))
            .count();
    out.append("Stacks:   ").append(changing).append(" of ").append(plan.getStacks().size());
    out.append(" change\n");
  }

  private static String approval(StackUpgradeSpec spec, Plan plan, String ns, String name) {
    if (spec.isDryRun()) {
      return "none, this is a dry run (set spec.dryRun: false to plan for execution)";
    }
    boolean unprotected =
        plan.getStacks().stream()
            .flatMap(ps -> ps.getDataRisks().stream())
            .anyMatch(r -> r.getCoveredBy() == null);
    if (spec.getApproval() != ApprovalMode.Manual && !unprotected) {
      return "not needed (Automatic, every data risk is covered)";
    }
    return "needed"
        + (unprotected ? " (data at risk without a snapshot)" : " (Manual)")
        + ": kubectl patch stackupgrade "
        + name
        + " -n "
        + ns
        + " --type merge -p '{\"spec\":{\"approvedPlan\":\""
        + plan.getHash()
        + "\"}}'";
  }

  /**
   * The hops of an upgrade that walks several (status.hops), each with its state and why the
   * upgrade stops there, and which one this plan is; nothing for an upgrade without hops.
   */
  void hops(StringBuilder out, StackUpgradeStatus status) {
    List<Hop> hops = status.getHops();
    Integer current = status.getPlan().getHop();
    if (hops.isEmpty() || current == null) {
      return;
    }
    out.append("\n== Hops (").append(hops.size()).append("): this plan is hop ");
    out.append(current).append('/').append(hops.size()).append('\n');
    for (int i = 0; i < hops.size(); i++) {
      Hop h = hops.get(i);
      out.append("  ").append(i + 1).append(". ").append(orNone(h.getFrom())).append(" → ");
      out.append(orNone(h.getVersion())).append("  ").append(orNone(h.getPhase()));
      if (i + 1 == current) {
        out.append("  (this plan)");
      } else if (i + 1 > current) {
        out.append("  (planned and approved on its own after hop ").append(i).append(')');
      } else if (h.getPlanHash() != null) {
        out.append("  (plan ").append(h.getPlanHash()).append(')');
      }
      out.append('\n');
      for (String reason : h.getReasons()) {
        out.append("     stop because ").append(reason).append('\n');
      }
    }
  }

  /** One stack: its disposition and, when it changes, its three sections. */
  void stack(StringBuilder out, PlannedStack ps) {
    out.append("\n== Stack ").append(ps.getName()).append(" (").append(ps.getTemplate());
    out.append("): ").append(disposition(ps)).append('\n');
    if (!Disposition.Changes.name().equals(ps.getDisposition())) {
      return;
    }
    out.append("Change set: ").append(ps.getChangeSetName()).append('\n');
    parameters(out, ps);
    resourceChanges(out, ps.getChanges());
    dataRisks(out, ps.getDataRisks());
  }

  private static String disposition(PlannedStack ps) {
    String d = ps.getDisposition() == null ? Disposition.JustInTime.name() : ps.getDisposition();
    return switch (Disposition.valueOf(d)) {
      case Changes -> "changes";
      case NoChanges -> "no changes";
      case Skipped -> "skipped (spec.stacks[].skip)";
      case JustInTime -> "planned when its step is reached";
    };
  }

  /** The parameters whose value changes, old → new; NoEcho values masked. */
  void parameters(StringBuilder out, PlannedStack ps) {
    Set<String> noEcho =
        ps.getSentParameters().stream()
            .filter(p -> Boolean.TRUE.equals(p.getNoEcho()))
            .map(SentParameter::getKey)
            .collect(Collectors.toSet());
    // Planning lists only what changes; a NoEcho value reads **** on both sides.
    List<ParameterChange> changed = ps.getParameters();
    out.append("Parameters (").append(changed.size()).append(" changed):\n");
    for (ParameterChange c : changed) {
      boolean mask = noEcho.contains(c.getKey()) || ParameterPlanner.MASK.equals(c.getFrom());
      out.append("  ").append(c.getKey()).append(": ");
      out.append(value(c.getFrom(), mask, "(new)")).append(" → ");
      out.append(value(c.getTo(), mask, "(removed)"));
      if (c.getSource() != null) {
        out.append("  [").append(c.getSource()).append(']');
      }
      out.append('\n');
    }
  }

  private static String value(String v, boolean mask, String absent) {
    if (v == null) {
      return absent;
    }
    return mask ? ParameterPlanner.MASK : v;
  }

  /** The resource changes as CloudFormation reported them. */
  void resourceChanges(StringBuilder out, List<ResourceChange> changes) {
    out.append("Resource changes (").append(changes.size()).append("):\n");
    for (ResourceChange c : changes) {
      out.append("  ").append(c.getAction()).append(' ').append(c.getLogicalId());
      out.append(" (").append(c.getResourceType()).append(')');
      if (c.getReplacement() != null && !"False".equalsIgnoreCase(c.getReplacement())) {
        out.append(" replacement: ").append(c.getReplacement());
      }
      out.append('\n');
      details(out, c);
    }
  }

  /**
   * A resource change's property-level details, one a line: what changes, how CloudFormation knows
   * it and what caused it, and whether it recreates the resource. Status carries no property values
   * (they could be secrets), so none is shown.
   */
  void details(StringBuilder out, ResourceChange c) {
    for (ChangeDetail d : c.getDetails()) {
      out.append("      ").append(target(d));
      List<String> how = new ArrayList<>();
      if (d.getEvaluation() != null) {
        how.add(d.getEvaluation());
      }
      String cause = cause(d);
      if (cause != null) {
        how.add(cause);
      }
      if (!how.isEmpty()) {
        out.append(" (").append(String.join(", ", how)).append(')');
      }
      if (d.getRequiresRecreation() != null && !"Never".equals(d.getRequiresRecreation())) {
        out.append(" recreation: ").append(d.getRequiresRecreation());
      }
      out.append('\n');
    }
    if (c.getDetailsOmitted() != null && c.getDetailsOmitted() > 0) {
      out.append("      … ").append(c.getDetailsOmitted());
      out.append(" more (status keeps ").append(StatusChanges.MAX_DETAILS_PER_STACK);
      out.append(" details per stack; the change set lists all)\n");
    }
  }

  private static String target(ChangeDetail d) {
    String attribute = d.getAttribute() == null ? "(attribute not given)" : d.getAttribute();
    return d.getName() == null ? attribute : attribute + "." + d.getName();
  }

  private static String cause(ChangeDetail d) {
    String source = d.getChangeSource();
    String entity = d.getCausingEntity();
    if (source == null) {
      return entity == null ? null : "from " + entity;
    }
    if (entity == null && !"DirectModification".equals(source) && !"Automatic".equals(source)) {
      return source;
    }
    return switch (source) {
      case "ParameterReference" -> "from parameter " + entity;
      case "ResourceReference" -> "from resource " + entity;
      case "ResourceAttribute" -> "from attribute " + entity;
      case "DirectModification" -> "template edit";
      case "Automatic" -> "nested stack";
      default -> entity == null ? source : source + " " + entity;
    };
  }

  /**
   * The values changed outside the operator that the cluster reported when the plan was made
   * (plan.drift): first those the upgrade overwrites, then those it keeps or leaves alone. A NoEcho
   * parameter's values read {@link ParameterPlanner#MASK}.
   */
  void drift(StringBuilder out, Plan plan) {
    List<PlannedDrift> drift = plan.getDrift() == null ? List.of() : plan.getDrift();
    out.append("\n== Drift (").append(drift.size()).append(')');
    if (drift.isEmpty()) {
      out.append("\n  none: the stacks are as the operator last applied them\n");
      return;
    }
    out.append(": values changed outside the operator since it last applied them\n");
    List<PlannedDrift> overwritten =
        drift.stream().filter(d -> DriftOverwrites.OVERWRITTEN.equals(d.getOutcome())).toList();
    List<PlannedDrift> others =
        drift.stream().filter(d -> !DriftOverwrites.OVERWRITTEN.equals(d.getOutcome())).toList();
    if (!overwritten.isEmpty()) {
      out.append("Drift this plan overwrites:\n");
      for (PlannedDrift d : overwritten) {
        boolean mask = driftMasked(plan, d);
        driftLine(out, d, mask);
        out.append("; the upgrade sets ").append(value(d.getPlanned(), mask, "(nothing)"));
        out.append('\n');
      }
    }
    if (!others.isEmpty()) {
      out.append("Drift this plan does not overwrite:\n");
      for (PlannedDrift d : others) {
        driftLine(out, d, driftMasked(plan, d));
        out.append(" (").append(driftOutcome(d.getOutcome())).append(")\n");
      }
    }
  }

  private static void driftLine(StringBuilder out, PlannedDrift d, boolean mask) {
    out.append("  stack ").append(d.getStack());
    out.append(d.getParameter() == null ? " version" : " parameter " + d.getParameter());
    out.append(": expected ").append(value(d.getApplied(), mask, "(none)"));
    out.append(" → now ").append(value(d.getCurrent(), mask, "(none)"));
  }

  private static String driftOutcome(String outcome) {
    if (outcome == null) {
      return "outcome not recorded";
    }
    return switch (outcome) {
      case DriftOverwrites.KEPT -> "kept: it becomes the new baseline";
      case DriftOverwrites.REMOVED -> "removed: the target template no longer declares it";
      case DriftOverwrites.NOT_UPDATED -> "not updated: the stack is skipped";
      default -> outcome;
    };
  }

  /** NoEcho in the stack's plan, or shown masked by CloudFormation anywhere. */
  private static boolean driftMasked(Plan plan, PlannedDrift d) {
    if (d.getParameter() == null) {
      return false;
    }
    if (ParameterPlanner.MASK.equals(d.getApplied())
        || ParameterPlanner.MASK.equals(d.getCurrent())
        || ParameterPlanner.MASK.equals(d.getPlanned())) {
      return true;
    }
    PlannedStack ps = StackPlanReader.planned(plan, d.getStack());
    return ps != null
        && ps.getSentParameters().stream()
            .anyMatch(
                p -> d.getParameter().equals(p.getKey()) && Boolean.TRUE.equals(p.getNoEcho()));
  }

  /** The data risks and what protects each. */
  void dataRisks(StringBuilder out, List<DataRisk> risks) {
    out.append("Data risks (").append(risks.size()).append("):\n");
    for (DataRisk r : risks) {
      out.append("  ").append(r.getAction()).append(' ').append(r.getLogicalId());
      out.append(" (").append(r.getResourceType()).append(')');
      if (r.getReplacement() != null) {
        out.append(" replacement: ").append(r.getReplacement());
      }
      out.append(" covered by: ");
      out.append(r.getCoveredBy() == null ? "NOTHING, approval needed" : r.getCoveredBy());
      if (r.getSnapshotParameter() != null) {
        out.append(" (snapshot passed in ").append(r.getSnapshotParameter()).append(')');
      }
      out.append('\n');
    }
  }

  /** The migrations in the order they run, with the release-note lines that require each. */
  void migrations(StringBuilder out, List<PlannedMigration> migrations) {
    out.append("\n== Migrations (").append(migrations.size()).append(")\n");
    for (PlannedMigration m : migrations) {
      out.append("  ").append(m.getIndex()).append(". ").append(String.join(" ", m.getCommand()));
      out.append("  after ").append(m.getAfter()).append('\n');
      for (String reason : m.getReasons()) {
        out.append("     because ").append(reason).append('\n');
      }
    }
  }

  /** Cuts the text at a line within the limit, with a note saying where the rest is. */
  private String fit(String text, StackUpgrade su) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= limitBytes) {
      return text;
    }
    String note =
        "\n... truncated: the plan is longer than a ConfigMap holds; the whole plan is in"
            + " status.plan (kubectl get stackupgrade "
            + su.getMetadata().getName()
            + " -n "
            + su.getMetadata().getNamespace()
            + " -o yaml)\n";
    int budget = Math.max(0, limitBytes - note.getBytes(StandardCharsets.UTF_8).length);
    String head = new String(bytes, 0, budget, StandardCharsets.UTF_8);
    int cut = head.lastIndexOf('\n');
    return (cut < 0 ? "" : head.substring(0, cut)) + note;
  }

  private static String orNone(String v) {
    return v == null ? "(unknown)" : v;
  }
}
