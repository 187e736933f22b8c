package io.ttes.operator.upgrade;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.ApprovalMode;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.DataRisk;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Step;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.CreateResult;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.Snapshots.SnapshotState;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.cluster.TTESClusterReconciler;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.Retrying;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import io.ttes.operator.upgrade.UpgradeValidator.Validation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a TTES deployment to a target version (the flow is in docs/architecture.md). A state
 * machine whose state is the status, used as a write-ahead log: what a mutating AWS call is about
 * to do is in the stored status before the call, every name is derived from the upgrade's uid and
 * attempt, and each reconcile first looks at AWS for what may exist already. One reconcile makes at
 * most one mutating step, then patches status and reschedules; nothing here sleeps.
 *
 * <p>Phases: (none) → Pending (invalid spec, cluster not Ready, lock held by another upgrade) →
 * Planning (one change set per stack) → Planned (dry run) | AwaitingApproval (Manual, or a data
 * risk without a snapshot path) → per step Snapshotting → Updating, Migrating → Succeeded | Failed.
 */
@ControllerConfiguration(name = StackUpgradeReconciler.NAME)
public class StackUpgradeReconciler implements Reconciler<StackUpgrade>, Cleaner<StackUpgrade> {
  public static final String NAME = "stackupgrade";
  private static final Logger log = LoggerFactory.getLogger(StackUpgradeReconciler.class);

  // Condition reasons of this kind.
  static final String PLANNING = "Planning";
  static final String PLANNED = "Planned";
  static final String AWAITING_APPROVAL = "AwaitingApproval";
  static final String SNAPSHOTTING = "Snapshotting";
  static final String UPDATING = "Updating";
  static final String MIGRATING = "Migrating";
  static final String SUSPENDED = "Suspended";
  static final String SUCCEEDED = "Succeeded";
  static final String ALREADY_AT_TARGET = "AlreadyAtTarget";
  static final String WAITING_FOR_LOCK = "WaitingForUpgrade";
  static final String ROLLBACK_FAILED = "RollbackFailed";
  static final String SNAPSHOT_FAILED = "SnapshotFailed";
  static final String CHANGE_SET_FAILED = "ChangeSetFailed";

  // Step phases in status.steps[].phase.
  static final String STEP_PENDING = UpgradeSteps.PENDING;
  static final String STEP_SKIPPED = UpgradeSteps.SKIPPED;
  static final String STEP_SNAPSHOTTING = "Snapshotting";
  static final String STEP_UPDATING = "Updating";
  static final String STEP_RUNNING = "Running";
  static final String STEP_SUCCEEDED = "Succeeded";
  static final String STEP_FAILED = "Failed";

  private static final int SUMMARY_CACHE_MAX = 256;

  private final AwsServicesFactory aws;
  private final ConditionWriter conditions;
  private final EventRecorder events;
  private final OperatorConfig config;
  private final OwnedOpsTasks opsTasks;
  private final UpgradeLock lock;
  private final Clock clock;

  private final TemplateOrder order = new TemplateOrder();
  private final UpgradeValidator validator = new UpgradeValidator();
  private final ParameterPlanner planner = new ParameterPlanner();
  private final DataRiskDetector detector = new DataRiskDetector();
  private final PlanHasher hasher = new PlanHasher();
  private final UpgradeSteps stepPlanner = new UpgradeSteps();

  /**
   * Template summaries by URL. A version's published template never changes, so one
   * GetTemplateSummary per template and version is enough; lost on restart, which only costs calls.
   */
  private final Map<String, TemplateSummary> summaries = new ConcurrentHashMap<>();

  private final UpgradeMetrics metrics;

