package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec.StackOverride;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.release.ReleaseCatalogue;
import io.ttes.operator.release.RequiredHop;
import io.ttes.operator.release.RequiredMigration;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.upgrade.window.MaintenanceWindow;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks a StackUpgrade against its cluster before any AWS call: a spec that cannot work ends
 * Stalled and no AWS call is made. Returns every problem at once.
 */
public final class UpgradeValidator {
  private final TemplateOrder order = new TemplateOrder();
  private final ReleaseCatalogue catalogue;

  /** A validator that knows the release catalogue shipped with the operator. */
  public UpgradeValidator() {
    this(ReleaseCatalogue.shipped());
  }

  public UpgradeValidator(ReleaseCatalogue catalogue) {
    this.catalogue = catalogue;
  }

  /**
   * The outcome.
   *
   * @param target the parsed target version; null when it does not parse
   * @param observed the cluster's observed version; null when not known yet
   * @param alreadyAtTarget the cluster runs the target already: nothing to do, the upgrade ends
   *     Succeeded with {@link #message()} (problems still come first: a spec that cannot work
   *     stalls even when there is nothing to do)
   * @param migrationsAfter the template after whose stack the migrations run; null when there are
   *     no migration commands
   * @param required the migrations the release catalogue requires of the current hop (from the
   *     version the upgrade, or its current hop, started at to the target, or to the hop's
   *     version), each with the release-note lines that ask for it; empty when either is unknown
   * @param route the hops of the upgrade ({@link HopRoute}); null when the versions are unknown,
   *     not upgrading, under {@code spec.path: Direct}, or for a rollback
   * @param window the parsed spec.window; null when the upgrade may execute any time (or when it
   *     does not parse, which is one of the problems)
   */
  public record Validation(
      List<PlanProblem> problems,
      TtesVersion target,
      TtesVersion observed,
      boolean alreadyAtTarget,
      String migrationsAfter,
      List<RequiredMigration> required,
      HopRoute route,
      MaintenanceWindow window) {
    public Validation {
      problems = List.copyOf(problems);
      required = List.copyOf(required);
    }

    public boolean ok() {
      return problems.isEmpty();
    }

    /** Whether the upgrade walks several hops (spec.path Hops across a required version). */
    public boolean multiHop() {
      return route != null && route.multiHop();
    }

    /** A sentence for the Ready condition when there is nothing to do. */
    public String message() {
      return alreadyAtTarget ? "cluster is already at " + target : null;
    }
  }

  /**
   * {@link #validate(StackUpgradeSpec, TTESClusterSpec, String)} and the rule of spec.rollback: it
   * may be true only on a Failed or Succeeded upgrade, or during the rollback it started.
   *
   * @param status the upgrade's status as this reconcile found it; null when there is none
   */
  public Validation validate(
      StackUpgradeSpec spec,
      TTESClusterSpec cluster,
      String observedVersion,
      StackUpgradeStatus status) {
    Validation v = check(spec, cluster, observedVersion, status);
    PlanProblem rollback = rollbackProblem(spec, status);
    if (rollback == null) {
      return v;
    }
    List<PlanProblem> problems = new ArrayList<>(v.problems());
    problems.add(rollback);
    return new Validation(
        problems,
        v.target(),
        v.observed(),
        v.alreadyAtTarget(),
        v.migrationsAfter(),
        v.required(),
        v.route(),
        v.window());
  }

  private static PlanProblem rollbackProblem(StackUpgradeSpec spec, StackUpgradeStatus status) {
    if (!spec.rollbackRequested()) {
      return null;
    }
    UpgradePhase phase = status == null ? null : status.getPhase();
    boolean finished = phase == UpgradePhase.Failed || phase == UpgradePhase.Succeeded;
    if (finished || (status != null && RollbackPlanner.isRollback(status.getPlan()))) {
      return null;
    }
    return new PlanProblem(
        PlanProblem.ROLLBACK_NOT_ALLOWED,
        "spec.rollback",
        "only a Failed or Succeeded upgrade can be rolled back, this one is "
            + (phase == null ? UpgradePhase.Pending : phase)
            + "; set spec.rollback to false (a running step finishes first, nothing is rolled"
            + " back)");
  }

