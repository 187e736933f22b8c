package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads what a plan is made of from AWS and the spec while planning: the stacks as they are, the
 * target templates' summaries, each stack's parameter plan; and builds the change set requests and
 * data risks of the plan recorded in status ({@link UpgradePlan}).
 */
final class StackPlanReader {
  private static final int SUMMARY_CACHE_MAX = 256;

  private final ParameterPlanner planner = new ParameterPlanner();
  private final DataRiskDetector detector = new DataRiskDetector();

  /**
   * Template summaries by URL. A version's published template never changes, so one
   * GetTemplateSummary per template and version is enough; lost on restart, which only costs calls.
   */
  private final Map<String, TemplateSummary> summaries = new ConcurrentHashMap<>();

  Map<String, StackInfo> describeStacks(UpgradeRun run, List<PlannedStack> stacks) {
    if (stacks.isEmpty()) {
      return Map.of();
    }
    Map<String, StackInfo> found =
        run.services.stacks().describe(stacks.stream().map(PlannedStack::getName).toList());
    for (PlannedStack ps : stacks) {
      if (!found.containsKey(ps.getName())) {
        throw new SpecProblem(
            Reasons.STACK_NOT_FOUND,
            "TTESCluster spec.stacks",
            "stack " + ps.getName() + " does not exist in " + run.cluster.getSpec().getRegion());
      }
    }
    return found;
  }

  ParameterPlan parameterPlan(UpgradeRun run, PlannedStack ps, StackInfo current) {
    Map<String, String> perStack =
        UpgradeValidator.overrideOf(run.spec, ps.getName())
            .map(StackUpgradeSpec.StackOverride::getParameters)
            .orElse(Map.of());
    return planner.plan(
        ps.getName(),
        summary(run, ps.getTemplate()),
        current,
        run.targetVersion(),
        run.spec.getParameters(),
        perStack);
  }

  TemplateSummary summary(UpgradeRun run, String template) {
    String url = templateUrl(run.cluster.getSpec(), run.target(), template);
    TemplateSummary known = summaries.get(url);
    if (known != null) {
      return known;
    }
    TemplateSummary summary = run.services.changeSets().templateSummary(url);
    if (summaries.size() >= SUMMARY_CACHE_MAX) {
      summaries.clear();
    }
    summaries.put(url, summary);
    return summary;
  }

  /** An upgrade that finished needs none of the summaries it read. */
  void forgetSummaries() {
    summaries.clear();
  }

  static String templateUrl(TTESClusterSpec cluster, String version, String template) {
    String pattern =
        cluster.getTemplates() == null || cluster.getTemplates().getUrlPattern() == null
            ? TTESClusterSpec.DEFAULT_URL_PATTERN
            : cluster.getTemplates().getUrlPattern();
    return pattern.replace("{version}", version).replace("{template}", template);
  }

  /**
   * The request of a change set of the recorded plan: {@code pp} with its NoEcho values in place
   * ({@link #withSecrets}), the capabilities recorded for the stack and {@code tags}.
   */
  ChangeSetRequest request(
      UpgradeRun run,
      PlannedStack ps,
      String changeSetName,
      ParameterPlan pp,
      Map<String, String> tags,
      String purpose) {
    return new ChangeSetRequest(
        ps.getName(),
        changeSetName,
        ps.getTemplateUrl() != null
            ? ps.getTemplateUrl()
            : templateUrl(run.cluster.getSpec(), run.target(), ps.getTemplate()),
        pp.values(),
        pp.usePreviousValue(),
        List.copyOf(ps.getCapabilities()),
        tags,
        "ttes-operator: StackUpgrade "
            + run.name
            + (RollbackPlanner.isRollback(run.status.getPlan())
                ? " rollback"
                : " to " + run.target())
            + " ("
            + purpose
            + ")");
  }

  /**
   * The recorded parameter plan with the NoEcho values status leaves out, in memory only: an
   * override from the spec (spec.stacks[].parameters first, then spec.parameters; the plan was made
   * for this spec, see {@link PlanIdentity#stillValid}), otherwise the target template's default,
   * which is how {@link ParameterPlanner} chose them.
   */
  ParameterPlan withSecrets(UpgradeRun run, PlannedStack ps, ParameterPlan pp) {
    ParameterPlan out = pp;
    for (String key : pp.noEcho()) {
      if (!ParameterPlanner.MASK.equals(pp.values().get(key))) {
        continue;
      }
      Map<String, String> perStack =
          UpgradeValidator.overrideOf(run.spec, ps.getName())
              .map(StackUpgradeSpec.StackOverride::getParameters)
              .orElse(Map.of());
      Map<String, String> global =
          run.spec.getParameters() == null ? Map.of() : run.spec.getParameters();
      String value =
          perStack.containsKey(key)
              ? perStack.get(key)
              : global.containsKey(key) ? global.get(key) : templateDefault(run, ps, key);
      out = out.with(key, value);
    }
    return out;
  }

  private String templateDefault(UpgradeRun run, PlannedStack ps, String key) {
    TemplateSummary summary = summary(run, ps.getTemplate());
    return summary.parameters() == null
        ? null
        : summary.parameters().stream()
            .filter(p -> key.equals(p.key()))
            .map(TemplateParameter::defaultValue)
            .findFirst()
            .orElse(null);
  }

  /** The data risks of these changes of a stack of the recorded plan. */
  List<DetectedRisk> detect(UpgradeRun run, PlannedStack ps, List<ResourceChange> changes) {
    return detector.detect(changes, UpgradePlan.declared(ps), snapshotParameters(run));
  }

  static Map<String, String> snapshotParameters(UpgradeRun run) {
    return run.spec.getDataProtection() == null
        ? Map.of()
        : run.spec.getDataProtection().getSnapshotParameters();
  }

  /** The migration commands the spec lists (the default list unless it sets its own). */
  static List<List<String>> specCommands(StackUpgradeSpec spec) {
    return spec.getMigrations() == null || spec.getMigrations().getCommands() == null
        ? List.of()
        : spec.getMigrations().getCommands();
  }

  static boolean snapshotBeforeReplace(StackUpgradeSpec spec) {
    return spec.getDataProtection() == null || spec.getDataProtection().isSnapshotBeforeReplace();
  }

  static PlannedStack planned(Plan plan, String name) {
    if (plan == null) {
      return null;
    }
    return plan.getStacks().stream().filter(p -> name.equals(p.getName())).findFirst().orElse(null);
  }
}
