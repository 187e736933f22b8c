package io.ttes.operator.upgrade;

import static io.ttes.operator.upgrade.UpgradeReasons.CHANGE_SET_FAILED;
import static io.ttes.operator.upgrade.UpgradeReasons.PLANNED;
import static io.ttes.operator.upgrade.UpgradeReasons.PLANNING;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.CreateResult;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.release.ReleaseNote;
import io.ttes.operator.release.RequiredMigration;
import io.ttes.operator.status.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Planning: every stack's parameters are planned and recorded in status.plan first, then one change
 * set per stack in template order (its changes and data risks recorded as it completes); then the
 * recorded plan ({@link UpgradePlan}) is hashed and laid out as steps and migrations. A dry run
 * ends Planned, anything else goes to approval.
 */
final class PlanningPhase {
  private final UpgradeEndings endings;
  private final StackPlanReader reader;
  private final PlanVoider voider;
  private final ApprovalPhase approval;
  private final PlanHasher hasher = new PlanHasher();
  private final UpgradeSteps stepPlanner = new UpgradeSteps();

  PlanningPhase(
      UpgradeEndings endings, StackPlanReader reader, PlanVoider voider, ApprovalPhase approval) {
    this.endings = endings;
    this.reader = reader;
    this.voider = voider;
    this.approval = approval;
  }

  PhaseResult handle(UpgradeRun run) {
    if (!run.validation.ok()) {
      return UpgradeEndings.stalled(run.validation.problems());
    }
    if (!PlanIdentity.stillValid(run)) {
      return voider.voidPlan(run, "the spec changed while planning");
    }
    Plan plan = run.status.getPlan();
    List<PlannedStack> toPlan =
        plan.getStacks().stream()
            .filter(ps -> !Disposition.Skipped.name().equals(ps.getDisposition()))
            .toList();
    if (plan.getFormat() == null) {
      if (toPlan.stream().anyMatch(ps -> ps.getChangeSetId() != null)) {
        // Change sets without recorded parameters: planned by an earlier version of the operator.
        return voider.voidPlan(run, UpgradePlan.EARLIER_LAYOUT);
      }
      List<PlanProblem> problems = planParameters(run, toPlan);
      if (!problems.isEmpty()) {
        return UpgradeEndings.stalled(problems);
      }
      plan.setFormat(UpgradePlan.FORMAT);
    }

    int waiting = 0;
    for (PlannedStack ps : toPlan) {
      if (ps.getDisposition() != null) {
        continue;
      }
      if (ps.getChangeSetId() == null) {
        if (!run.mayMutate()) {
          waiting++;
          continue;
        }
        ParameterPlan pp = reader.withSecrets(run, ps, UpgradePlan.parameters(ps));
        CreateResult created =
            run.services
                .changeSets()
                .create(
                    reader.request(run, ps, ps.getChangeSetName(), pp, ps.getTags(), "planned"));
        ps.setChangeSetId(created.changeSetId());
        if (created.noChanges()) {
          ps.setDisposition(Disposition.NoChanges.name());
          continue;
        }
      }
      Optional<ChangeSetInfo> info =
          run.services.changeSets().describe(ps.getName(), ps.getChangeSetName());
      if (info.isEmpty()) {
        // Gone (deleted by someone): create it again on the next reconcile.
        ps.setChangeSetId(null);
        waiting++;
      } else if (info.get().noChanges()) {
        ps.setDisposition(Disposition.NoChanges.name());
      } else if (info.get().createComplete()) {
        ps.setChangeSetId(info.get().id());
        ps.setDisposition(Disposition.Changes.name());
        ps.setChanges(StatusChanges.toStatus(info.get().changes()));
        UpgradePlan.recordRisks(ps, reader.detect(run, ps, info.get().changes()));
      } else if (info.get().pending()) {
        waiting++;
      } else {
        String message =
            "change set "
                + ps.getChangeSetName()
                + " of stack "
                + ps.getName()
                + " is "
                + info.get().status()
                + ": "
                + info.get().statusReason();
        return endings.fail(run, null, CHANGE_SET_FAILED, message);
      }
    }
    long decided = toPlan.stream().filter(ps -> ps.getDisposition() != null).count();
    if (waiting > 0) {
      return new PhaseResult(
          Outcome.reconciling(
              PLANNING, "planned " + decided + " of " + toPlan.size() + " stacks' change sets"),
          run.mutated ? Duration.ofMillis(1) : endings.config.fastPoll());
    }
    return completePlan(run);
  }

  /**
   * Plans every stack's parameters from the stacks as they are (one DescribeStacks per stack) and
   * records them in the plan, before any change set exists: a missing parameter of the last stack
   * stops the plan before the first stack is touched. Returns the problems, none when recorded.
   */
  private List<PlanProblem> planParameters(UpgradeRun run, List<PlannedStack> toPlan) {
    Map<String, StackInfo> current = reader.describeStacks(run, toPlan);
    Map<String, ParameterPlan> parameters = new LinkedHashMap<>();
    List<PlanProblem> problems = new ArrayList<>();
    for (PlannedStack ps : toPlan) {
      ParameterPlan pp = reader.parameterPlan(run, ps, current.get(ps.getName()));
      parameters.put(ps.getName(), pp);
      problems.addAll(pp.problems());
      problems.addAll(
          SnapshotParameterGuard.check(
              ps.getName(),
              current.get(ps.getName()),
              pp,
              StackPlanReader.snapshotParameters(run),
              Map.of()));
    }
    if (problems.isEmpty()) {
      for (PlannedStack ps : toPlan) {
        UpgradePlan.recordParameters(
            ps,
            parameters.get(ps.getName()),
            reader.summary(run, ps.getTemplate()),
            current.get(ps.getName()));
      }
    }
    return problems;
  }