  public StackUpgradeReconciler(
      AwsServicesFactory aws,
      ConditionWriter conditions,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      UpgradeLock lock,
      Clock clock,
      UpgradeMetrics metrics) {
    this.metrics = metrics;
    this.aws = aws;
    this.conditions = conditions;
    this.events = events;
    this.config = config;
    this.opsTasks = opsTasks;
    this.lock = lock;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, StackUpgrade>> prepareEventSources(
      EventSourceContext<StackUpgrade> context) {
    // A migration OpsTask that changes phase wakes its upgrade up; no polling of Kubernetes.
    var tasks = OwnedOpsTasks.informer(context, StackUpgrade.class, "upgrade-opstasks");
    // An upgrade waiting for its cluster (Ready, or the lock released by another upgrade) starts
    // when the cluster changes instead of on its next poll.
    var clusters =
        ClusterEventSources.referencedBy(
            context,
            StackUpgrade.class,
            "upgrade-clusters",
            su ->
                su.getSpec() == null || su.getSpec().getClusterRef() == null
                    ? null
                    : su.getSpec().getClusterRef().getName(),
            su ->
                su.getStatus() == null
                    || su.getStatus().getPhase() == null
                    || su.getStatus().getPhase() == UpgradePhase.Pending);
    return List.of(tasks, clusters);
  }

  /** Everything one reconcile works on. */
  private final class Run {
    StackUpgrade resource;
    final Context<StackUpgrade> context;
    final StackUpgradeStatus status;
    final StackUpgradeSpec spec;
    final String ns;
    final String name;
    final String uid;
    TTESCluster cluster;
    AwsServices services;
    Validation validation;
    boolean mutated;

    Run(StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus status) {
      this.resource = resource;
      this.context = context;
      this.status = status;
      this.spec = resource.getSpec();
      this.ns = resource.getMetadata().getNamespace();
      this.name = resource.getMetadata().getName();
      this.uid = resource.getMetadata().getUid();
    }

    String clusterName() {
      return spec.getClusterRef().getName();
    }

    int attempt() {
      return status.getAttempt() == null ? 1 : status.getAttempt();
    }

    String target() {
      return spec.getTargetVersion();
    }

    /**
     * Whether this reconcile may make a mutating AWS call; when it may, the status as computed so
     * far is stored first (the write-ahead record of what is about to happen).
     */
    boolean mayMutate() {
      if (mutated) {
        return false;
      }
      mutated = true;
      checkpoint();
      return true;
    }

    /** {@link #mayMutate()}, with {@code record} applied to the status first when it may. */
    boolean mayMutateAfter(Runnable record) {
      if (mutated) {
        return false;
      }
      record.run();
      return mayMutate();
    }

    void checkpoint() {
      if (!Objects.equals(resource.getStatus(), status)) {
        StackUpgradeStatus copy = context.getClient().getKubernetesSerialization().clone(status);
        resource = writeStatus(resource, context, copy);
      }
    }
  }

  private StackUpgrade writeStatus(
      StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus next) {
    metrics.observe(resource.getMetadata().getUid(), next.getPhase());
    return StatusUpdates.patch(resource, context, next);
  }

  /** What a reconcile concluded and when to look again (null: on the next event only). */
  private record Result(Outcome outcome, Duration reschedule) {}

  @Override
  public UpdateControl<StackUpgrade> reconcile(StackUpgrade su, Context<StackUpgrade> context) {
    long generation = su.getMetadata().getGeneration();
    StackUpgradeStatus before = su.getStatus();
    Run run = new Run(su, context, StatusUpdates.copyStatus(su, context));
    Result result;
    try {
      result = step(run);
    } catch (SpecProblem p) {
      result = new Result(Outcome.stalled(p.reason(), p.getMessage()), config.slowPoll());
      if (run.status.getPhase() == null) {
        run.status.setPhase(UpgradePhase.Pending);
      }
    } catch (AwsException e) {
      if (e.isRetryable()) {
        throw e;
      }
      result =
          new Result(
              Outcome.stalled(
                  e.kind() == AwsException.Kind.ACCESS_DENIED
                      ? Reasons.ACCESS_DENIED
                      : Reasons.AWS_REJECTED,
                  e.getMessage()),
              config.slowPoll());
    }
    conditions.apply(run.status, generation, result.outcome());
    announce(su, before, result.outcome());
    writeStatus(run.resource, context, run.status);
    return result.reschedule() == null
        ? UpdateControl.noUpdate()
        : UpdateControl.<StackUpgrade>noUpdate().rescheduleAfter(result.reschedule());
  }

  private Result step(Run run) {
    StackUpgradeSpec spec = run.spec;
    if (spec.getClusterRef() == null || isBlank(spec.getClusterRef().getName())) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec.clusterRef.name", "a cluster is required");
    }
    StackUpgradeStatus status = run.status;
    boolean retry = noteRetry(run);
    UpgradePhase phase = status.getPhase();

    if (phase == UpgradePhase.Succeeded) {
      return finished(run);
    }
    if (phase == UpgradePhase.Failed && !retry) {
      return finished(run);
    }

    run.cluster =
        run.context
            .getClient()
            .resources(TTESCluster.class)
            .inNamespace(run.ns)
            .withName(run.clusterName())
            .get();
    if (run.cluster == null) {
      throw new SpecProblem(
          Reasons.CLUSTER_NOT_FOUND,
          "spec.clusterRef.name",
          "TTESCluster " + run.clusterName() + " does not exist in namespace " + run.ns);
    }
    String observed = run.cluster.getStatus() == null ? null : run.cluster.getStatus().getVersion();
    run.validation = validator.validate(spec, run.cluster.getSpec(), observed);

    if (phase == UpgradePhase.Planned) {
      if (planStillValid(run)) {
        return finished(run);
      }
      // A dry run whose spec changed (typically dryRun: false) starts over with fresh names.
      restart(run);
      phase = null;
    }
    if (phase == UpgradePhase.Failed) {
      Result resumed = resume(run);
      if (resumed != null) {
        return resumed;
      }
      phase = status.getPhase();
    }

    if (phase == null || phase == UpgradePhase.Pending) {
      return begin(run, observed);
    }

    Result locked = holdLock(run);
    if (locked != null) {
      return locked;
    }
    run.services = aws.forTarget(TTESClusterReconciler.target(run.cluster.getSpec()));
    return switch (phase) {
      case Planning -> plan(run);
      case AwaitingApproval -> awaitApproval(run);
      case Snapshotting, Updating, Migrating -> execute(run);
      default -> finished(run);
    };
  }

  // ---------------------------------------------------------------- start, lock, finish

  private Result begin(Run run, String observed) {
    StackUpgradeStatus status = run.status;
    status.setPhase(UpgradePhase.Pending);
    Validation v = run.validation;
    if (!v.ok()) {
      return stalled(v.problems());
    }
    boolean holding = run.name.equals(activeUpgrade(run));
    if (!holding && !ConditionWriter.isReady(run.cluster.getStatus(), null)) {
      return new Result(
          Outcome.reconciling(
              Reasons.WAITING_FOR_CLUSTER,
              "waiting for TTESCluster " + run.clusterName() + " to be Ready"),
          config.fastPoll());
    }
    if (v.alreadyAtTarget()) {
      status.setPhase(UpgradePhase.Succeeded);
      status.setFromVersion(observed);
      status.setTargetVersion(run.target());
      lock.release(run.ns, run.clusterName(), run.name);
      events.normal(run.resource, ALREADY_AT_TARGET, v.message());
      return new Result(Outcome.ready(ALREADY_AT_TARGET, v.message()), null);
    }
    Result locked = holdLock(run);
    if (locked != null) {
      return locked;
    }
    if (status.getFromVersion() == null) {
      status.setFromVersion(observed);
    }
    status.setTargetVersion(run.target());
    if (status.getAttempt() == null) {
      status.setAttempt(1);
    }
    status.setPlan(newPlan(run));
    status.setSteps(new ArrayList<>());
    status.setPhase(UpgradePhase.Planning);
    events.normal(
        run.resource,
        PLANNING,
        "planning the upgrade of "
            + run.clusterName()
            + " from "
            + status.getFromVersion()
            + " to "
            + run.target());
    return new Result(
        Outcome.reconciling(PLANNING, "planning " + run.target()), Duration.ofMillis(1));
  }

  /** Takes or confirms the cluster's upgrade lock; a Result when another upgrade holds it. */
  private Result holdLock(Run run) {
    if (run.name.equals(activeUpgrade(run))) {
      return null;
    }
    String holder =
        lock.acquire(run.ns, run.clusterName(), run.name, other -> upgradeAlive(run, other));
    if (run.name.equals(holder)) {
      return null;
    }
    if (run.status.getPhase() == null) {
      run.status.setPhase(UpgradePhase.Pending);
    }
    return new Result(
        Outcome.reconciling(
            WAITING_FOR_LOCK,
            "StackUpgrade "
                + holder
                + " is upgrading cluster "
                + run.clusterName()
                + "; this upgrade starts after it finishes"),
        config.fastPoll());
  }

  private static String activeUpgrade(Run run) {
    return run.cluster.getStatus() == null ? null : run.cluster.getStatus().getActiveUpgrade();
  }

  /** A lock holder that was deleted, or finished without releasing it, no longer holds it. */
  private static boolean upgradeAlive(Run run, String holder) {
    StackUpgrade other =
        run.context
            .getClient()
            .resources(StackUpgrade.class)
            .inNamespace(run.ns)
            .withName(holder)
            .get();
    return other != null
        && other.getMetadata().getDeletionTimestamp() == null
        && (other.getStatus() == null
            || other.getStatus().getPhase() == null
            || !other.getStatus().getPhase().isFinished());
  }

