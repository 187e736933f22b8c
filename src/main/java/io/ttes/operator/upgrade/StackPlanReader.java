package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads what a plan is made of from AWS and the spec: the stacks as they are, the target templates'
 * summaries, each stack's parameter plan, the change set request and the data risks.
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
        run.validation.target(),
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

  ChangeSetRequest request(
      UpgradeRun run,
      PlannedStack ps,
      StackInfo current,
      String changeSetName,
      ParameterPlan pp,
      String purpose) {
    TemplateSummary summary = summary(run, ps.getTemplate());
    return new ChangeSetRequest(
        ps.getName(),
        changeSetName,
        templateUrl(run.cluster.getSpec(), run.target(), ps.getTemplate()),
        pp.values(),
        pp.usePreviousValue(),
        summary.capabilities() == null ? List.of() : summary.capabilities(),
        ChangeSetTags.of(current),
        "ttes-operator: StackUpgrade " + run.name + " to " + run.target() + " (" + purpose + ")");
  }

  /** The data risks of the changes the plan stored for the stack. */
  List<DetectedRisk> risks(UpgradeRun run, PlannedStack ps) {
    if (!Disposition.Changes.name().equals(ps.getDisposition())) {
      return List.of();
    }
    return detect(run, ps, StatusChanges.fromStatus(ps));
  }

  List<DetectedRisk> detect(UpgradeRun run, PlannedStack ps, List<ResourceChange> changes) {
    return detector.detect(changes, summary(run, ps.getTemplate()), snapshotParameters(run));
  }

  /** The data risks of a change set as AWS describes it now. */
  List<DetectedRisk> detect(UpgradeRun run, PlannedStack ps, ChangeSetInfo changeSet) {
    return detector.detect(changeSet, summary(run, ps.getTemplate()), snapshotParameters(run));
  }

  static Map<String, String> snapshotParameters(UpgradeRun run) {
    return run.spec.getDataProtection() == null
        ? Map.of()
        : run.spec.getDataProtection().getSnapshotParameters();
  }

  static boolean snapshotBeforeReplace(StackUpgradeSpec spec) {
    return spec.getDataProtection() == null || spec.getDataProtection().isSnapshotBeforeReplace();
  }

  /** The plan in status as the hasher and the step planner read it. */
  List<StackPlan> stackPlans(UpgradeRun run, Plan plan) {
    Map<String, StackInfo> current =
        describeStacks(
            run,
            plan.getStacks().stream()
                .filter(ps -> !Disposition.Skipped.name().equals(ps.getDisposition()))
                .toList());
    List<StackPlan> out = new ArrayList<>();
    for (PlannedStack ps : plan.getStacks()) {
      Disposition d = Disposition.valueOf(ps.getDisposition());
      if (d == Disposition.Skipped) {
        out.add(StackPlan.skipped(ps.getName(), ps.getTemplate()));
        continue;
      }
      ParameterPlan pp = parameterPlan(run, ps, current.get(ps.getName()));
      List<ResourceChange> changes =
          d == Disposition.Changes ? StatusChanges.fromStatus(ps) : List.of();
      List<DetectedRisk> risks = d == Disposition.Changes ? detect(run, ps, changes) : List.of();
      out.add(
          new StackPlan(
              ps.getName(),
              ps.getTemplate(),
              d,
              ps.getChangeSetName(),
              ps.getChangeSetId(),
              pp,
              changes,
              risks));
    }
    return out;
  }

  static PlannedStack planned(Plan plan, String name) {
    if (plan == null) {
      return null;
    }
    return plan.getStacks().stream().filter(p -> name.equals(p.getName())).findFirst().orElse(null);
  }
}