  /** All change sets are known: hash the plan, lay out the steps, and decide on approval. */
  private PhaseResult completePlan(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    Plan plan = status.getPlan();
    // An empty change set stays on the stack, FAILED, until deleted (and counts against the
    // stack's change sets); a dry run deletes all of its change sets below.
    List<PlannedStack> empty =
        plan.getStacks().stream()
            .filter(ps -> Disposition.NoChanges.name().equals(ps.getDisposition()))
            .filter(ps -> ps.getChangeSetId() != null)
            .toList();
    if (!run.spec.isDryRun() && !empty.isEmpty()) {
      if (!run.mayMutate()) {
        return endings.again(run, "removing the empty change sets");
      }
      PlanVoider.deleteChangeSets(run, empty);
    }
    UpgradePlan typed = UpgradePlan.of(plan);
    List<StackPlan> stackPlans = typed.stacks();
    boolean rollback = RollbackPlanner.isRollback(plan);
    // A rollback runs no migrations: the databases keep what the upgrade's migrations did.
    List<List<String>> specCommands = rollback ? List.of() : StackPlanReader.specCommands(run.spec);
    // The spec's list as it is, then what the release notes between the versions require that it
    // lacks; with spec.migrations.commands [] the user runs migrations by hand.
    List<RequiredMigration> required = run.validation.required();
    List<List<String>> commands =
        specCommands.isEmpty() ? specCommands : RequiredMigration.addedTo(specCommands, required);
    List<UpgradeSteps.Step> steps =
        stepPlanner.steps(
            stackPlans, run.validation.migrationsAfter(), commands, run.name, run.attempt());
    status.setSteps(
        steps.stream()
            .map(UpgradeSteps.Step::toStatus)
            .collect(Collectors.toCollection(ArrayList::new)));
    plan.setMigrations(
        steps.stream()
            .filter(s -> s.kind() == UpgradeSteps.Kind.MIGRATION)
            .map(
                s ->
                    new UpgradePlan.Migration(
                        s.migration(), s.command(), s.stackName(), reasons(s.command(), required)))
            .map(UpgradePlan.Migration::toStatus)
            .collect(Collectors.toCollection(ArrayList::new)));
    plan.setDrift(
        DriftOverwrites.of(
            run.cluster == null ? null : run.cluster.getStatus(), plan, run.target()));
    plan.setHash(
        hasher.hash(
            plan.getGeneration(),
            stackPlans,
            UpgradePlan.addedMigrations(plan, specCommands),
            UpgradeHops.hashed(run)));
    Set<String> declared = new HashSet<>();
    plan.getStacks().forEach(ps -> declared.addAll(UpgradePlan.declared(ps)));
    for (String unused :
        rollback
            ? List.<String>of()
            : ParameterPlanner.unusedGlobalOverrides(run.spec.getParameters(), declared)) {
      endings.events.warning(
          run.resource,
          "UnusedParameter",
          ParameterPlanner.globalField(unused) + ": no planned template declares this parameter");
    }
    long changing = stackPlans.stream().filter(s -> s.disposition() == Disposition.Changes).count();
    endings.events.normal(
        run.resource,
        PLANNED,
        (rollback ? "rollback plan " : "plan ")
            + plan.getHash()
            + (plan.getHop() == null ? "" : " of " + UpgradeHops.hashed(run))
            + ": "
            + changing
            + " of "
            + stackPlans.size()
            + " stacks change"
            + risksSentence(stackPlans)
            + (rollback ? "; " + plan.getNotice() : ""));

    if (run.spec.isDryRun()) {
      if (!run.mayMutate()) {
        return endings.again(run, "removing the dry run's change sets");
      }
      PlanVoider.deleteChangeSets(run, plan.getStacks());
      status.setPhase(UpgradePhase.Planned);
      endings.lock.release(run.ns, run.clusterName(), run.name);
      String message =
          "dry run planned "
              + plan.getHash()
              + ": "
              + changing
              + " of "
              + stackPlans.size()
              + " stacks would change"
              + risksSentence(stackPlans)
              + "; its change sets were removed";
      endings.events.normal(run.resource, PLANNED, message);
      return new PhaseResult(Outcome.ready(PLANNED, message), null);
    }
    status.setPhase(UpgradePhase.AwaitingApproval);
    return approval.handle(run);
  }

  /** The release-note lines that require {@code command}, as {@code version: line}. */
  static List<String> reasons(List<String> command, List<RequiredMigration> required) {
    return required.stream()
        .filter(r -> r.args().equals(command))
        .flatMap(r -> r.notes().stream())
        .map(ReleaseNote::toString)
        .toList();
  }

  private static String risksSentence(List<StackPlan> plans) {
    List<String> risks = new ArrayList<>();
    for (StackPlan p : plans) {
      for (DetectedRisk r : p.dataRisks()) {
        if (r.coveredBy() == null) {
          risks.add(p.name() + "/" + r.logicalId());
        }
      }
    }
    return risks.isEmpty() ? "" : "; data at risk: " + String.join(", ", risks);
  }
}