  /** A finished upgrade keeps the outcome it finished with. */
  private Result finished(Run run) {
    var ready = ConditionWriter.find(run.resource.getStatus(), ConditionTypes.READY);
    String reason = ready == null ? run.status.getPhase().name() : ready.getReason();
    String message = ready == null ? run.status.getPhase().name() : ready.getMessage();
    return switch (run.status.getPhase()) {
      // Annotations do not change the generation, so JOSDK sends no event for a new retry value:
      // a failed upgrade looks at its annotations again now and then (no AWS call).
      case Failed ->
          new Result(
              Reasons.STACK_POLICY_DENIED.equals(reason)
                  ? Outcome.stalled(reason, message)
                  : Outcome.failed(reason, message),
              config.slowPoll());
      default -> new Result(Outcome.ready(reason, message), null);
    };
  }

  private Plan newPlan(Run run) {
    Plan plan = new Plan();
    plan.setGeneration(run.resource.getMetadata().getGeneration());
    plan.setSpecDigest(specDigest(run));
    for (StackRef ref : order.sortStacks(run.cluster.getSpec().getStacks())) {
      PlannedStack ps = new PlannedStack();
      ps.setName(ref.getName());
      ps.setTemplate(ref.getTemplate());
      boolean skip =
          UpgradeValidator.overrideOf(run.spec, ref.getName())
              .map(StackUpgradeSpec.StackOverride::isSkip)
              .orElse(false);
      if (skip) {
        ps.setDisposition(Disposition.Skipped.name());
      } else {
        ps.setChangeSetName(Names.changeSetName(run.uid, ref.getTemplate(), run.attempt(), false));
      }
      plan.getStacks().add(ps);
    }
    return plan;
  }

  /**
   * The spec without approvedPlan and suspend: approving or pausing an upgrade must not void the
   * plan it approves, any other edit must.
   */
  private static String specDigest(Run run) {
    var serialization = run.context.getClient().getKubernetesSerialization();
    StackUpgradeSpec copy = serialization.clone(run.spec);
    copy.setApprovedPlan(null);
    copy.setSuspend(false);
    return Digests.sha256Hex(serialization.asJson(copy), 16);
  }

  private static boolean planStillValid(Run run) {
    Plan plan = run.status.getPlan();
    return plan != null && Objects.equals(plan.getSpecDigest(), specDigest(run));
  }

  /**
   * Forgets the plan so that the upgrade plans again from the start with the next attempt's names
   * (an earlier change set of the same name could still exist while CloudFormation deletes it).
   */
  private void restart(Run run) {
    StackUpgradeStatus status = run.status;
    status.setAttempt(run.attempt() + 1);
    status.setPlan(null);
    status.setSteps(new ArrayList<>());
    status.setPhase(null);
  }

  // ---------------------------------------------------------------- retry

  /** Notes a new ops.ttes.io/retry value; true when it asks to retry this failed upgrade. */
  private static boolean noteRetry(Run run) {
    Map<String, String> annotations = run.resource.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(ApiGroup.RETRY_ANNOTATION);
    if (token == null || token.equals(run.status.getRetryToken())) {
      return false;
    }
    run.status.setRetryToken(token);
    return run.status.getPhase() == UpgradePhase.Failed;
  }

  /**
   * Retries a failed upgrade from its failed step with the next attempt (new change set, snapshot
   * and OpsTask names). Returns a Result when the retry cannot go on yet.
   */
  private Result resume(Run run) {
    StackUpgradeStatus status = run.status;
    Step failed =
        status.getSteps().stream()
            .filter(s -> STEP_FAILED.equals(s.getPhase()))
            .findFirst()
            .orElse(null);
    status.setAttempt(run.attempt() + 1);
    if (failed == null || !planStillValid(run)) {
      // Failed while planning, or the spec changed since: plan again.
      status.setPlan(null);
      status.setSteps(new ArrayList<>());
      status.setPhase(null);
      events.normal(run.resource, "RetryRequested", "retry: planning again");
      return null;
    }
    failed.setPhase(STEP_PENDING);
    failed.setChangeSetId(null);
    failed.setSnapshot(null);
    failed.setOpsTask(null);
    failed.setStartedAt(null);
    failed.setFinishedAt(null);
    failed.setMessage("retry requested (attempt " + run.attempt() + ")");
    status.setPhase(UpgradePhase.Updating);
    events.normal(
        run.resource,
        "RetryRequested",
        "retry: resuming at step " + failed.getName() + " (attempt " + run.attempt() + ")");
    return null;
  }

  // ---------------------------------------------------------------- planning