  /**
   * @param observedVersion the cluster's status.version; null or blank while not observed
   */
  public Validation validate(
      StackUpgradeSpec spec, TTESClusterSpec cluster, String observedVersion) {
    return check(spec, cluster, observedVersion, null);
  }

  private Validation check(
      StackUpgradeSpec spec,
      TTESClusterSpec cluster,
      String observedVersion,
      StackUpgradeStatus status) {
    List<PlanProblem> problems = new ArrayList<>();

    TtesVersion target = TtesVersion.parse(spec.getTargetVersion()).orElse(null);
    if (target == null) {
      problems.add(
          new PlanProblem(
              PlanProblem.INVALID_VERSION,
              "spec.targetVersion",
              "'"
                  + spec.getTargetVersion()
                  + "' is not a TTES version (MAJOR.MINOR.PATCH, e.g. 3.33.2)"));
    }

    List<StackRef> stacks = cluster.getStacks() == null ? List.of() : cluster.getStacks();
    Set<String> stackNames = new HashSet<>();
    Set<String> templates = new HashSet<>();
    for (StackRef s : stacks) {
      stackNames.add(s.getName());
      templates.add(s.getTemplate());
    }

    List<StackOverride> overrides = spec.getStacks() == null ? List.of() : spec.getStacks();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < overrides.size(); i++) {
      String name = overrides.get(i).getName();
      String field = "spec.stacks[" + i + "].name";
      if (!stackNames.contains(name)) {
        problems.add(
            new PlanProblem(
                PlanProblem.UNKNOWN_STACK,
                field,
                "stack " + name + " is not one of the cluster's spec.stacks"));
      } else if (!seen.add(name)) {
        problems.add(
            new PlanProblem(
                PlanProblem.DUPLICATE_STACK,
                field,
                "stack " + name + " is listed more than once; merge its overrides into one entry"));
      }
    }

    Map<String, String> snapshotParameters =
        spec.getDataProtection() == null ? null : spec.getDataProtection().getSnapshotParameters();
    if (snapshotParameters != null) {
      for (String type : snapshotParameters.keySet()) {
        if (!DataRiskDetector.KINDS.containsKey(type)) {
          problems.add(
              new PlanProblem(
                  PlanProblem.UNKNOWN_RESOURCE_TYPE,
                  "spec.dataProtection.snapshotParameters[" + type + "]",
                  "not a protected resource type; one of "
                      + new TreeSet<>(DataRiskDetector.KINDS.keySet())));
        }
      }
    }

    String migrationsAfter = null;
    StackUpgradeSpec.Migrations migrations = spec.getMigrations();
    List<List<String>> commands =
        migrations == null || migrations.getCommands() == null
            ? List.of()
            : migrations.getCommands();
    for (int i = 0; i < commands.size(); i++) {
      List<String> command = commands.get(i);
      if (command == null
          || command.isEmpty()
          || command.stream().anyMatch(w -> w == null || w.isBlank())) {
        problems.add(
            new PlanProblem(
                PlanProblem.INVALID_COMMAND,
                "spec.migrations.commands[" + i + "]",
                "a command needs at least one word and no empty words"));
      }
    }
    if (!commands.isEmpty()) {
      String after = migrations.getAfter();
      if (after != null && templates.contains(after)) {
        migrationsAfter = after;
      } else if (cluster.getPlatform() == Platform.AMI && !stacks.isEmpty()) {
        // An AMI deployment is a single stack with no 5-2-ecs-ops: migrations follow that stack.
        List<StackRef> sorted = order.sortStacks(stacks);
        migrationsAfter = sorted.get(sorted.size() - 1).getTemplate();
      } else {
        problems.add(
            new PlanProblem(
                PlanProblem.UNKNOWN_STACK,
                "spec.migrations.after",
                "no stack of the cluster is made from template "
                    + after
                    + "; name one of "
                    + new TreeSet<>(templates)
                    + " or set spec.migrations.commands to []"));
      }
    }