  private Result plan(Run run) {
    StackUpgradeStatus status = run.status;
    if (!run.validation.ok()) {
      return stalled(run.validation.problems());
    }
    if (!planStillValid(run)) {
      return voidPlan(run, "the spec changed while planning");
    }
    Plan plan = status.getPlan();
    List<PlannedStack> toPlan =
        plan.getStacks().stream()
            .filter(ps -> !Disposition.Skipped.name().equals(ps.getDisposition()))
            .toList();
    Map<String, StackInfo> current = describeStacks(run, toPlan);
    // Every stack's parameters are planned before any change set exists, so a missing parameter
    // of the last stack stops the plan before the first stack is touched.
    Map<String, ParameterPlan> parameters = new LinkedHashMap<>();
    List<PlanProblem> problems = new ArrayList<>();
    for (PlannedStack ps : toPlan) {
      ParameterPlan pp = parameterPlan(run, ps, current.get(ps.getName()));
      parameters.put(ps.getName(), pp);
      problems.addAll(pp.problems());
      problems.addAll(
          SnapshotParameterGuard.check(
              ps.getName(), current.get(ps.getName()), pp, snapshotParameters(run), Map.of()));
    }
    if (!problems.isEmpty()) {
      return stalled(problems);
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
        CreateResult created =
            run.services
                .changeSets()
                .create(
                    request(
                        run,
                        ps,
                        current.get(ps.getName()),
                        ps.getChangeSetName(),
                        parameters.get(ps.getName()),
                        "planned"));
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
        ps.setChanges(toStatusChanges(info.get().changes()));
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
        return fail(run, null, CHANGE_SET_FAILED, message);
      }
    }
    long decided = toPlan.stream().filter(ps -> ps.getDisposition() != null).count();
    if (waiting > 0) {
      return new Result(
          Outcome.reconciling(
              PLANNING, "planned " + decided + " of " + toPlan.size() + " stacks' change sets"),
          run.mutated ? Duration.ofMillis(1) : config.fastPoll());
    }
    return completePlan(run);
  }

  /** All change sets are known: hash the plan, lay out the steps, and decide on approval. */
  private Result completePlan(Run run) {
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
        return again(run, "removing the empty change sets");
      }
      deleteChangeSets(run, empty);
    }
    List<StackPlan> stackPlans = stackPlans(run, plan);
    plan.setHash(hasher.hash(plan.getGeneration(), stackPlans));
    List<PlannedStack> shown = new ArrayList<>();
    for (int i = 0; i < stackPlans.size(); i++) {
      PlannedStack ps = stackPlans.get(i).toStatus(Map.of());
      ps.setChangeSetId(plan.getStacks().get(i).getChangeSetId());
      shown.add(ps);
    }
    plan.setStacks(shown);
    status.setSteps(
        stepPlanner
            .steps(
                stackPlans,
                run.validation.migrationsAfter(),
                run.spec.getMigrations() == null ? null : run.spec.getMigrations().getCommands(),
                run.name,
                run.attempt())
            .stream()
            .map(UpgradeSteps.Step::toStatus)
            .collect(Collectors.toCollection(ArrayList::new)));
    List<TemplateSummary> templates =
        stackPlans.stream()
            .filter(s -> s.disposition() != Disposition.Skipped)
            .map(s -> summary(run, s.template()))
            .toList();
    for (String unused :
        ParameterPlanner.unusedGlobalOverrides(run.spec.getParameters(), templates)) {
      events.warning(
          run.resource,
          "UnusedParameter",
          ParameterPlanner.globalField(unused) + ": no planned template declares this parameter");
    }
    long changing = stackPlans.stream().filter(s -> s.disposition() == Disposition.Changes).count();
    events.normal(
        run.resource,
        PLANNED,
        "plan "
            + plan.getHash()
            + ": "
            + changing
            + " of "
            + stackPlans.size()
            + " stacks change"
            + risksSentence(stackPlans));

    if (run.spec.isDryRun()) {
      if (!run.mayMutate()) {
        return again(run, "removing the dry run's change sets");
      }
      deleteChangeSets(run, plan.getStacks());
      status.setPhase(UpgradePhase.Planned);
      lock.release(run.ns, run.clusterName(), run.name);
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
      events.normal(run.resource, PLANNED, message);
      return new Result(Outcome.ready(PLANNED, message), null);
    }
    status.setPhase(UpgradePhase.AwaitingApproval);
    return awaitApproval(run);
  }

  private Result awaitApproval(Run run) {
    StackUpgradeStatus status = run.status;
    if (!run.validation.ok()) {
      return stalled(run.validation.problems());
    }
    if (!planStillValid(run)) {
      return voidPlan(run, "the spec changed before the plan was approved");
    }
    Plan plan = status.getPlan();
    List<String> unprotected = new ArrayList<>();
    boolean protect = snapshotBeforeReplace(run.spec);
    for (PlannedStack ps : plan.getStacks()) {
      if (!Disposition.Changes.name().equals(ps.getDisposition())) {
        continue;
      }
      for (DetectedRisk r : risks(run, ps)) {
        if (r.needsApproval() || (!protect && r.needsSnapshot())) {
          unprotected.add(
              ps.getName()
                  + ": "
                  + r.resourceType()
                  + " "
                  + r.logicalId()
                  + " ("
                  + (r.replacement() == null ? r.action() : "replacement " + r.replacement())
                  + (r.needsApproval() ? ", no snapshot parameter" : ", protection off")
                  + ")");
        }
      }
    }
    boolean approved = plan.getHash().equals(run.spec.getApprovedPlan());
    boolean manual = run.spec.getApproval() == ApprovalMode.Manual;
    if (approved || (!manual && unprotected.isEmpty())) {
      status.setPhase(UpgradePhase.Updating);
      events.normal(
          run.resource,
          "Executing",
          "executing plan " + plan.getHash() + (approved ? " (approved)" : " (automatic)"));
      return execute(run);
    }
    StringBuilder message = new StringBuilder("waiting for approval: set spec.approvedPlan to ");
    message.append(plan.getHash());
    if (!isBlank(run.spec.getApprovedPlan())) {
      message
          .append(" (spec.approvedPlan ")
          .append(run.spec.getApprovedPlan())
          .append(" is not the current plan)");
    }
    if (!unprotected.isEmpty()) {
      message.append("; data at risk without a snapshot: ").append(String.join("; ", unprotected));
    }
    status.getSteps().stream()
        .map(Step::getMessage)
        .filter(m -> m != null && m.startsWith(PlanDrift.PREFIX))
        .forEach(m -> message.append("; ").append(m));
    if (run.resource.getStatus() == null
        || run.resource.getStatus().getPhase() != UpgradePhase.AwaitingApproval) {
      events.normal(run.resource, AWAITING_APPROVAL, message.toString());
    }
    return new Result(Outcome.reconciling(AWAITING_APPROVAL, message.toString()), null);
  }

  /**
   * Drops a plan the spec no longer matches: its unexecuted change sets are deleted and the upgrade
   * plans again with the next attempt's names.
   */
  private Result voidPlan(Run run, String why) {
    if (!run.mayMutate()) {
      return new Result(
          Outcome.reconciling(PLANNING, why + "; planning again"), Duration.ofMillis(1));
    }
    Set<String> executed =
        run.status.getSteps().stream()
            .filter(s -> s.getChangeSetId() != null)
            .map(Step::getName)
            .collect(Collectors.toSet());
    if (run.status.getPlan() != null) {
      deleteChangeSets(
          run,
          run.status.getPlan().getStacks().stream()
              .filter(ps -> !executed.contains(ps.getName()))
              .toList());
    }
    restart(run);
    events.normal(run.resource, "PlanVoided", why + ": the plan is void, planning again");
    return new Result(
        Outcome.reconciling(PLANNING, why + "; planning again"), Duration.ofMillis(1));
  }

  private void deleteChangeSets(Run run, List<PlannedStack> stacks) {
    for (PlannedStack ps : stacks) {
      if (ps.getChangeSetName() != null
          && !Disposition.Skipped.name().equals(ps.getDisposition())) {
        run.services.changeSets().delete(ps.getName(), ps.getChangeSetName());
      }
    }
  }

  private List<StackPlan> stackPlans(Run run, Plan plan) {
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
      List<ResourceChange> changes = d == Disposition.Changes ? fromStatusChanges(ps) : List.of();
      List<DetectedRisk> risks =
          d == Disposition.Changes
              ? detector.detect(changes, summary(run, ps.getTemplate()), snapshotParameters(run))
              : List.of();
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

  // ---------------------------------------------------------------- execution

  private Result execute(Run run) {
    StackUpgradeStatus status = run.status;
    Plan plan = status.getPlan();
    for (Step rec : status.getSteps()) {
      if (STEP_SUCCEEDED.equals(rec.getPhase()) || STEP_SKIPPED.equals(rec.getPhase())) {
        continue;
      }
      boolean inFlight = inFlight(rec);
      if (!inFlight) {
        // Between steps: the spec may have changed, or the user may have paused the upgrade.
        if (!run.validation.ok()) {
          return stalled(run.validation.problems());
        }
        if (!planStillValid(run)) {
          return voidPlan(run, "the spec changed during the upgrade (after the running step)");
        }
        if (run.spec.isSuspend()) {
          // Not finished and not failed: kstatus InProgress (Argo CD shows it as Suspended).
          return new Result(
              Outcome.reconciling(
                  SUSPENDED,
                  "suspended before step "
                      + rec.getName()
                      + "; set spec.suspend to false to continue"),
              null);
        }
      }
      if (run.mutated) {
        return new Result(
            Outcome.reconciling(phaseReason(status), "continuing with step " + rec.getName()),
            Duration.ofMillis(1));
      }
      PlannedStack ps = planned(plan, rec.getName());
      Result r =
          ps != null
              ? stackStep(run, rec, ps)
              : migrationStep(run, rec, migrationIndex(status, rec));
      if (r != null) {
        return r;
      }
    }
    status.setPhase(UpgradePhase.Succeeded);
    lock.release(run.ns, run.clusterName(), run.name);
    long stacks =
        status.getSteps().stream()
            .filter(s -> planned(plan, s.getName()) != null && s.getChangeSetId() != null)
            .count();
    String message =
        "upgraded "
            + run.clusterName()
            + " from "
            + status.getFromVersion()
            + " to "
            + run.target()
            + ": "
            + stacks
            + " stacks updated";
    events.normal(run.resource, SUCCEEDED, message);
    summaries.clear();
    return new Result(Outcome.ready(SUCCEEDED, message), null);
  }

  /** A step whose AWS or OpsTask work was started and must finish before anything else. */
  private static boolean inFlight(Step rec) {
    return (STEP_UPDATING.equals(rec.getPhase()) && rec.getChangeSetId() != null)
        || (STEP_RUNNING.equals(rec.getPhase()) && rec.getOpsTask() != null);
  }

  private String phaseReason(StackUpgradeStatus status) {
    return status.getPhase() == null ? PLANNING : status.getPhase().name();
  }

  /** Returns null when the step is done and the next one may start. */
  private Result stackStep(Run run, Step rec, PlannedStack ps) {
    StackUpgradeStatus status = run.status;
    String stack = ps.getName();
    if (STEP_PENDING.equals(rec.getPhase())) {
      rec.setStartedAt(now());
      rec.setPhase(STEP_UPDATING);
      rec.setMessage("started");
      events.normal(run.resource, "StepStarted", "updating stack " + stack);
    }
    if (rec.getChangeSetId() == null) {
      Result prepared = prepareChangeSet(run, rec, ps);
      if (prepared != null) {
        return prepared;
      }
      if (STEP_SUCCEEDED.equals(rec.getPhase())) {
        return null;
      }
    }
    ChangeSets changeSets = run.services.changeSets();
    Optional<ChangeSetInfo> info = changeSets.describe(stack, ps.getChangeSetName());
    if (rec.getChangeSetId() == null) {
      if (info.isEmpty()) {
        return again(run, "looking for change set " + ps.getChangeSetName());
      }
      // Write-ahead: the stored status says which change set is being executed before AWS hears.
      if (!run.mayMutateAfter(
          () -> {
            rec.setChangeSetId(info.get().id());
            rec.setPhase(STEP_UPDATING);
            rec.setMessage("executing change set " + ps.getChangeSetName());
            status.setPhase(UpgradePhase.Updating);
          })) {
        return again(run, "about to execute change set " + ps.getChangeSetName());
      }
      try {
        changeSets.execute(stack, ps.getChangeSetName());
      } catch (AwsException e) {
        if (e.kind() != AwsException.Kind.INVALID_INPUT) {
          throw e;
        }
        rec.setChangeSetId(null);
        StackInfo busy = run.services.stacks().describe(List.of(stack)).get(stack);
        if (busy != null && busy.inProgress()) {
          // Not yet updatable (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, ...): the change set stays.
          return new Result(
              Outcome.reconciling(
                  UPDATING, "stack " + stack + " is " + busy.status() + "; waiting to update it"),
              config.fastPoll());
        }
        // AWS no longer accepts the planned change set (an earlier stack changed what it reads).
        ps.setChangeSetName(justInTimeName(run, ps, rec));
        rec.setMessage("re-planned just in time: " + e.getMessage());
        return again(run, rec.getMessage());
      }
      return new Result(
          Outcome.reconciling(UPDATING, "executing change set " + ps.getChangeSetName()),
          config.fastPoll());
    }
    if (info.isPresent() && "AVAILABLE".equals(info.get().executionStatus())) {
      // The execute call recorded in status never reached AWS (crash in between): send it now.
      if (!run.mayMutate()) {
        return again(run, "executing change set " + ps.getChangeSetName());
      }
      changeSets.execute(stack, ps.getChangeSetName());
      return new Result(
          Outcome.reconciling(UPDATING, "executing change set " + ps.getChangeSetName()),
          config.fastPoll());
    }
    StackInfo now = run.services.stacks().describe(List.of(stack)).get(stack);
    if (now == null) {
      return fail(run, rec, Reasons.STACK_NOT_FOUND, "stack " + stack + " no longer exists");
    }
    if (now.inProgress()
        || (info.isPresent() && "EXECUTE_IN_PROGRESS".equals(info.get().executionStatus()))) {
      status.setPhase(UpgradePhase.Updating);
      rec.setMessage("stack " + stack + " is " + now.status());
      return new Result(
          Outcome.reconciling(UPDATING, "stack " + stack + " is " + now.status()),
          config.fastPoll());
    }
    switch (now.status()) {
      case "UPDATE_COMPLETE" -> {
        rec.setPhase(STEP_SUCCEEDED);
        rec.setFinishedAt(now());
        rec.setMessage(
            ps.getChangeSetName().equals(justInTimeName(run, ps, rec))
                ? "updated with change set " + ps.getChangeSetName() + ", re-planned just in time"
                : "updated");
        events.normal(run.resource, "StepSucceeded", "stack " + stack + " updated");
        return null;
      }
      case "UPDATE_ROLLBACK_COMPLETE" -> {
        Optional<StackFailure> why = failure(run, stack);
        if (why.isPresent() && why.get().deniedByStackPolicy()) {
          Result failed =
              fail(run, rec, Reasons.STACK_POLICY_DENIED, why.get().policyDenial(stack));
          return new Result(
              Outcome.stalled(failed.outcome().reason(), failed.outcome().message()),
              failed.reschedule());
        }
        return fail(
            run,
            rec,
            Reasons.STACK_FAILED,
            "stack " + stack + " rolled back: " + firstFailure(run, stack, rec));
      }
      case "UPDATE_ROLLBACK_FAILED" -> {
        rec.setMessage("UPDATE_ROLLBACK_FAILED: " + firstFailure(run, stack, rec));
        return new Result(
            Outcome.stalled(
                ROLLBACK_FAILED,
                "stack "
                    + stack
                    + " is UPDATE_ROLLBACK_FAILED ("
                    + firstFailure(run, stack, rec)
                    + "); a person must continue the rollback (aws cloudformation"
                    + " continue-update-rollback --stack-name "
                    + stack
                    + ", skipping resources that cannot roll back) before the upgrade can be"
                    + " retried"),
            config.slowPoll());
      }
      default -> {
        return fail(
            run,
            rec,
            Reasons.STACK_FAILED,
            "stack "
                + stack
                + " ended in "
                + now.status()
                + (now.statusReason() == null ? "" : " (" + now.statusReason() + ")"));
      }
    }
  }

  /**
   * Makes sure the change set this step executes exists and is ready: snapshots first when the
   * change set would replace data, then a change set carrying the snapshot parameter; a change set
   * AWS no longer accepts is re-planned just in time. Returns null when the change set named in
   * {@code ps} can be executed (or the step turned out to have nothing to do).
   */
  private Result prepareChangeSet(Run run, Step rec, PlannedStack ps) {
    StackUpgradeStatus status = run.status;
    String stack = ps.getName();
    List<DetectedRisk> risks = risks(run, ps);
    List<DetectedRisk> toSnapshot =
        snapshotBeforeReplace(run.spec)
            ? risks.stream().filter(DetectedRisk::needsSnapshot).toList()
            : List.of();
    Map<String, String> snapshotValues = new LinkedHashMap<>();
    if (!toSnapshot.isEmpty()) {
      Map<String, String> names = new LinkedHashMap<>();
      for (DetectedRisk r : toSnapshot) {
        names.put(
            r.logicalId(),
            Names.snapshotName(r.kind(), run.uid, ps.getTemplate(), r.logicalId(), run.attempt()));
      }
      rec.setSnapshot(String.join(",", names.values()));
      for (int i = 0; i < risks.size() && i < ps.getDataRisks().size(); i++) {
        DetectedRisk r = risks.get(i);
        DataRisk shown = ps.getDataRisks().get(i);
        shown.setSnapshot(names.get(r.coveredBy() != null ? r.coveredBy() : r.logicalId()));
      }
      // Write-ahead: the snapshot names are stored before the first ensure. Ensure is idempotent
      // by name and after the first call only reports the state, so it is the poll as well and
      // does not use up this reconcile's one mutating step.
      run.checkpoint();
      for (DetectedRisk r : toSnapshot) {
        String snapshot = names.get(r.logicalId());
        SnapshotState state =
            run.services
                .snapshots()
                .ensure(new Snapshots.SnapshotRequest(r.kind(), r.physicalId(), snapshot));
        if (state.status() == Snapshots.Status.FAILED) {
          return fail(
              run,
              rec,
              SNAPSHOT_FAILED,
              "snapshot "
                  + snapshot
                  + " of "
                  + r.physicalId()
                  + " failed"
                  + (state.message() == null ? "" : ": " + state.message()));
        }
        if (state.status() != Snapshots.Status.AVAILABLE) {
          boolean first = status.getPhase() != UpgradePhase.Snapshotting;
          status.setPhase(UpgradePhase.Snapshotting);
          rec.setPhase(STEP_SNAPSHOTTING);
          rec.setMessage("waiting for snapshot " + snapshot + " to be available");
          if (first) {
            events.normal(
                run.resource, "SnapshotStarted", "snapshot " + snapshot + " of " + r.physicalId());
          }
          return new Result(Outcome.reconciling(SNAPSHOTTING, rec.getMessage()), config.fastPoll());
        }
        snapshotValues.put(r.snapshotParameter(), state.parameterValue());
      }
      if (STEP_SNAPSHOTTING.equals(rec.getPhase())) {
        events.normal(
            run.resource, "SnapshotAvailable", "snapshot " + rec.getSnapshot() + " available");
      }
      rec.setPhase(STEP_UPDATING);
      status.setPhase(UpgradePhase.Updating);
    }

    String wanted = ps.getChangeSetName();
    String plain = Names.changeSetName(run.uid, ps.getTemplate(), run.attempt(), false);
    String withSnapshot = Names.changeSetName(run.uid, ps.getTemplate(), run.attempt(), true);
    String jit = justInTimeName(run, ps, rec);
    boolean snap = !toSnapshot.isEmpty();
    if (!wanted.equals(jit) && !wanted.equals(snap ? withSnapshot : plain)) {
      // A retry (new attempt) or the snapshot-carrying variant: a new change set is needed.
      wanted = snap ? withSnapshot : plain;
      ps.setChangeSetName(wanted);
    }
    Optional<ChangeSetInfo> info = run.services.changeSets().describe(stack, wanted);
    if (info.isEmpty()) {
      if (!run.mayMutate()) {
        return again(run, "creating change set " + wanted);
      }
      StackInfo current = run.services.stacks().describe(List.of(stack)).get(stack);
      ParameterPlan pp = parameterPlan(run, ps, current);
      if (!pp.ok()) {
        return stalled(pp.problems());
      }
      for (Map.Entry<String, String> e : snapshotValues.entrySet()) {
        pp = pp.with(e.getKey(), e.getValue());
      }
      List<PlanProblem> sticky =
          SnapshotParameterGuard.check(stack, current, pp, snapshotParameters(run), snapshotValues);
      if (!sticky.isEmpty()) {
        return stalled(sticky);
      }
      CreateResult created =
          run.services.changeSets().create(request(run, ps, current, wanted, pp, "executed"));
      ps.setChangeSetId(created.changeSetId());
      if (created.noChanges()) {
        return nothingToDo(run, rec, wanted);
      }
      return new Result(
          Outcome.reconciling(UPDATING, "waiting for change set " + wanted), config.fastPoll());
    }
    ChangeSetInfo cs = info.get();
    if (cs.pending()) {
      return new Result(
          Outcome.reconciling(UPDATING, "waiting for change set " + wanted), config.fastPoll());
    }
    if (cs.noChanges()) {
      if (!run.mayMutate()) {
        return again(run, "removing empty change set " + wanted);
      }
      run.services.changeSets().delete(stack, wanted);
      return nothingToDo(run, rec, wanted);
    }
    if (!cs.createComplete()) {
      return fail(
          run,
          rec,
          CHANGE_SET_FAILED,
          "change set " + wanted + " is " + cs.status() + ": " + cs.statusReason());
    }
    ExecutionReadiness readiness = ExecutionReadiness.of(cs);
    if (readiness == ExecutionReadiness.WAIT) {
      return new Result(
          Outcome.reconciling(UPDATING, ExecutionReadiness.waiting(cs)), config.fastPoll());
    }
    if (readiness == ExecutionReadiness.EXECUTED) {
      rec.setChangeSetId(cs.id());
      return again(run, "change set " + wanted + " was executed already");
    }
    if (readiness == ExecutionReadiness.REPLAN) {
      if (wanted.equals(jit)) {
        return fail(
            run,
            rec,
            CHANGE_SET_FAILED,
            "change set " + wanted + " cannot be executed (" + cs.executionStatus() + ")");
      }
      ps.setChangeSetName(jit);
      rec.setMessage(
          "re-planned just in time: change set "
              + wanted
              + " is "
              + cs.executionStatus()
              + " (an earlier stack changed what it reads)");
      events.normal(
          run.resource, "ReplannedJustInTime", "stack " + stack + ": " + rec.getMessage());
      return again(run, rec.getMessage());
    }
    if (wanted.equals(jit)) {
      // Never execute what was not planned: a re-planned change set may not touch data the
      // reviewed plan left alone.
      Set<String> planned = risks.stream().map(DetectedRisk::logicalId).collect(Collectors.toSet());
      List<String> unplanned =
          detector.detect(cs, summary(run, ps.getTemplate()), snapshotParameters(run)).stream()
              .map(DetectedRisk::logicalId)
              .filter(id -> !planned.contains(id))
              .toList();
      if (!unplanned.isEmpty()) {
        return fail(
            run,
            rec,
            CHANGE_SET_FAILED,
            "the change set re-planned just in time for stack "
                + stack
                + " would replace or remove "
                + unplanned
                + ", which the reviewed plan did not; review and retry");
      }
      Optional<String> drift = PlanDrift.between(fromStatusChanges(ps), cs.changes());
      if (drift.isPresent()) {
        return planChanged(run, rec, ps, cs, drift.get());
      }
    }
    return null;
  }

  /**
   * A change set re-planned just in time changes other things than the approved plan: the plan
   * takes its changes and a new hash. A Manual upgrade waits for the new hash to be approved; an
   * Automatic one records it with an event and goes on. Returns null when execution may go on.
   */
  private Result planChanged(Run run, Step rec, PlannedStack ps, ChangeSetInfo cs, String drift) {
    Plan plan = run.status.getPlan();
    String before = plan.getHash();
    ps.setChanges(toStatusChanges(cs.changes()));
    plan.setHash(hasher.hash(plan.getGeneration(), stackPlans(run, plan)));
    String what = "stack " + ps.getName() + ": " + drift;
    rec.setMessage(PlanDrift.PREFIX + what);
    boolean manual = run.spec.getApproval() == ApprovalMode.Manual;
    String message = PlanDrift.message(before, what, plan.getHash(), manual);
    events.normal(run.resource, Reasons.PLAN_CHANGED, message);
    if (manual) {
      run.status.setPhase(UpgradePhase.AwaitingApproval);
      return new Result(Outcome.reconciling(AWAITING_APPROVAL, message), null);
    }
    return null;
  }

  private Result nothingToDo(Run run, Step rec, String changeSet) {
    rec.setPhase(STEP_SUCCEEDED);
    rec.setFinishedAt(now());
    rec.setMessage(
        Objects.toString(rec.getMessage(), "").startsWith("re-planned just in time")
            ? "re-planned just in time: change set " + changeSet + " has no changes"
            : "change set " + changeSet + " has no changes");
    return null;
  }

  private static String justInTimeName(Run run, PlannedStack ps, Step rec) {
    return Names.changeSetName(
        run.uid, ps.getTemplate() + "-jit", run.attempt(), rec.getSnapshot() != null);
  }

  private Result migrationStep(Run run, Step rec, int n) {
    StackUpgradeStatus status = run.status;
    List<List<String>> commands = run.spec.getMigrations().getCommands();
    if (n < 1 || n > commands.size()) {
      return voidPlan(run, "the migrations changed");
    }
    List<String> command = commands.get(n - 1);
    boolean starting = STEP_PENDING.equals(rec.getPhase());
    String taskName =
        starting || rec.getOpsTask() == null
            ? Names.migrationTaskName(run.name, run.attempt(), n, command)
            : rec.getOpsTask();
    OpsTask task =
        run.context
            .getSecondaryResourcesAsStream(OpsTask.class)
            .filter(t -> taskName.equals(t.getMetadata().getName()))
            .findFirst()
            .orElse(null);
    if (task == null) {
      if (starting) {
        rec.setStartedAt(now());
        events.normal(
            run.resource,
            "StepStarted",
            "migration " + String.join(" ", command) + " started as OpsTask " + taskName);
      }
      // Write-ahead: the OpsTask's name is in status before it is created.
      rec.setOpsTask(taskName);
      rec.setPhase(STEP_RUNNING);
      status.setPhase(UpgradePhase.Migrating);
      if (!run.mayMutate()) {
        return again(run, "starting migration " + rec.getName());
      }
      task =
          opsTasks.ensure(
              run.resource,
              new OwnedOpsTasks.Request(
                  run.ns,
                  taskName,
                  run.clusterName(),
                  command,
                  List.of(),
                  null,
                  Map.of("ops.ttes.io/upgrade-migration", String.valueOf(n))));
    }
    rec.setOpsTask(taskName);
    status.setPhase(UpgradePhase.Migrating);
    OpsTaskPhase phase = task.getStatus() == null ? null : task.getStatus().getPhase();
    if (phase == OpsTaskPhase.Succeeded) {
      rec.setPhase(STEP_SUCCEEDED);
      rec.setFinishedAt(now());
      rec.setMessage("done");
      events.normal(
          run.resource, "StepSucceeded", "migration " + String.join(" ", command) + " done");
      return null;
    }
    if (phase == OpsTaskPhase.Failed) {
      return fail(
          run,
          rec,
          Reasons.STEP_FAILED,
          "migration "
              + String.join(" ", command)
              + " (OpsTask "
              + taskName
              + ") failed: "
              + taskFailure(task));
    }
    rec.setPhase(STEP_RUNNING);
    rec.setMessage(
        task.getStatus() == null || task.getStatus().getMessage() == null
            ? "OpsTask " + taskName + " " + (phase == null ? "created" : phase.name().toLowerCase())
            : task.getStatus().getMessage());
    // The OpsTask informer wakes this up when the task moves; the reschedule is a safety net.
    return new Result(
        Outcome.reconciling(MIGRATING, "migration " + String.join(" ", command) + " is running"),
        config.slowPoll());
  }

  private static int migrationIndex(StackUpgradeStatus status, Step rec) {
    // Step names are migrate-<n>-<command>.
    String[] parts = rec.getName().split("-", 3);
    try {
      return parts.length >= 2 && "migrate".equals(parts[0]) ? Integer.parseInt(parts[1]) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String taskFailure(OpsTask task) {
    var s = task.getStatus();
    String base =
        "exit code " + s.getExitCode() + (s.getReason() == null ? "" : " (" + s.getReason() + ")");
    // The OpsTask masked secret values in its log tail already.
    String tail = s.getLogTail();
    if (tail == null || tail.isBlank()) {
      return base;
    }
    String[] lines = tail.strip().split("\n");
    return base + ": " + lines[lines.length - 1];
  }

  /** What explains the failure of the stack's latest update (see {@link StackFailure}). */
  private String firstFailure(Run run, String stack, Step rec) {
    return failure(run, stack).map(StackFailure::describe).orElse("no failed stack event found");
  }

  private static Optional<StackFailure> failure(Run run, String stack) {
    return StackFailure.of(stack, run.services.stacks().eventsOfLatestUpdate(stack));
  }

  private Result fail(Run run, Step rec, String reason, String message) {
    if (rec != null) {
      rec.setPhase(STEP_FAILED);
      rec.setFinishedAt(now());
      rec.setMessage(message);
    }
    run.status.setPhase(UpgradePhase.Failed);
    lock.release(run.ns, run.clusterName(), run.name);
    String full =
        (rec == null ? "" : "step " + rec.getName() + " failed: ")
            + message
            + "; annotate with "
            + ApiGroup.RETRY_ANNOTATION
            + "=<new value> to retry";
    events.warning(run.resource, reason, full);
    log.warn("upgrade {}/{} failed: {}", run.ns, run.name, full);
    return new Result(Outcome.failed(reason, full), config.slowPoll());
  }

  private Result again(Run run, String message) {
    return new Result(Outcome.reconciling(phaseReason(run.status), message), Duration.ofMillis(1));
  }

  private static Result stalled(List<PlanProblem> problems) {
    String message = problems.stream().map(PlanProblem::describe).collect(Collectors.joining("; "));
    return new Result(Outcome.stalled(problems.get(0).reason(), message), null);
  }

  // ---------------------------------------------------------------- planning helpers

  private Map<String, StackInfo> describeStacks(Run run, List<PlannedStack> stacks) {
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

  private ParameterPlan parameterPlan(Run run, PlannedStack ps, StackInfo current) {
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

  private TemplateSummary summary(Run run, String template) {
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

  static String templateUrl(TTESClusterSpec cluster, String version, String template) {
    String pattern =
        cluster.getTemplates() == null || cluster.getTemplates().getUrlPattern() == null
            ? TTESClusterSpec.DEFAULT_URL_PATTERN
            : cluster.getTemplates().getUrlPattern();
    return pattern.replace("{version}", version).replace("{template}", template);
  }

  private ChangeSetRequest request(
      Run run,
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

  private List<DetectedRisk> risks(Run run, PlannedStack ps) {
    if (!Disposition.Changes.name().equals(ps.getDisposition())) {
      return List.of();
    }
    return detector.detect(
        fromStatusChanges(ps), summary(run, ps.getTemplate()), snapshotParameters(run));
  }

  private static Map<String, String> snapshotParameters(Run run) {
    return run.spec.getDataProtection() == null
        ? Map.of()
        : run.spec.getDataProtection().getSnapshotParameters();
  }

  private static boolean snapshotBeforeReplace(StackUpgradeSpec spec) {
    return spec.getDataProtection() == null || spec.getDataProtection().isSnapshotBeforeReplace();
  }

  private static List<StackUpgradeStatus.ResourceChange> toStatusChanges(
      List<ResourceChange> changes) {
    List<StackUpgradeStatus.ResourceChange> out = new ArrayList<>();
    for (ResourceChange c : changes == null ? List.<ResourceChange>of() : changes) {
      var rc = new StackUpgradeStatus.ResourceChange();
      rc.setLogicalId(c.logicalId());
      rc.setPhysicalId(c.physicalId());
      rc.setResourceType(c.resourceType());
      rc.setAction(c.action());
      rc.setReplacement(c.replacement());
      out.add(rc);
    }
    return out;
  }

  private static List<ResourceChange> fromStatusChanges(PlannedStack ps) {
    return ps.getChanges().stream()
        .map(
            c ->
                new ResourceChange(
                    c.getAction(),
                    c.getLogicalId(),
                    c.getPhysicalId(),
                    c.getResourceType(),
                    c.getReplacement()))
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

  private static PlannedStack planned(Plan plan, String name) {
    if (plan == null) {
      return null;
    }
    return plan.getStacks().stream().filter(p -> name.equals(p.getName())).findFirst().orElse(null);
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  // ---------------------------------------------------------------- events, errors, delete

  private void announce(StackUpgrade su, StackUpgradeStatus before, Outcome outcome) {
    var prev = ConditionWriter.find(before, ConditionTypes.STALLED);
    boolean wasStalledSame =
        prev != null
            && "True".equals(prev.getStatus())
            && Objects.equals(prev.getReason(), outcome.reason());
    if (outcome.state() == Outcome.State.STALLED && !wasStalledSame) {
      events.warning(su, outcome.reason(), outcome.message());
      log.warn("upgrade stalled: {}: {}", outcome.reason(), outcome.message());
    }
  }

  @Override
  public ErrorStatusUpdateControl<StackUpgrade> updateErrorStatus(
      StackUpgrade su, Context<StackUpgrade> context, Exception e) {
    return Retrying.onError(su, context, e, conditions, this::writeStatus);
  }

  /**
   * Deleting an upgrade only gives the cluster's lock back. Stacks, snapshots and executed or
   * planned change sets stay; a dry run's change sets, which nobody will execute, are removed.
   */
  @Override
  public DeleteControl cleanup(StackUpgrade su, Context<StackUpgrade> context) {
    metrics.forget(su.getMetadata().getUid());
    String ns = su.getMetadata().getNamespace();
    String name = su.getMetadata().getName();
    if (su.getSpec() == null || su.getSpec().getClusterRef() == null) {
      return DeleteControl.defaultDelete();
    }
    String clusterName = su.getSpec().getClusterRef().getName();
    StackUpgradeStatus status = su.getStatus();
    TTESCluster cluster =
        context
            .getClient()
            .resources(TTESCluster.class)
            .inNamespace(ns)
            .withName(clusterName)
            .get();
    if (cluster != null
        && su.getSpec().isDryRun()
        && status != null
        && status.getPlan() != null
        && status.getPhase() != UpgradePhase.Planned) {
      ChangeSets changeSets =
          aws.forTarget(TTESClusterReconciler.target(cluster.getSpec())).changeSets();
      for (PlannedStack ps : status.getPlan().getStacks()) {
        if (ps.getChangeSetName() == null
            || Disposition.Skipped.name().equals(ps.getDisposition())) {
          continue;
        }
        try {
          changeSets.delete(ps.getName(), ps.getChangeSetName());
        } catch (AwsException e) {
          log.warn(
              "could not delete dry-run change set {}: {}", ps.getChangeSetName(), e.getMessage());
        }
      }
    }
    if (cluster != null) {
      lock.release(ns, clusterName, name);
    }
    return DeleteControl.defaultDelete();
  }
}