    MaintenanceWindow window = null;
    StackUpgradeSpec.Window w = spec.getWindow();
    if (w != null) {
      try {
        window =
            MaintenanceWindow.parse(w.getDays(), w.getStart(), w.getDuration(), w.getTimeZone());
      } catch (SpecProblem e) {
        problems.add(new PlanProblem(e.reason(), e.field(), withoutField(e)));
      }
    }

    TtesVersion observed =
        observedVersion == null ? null : TtesVersion.parse(observedVersion).orElse(null);
    boolean alreadyAtTarget = false;
    if (target != null && observed != null) {
      int c = target.compareTo(observed);
      if (c < 0 && !spec.isAllowDowngrade()) {
        problems.add(
            new PlanProblem(
                PlanProblem.DOWNGRADE,
                "spec.targetVersion",
                target
                    + " is lower than the cluster's version "
                    + observed
                    + "; set spec.allowDowngrade to true if that is intended"));
      }
      alreadyAtTarget = c == 0;
    }
    List<RequiredMigration> required = List.of();
    HopRoute route = null;
    TtesVersion start = start(status, observed);
    boolean rollback = status != null && RollbackPlanner.isRollback(status.getPlan());
    if (target != null && start != null && target.compareTo(start) > 0 && !rollback) {
      if (spec.getPath() == StackUpgradeSpec.Path.Direct) {
        required = catalogue.migrationsBetween(start, target);
        List<RequiredHop> hops = catalogue.requiredHops(start, target);
        if (!hops.isEmpty()) {
          problems.add(intermediateVersion(spec, start, target, hops.get(0)));
        }
      } else {
        route = HopRoute.of(catalogue, start, target, UpgradeHops.finished(status));
        required = route.leg() == null ? List.of() : route.leg().required();
      }
    }
    return new Validation(
        problems, target, observed, alreadyAtTarget, migrationsAfter, required, route, window);
  }

  /**
   * The version the upgrade starts from: status.fromVersion once the upgrade started (the cluster's
   * version moves while its stacks are updated, and a hop must not be planned from a half-updated
   * observation), the cluster's observed version before.
   */
  private static TtesVersion start(StackUpgradeStatus status, TtesVersion observed) {
    if (status != null && status.getFromVersion() != null) {
      return TtesVersion.parse(status.getFromVersion()).orElse(observed);
    }
    return observed;
  }

  /**
   * The upgrade crosses a version it must stop at and {@code spec.path} is {@code Direct}: it stops
   * before any AWS call and says which version to upgrade to first ({@code Hops} plans the hops
   * instead, {@link HopRoute}).
   */
  private static PlanProblem intermediateVersion(
      StackUpgradeSpec spec, TtesVersion observed, TtesVersion target, RequiredHop hop) {
    String notes = hop.notes().stream().map(n -> "\"" + n + "\"").collect(Collectors.joining("; "));
    boolean direct = spec.getPath() == StackUpgradeSpec.Path.Direct;
    return new PlanProblem(
        PlanProblem.INTERMEDIATE_VERSION_REQUIRED,
        "spec.targetVersion",
        "an upgrade from "
            + observed
            + " to "
            + target
            + " has to pass through "
            + hop.version()
            + " (release notes "
            + notes
            + "); "
            + (direct ? "spec.path is Direct, so " : "")
            + "upgrade to "
            + hop.version()
            + " first (a StackUpgrade with targetVersion "
            + hop.version()
            + "), then to "
            + target);
  }

  /** A problem's message without the {@code field: } its exception message starts with. */
  private static String withoutField(SpecProblem e) {
    String m = e.getMessage();
    String prefix = e.field() + ": ";
    return e.field() != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /** The per-stack override of a stack, if any. */
  public static Optional<StackOverride> overrideOf(StackUpgradeSpec spec, String stackName) {
    return spec.getStacks() == null
        ? Optional.empty()
        : spec.getStacks().stream().filter(o -> stackName.equals(o.getName())).findFirst();
  }
}
