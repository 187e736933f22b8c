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
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeSpec;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.Announcer;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Problems;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.ReconcileTail;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import java.time.Clock;
import java.util.List;

/**
 * Moves a TTES deployment to a target version (the flow is in docs/architecture.md). A state
 * machine whose state is the status, used as a write-ahead log: what a mutating AWS call is about
 * to do is in the stored status before the call, every name is derived from the upgrade's uid and
 * attempt, and each reconcile first looks at AWS for what may exist already. One reconcile makes at
 * most one mutating step, then patches status and reschedules; nothing here sleeps.
 *
 * <p>This class observes (the upgrade and its cluster), validates, dispatches {@code phase →
 * handler} through the {@link PhaseTable} and writes the status; Planned, Succeeded and Failed keep
 * their outcome until a spec change or a {@link RetryRequest}.
 */
@ControllerConfiguration(name = StackUpgradeReconciler.NAME)
public class StackUpgradeReconciler implements Reconciler<StackUpgrade>, Cleaner<StackUpgrade> {
  public static final String NAME = "stackupgrade";

  private final ReconcileTail<StackUpgradeStatus, StackUpgrade> tail;
  private final Clock clock;
  private final OperatorConfig config;
  private final UpgradeMetrics metrics;
  private final UpgradeValidator validator = new UpgradeValidator();
  private final RetryRequest retry;
  private final PhaseTable phases;
  private final UpgradeCleanup cleanup;
  private final PlanDocumentWriter documents;

  public StackUpgradeReconciler(
      AwsServicesFactory aws,
      ConditionWriter conditions,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      UpgradeLock lock,
      Clock clock,
      UpgradeMetrics metrics) {
    this.tail =
        new ReconcileTail<>(
            conditions,
            Announcer.of(events, StackUpgradeReconciler.class, "upgrade"),
            this::writeStatus);
    this.clock = clock;
    this.config = config;
    this.metrics = metrics;
    this.retry = new RetryRequest(events);
    this.phases = new PhaseTable(aws, events, config, opsTasks, lock, clock);
    this.cleanup = new UpgradeCleanup(aws, lock);
    this.documents = new PlanDocumentWriter(events);
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
            StackUpgrade::getSpec,
            StackUpgradeSpec::getClusterRef,
            su ->
                su.getStatus() == null
                    || su.getStatus().getPhase() == null
                    || su.getStatus().getPhase() == UpgradePhase.Pending);
    // The plan ConfigMap edited or deleted by hand is written again at once, not at the next poll.
    var documents = PlanDocumentWriter.informer(context);
    return List.of(tasks, clusters, documents);
  }

  private StackUpgrade writeStatus(
      StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus next) {
    metrics.observe(resource.getMetadata().getUid(), next.getPhase());
    return StatusUpdates.patch(resource, context, next);
  }

  @Override
  public UpdateControl<StackUpgrade> reconcile(StackUpgrade su, Context<StackUpgrade> context) {
    UpgradeRun run =
        new UpgradeRun(su, context, StatusUpdates.copyStatus(su, context), this::writeStatus);
    PhaseResult result;
    try {
      result = dispatch(run);
    } catch (SpecProblem | AwsException e) {
      result = new PhaseResult(Problems.outcome(e), config.slowPoll());
      if (e instanceof SpecProblem && run.status.getPhase() == null) {
        run.status.setPhase(UpgradePhase.Pending);
      }
    }
    // The plan's text is derived from status.plan: named with it, written once it is stored.
    PlanDocumentWriter.Due document =
        documents.prepare(
            context.getClient(),
            run.resource,
            run.status,
            PlanDocumentWriter.cached(run.resource, context));
    UpdateControl<StackUpgrade> control =
        tail.finish(
            run.resource,
            context,
            su.getStatus(),
            run.status,
            result.outcome(),
            result.reschedule());
    if (document != null) {
      documents.write(context, run.resource, run.status, document);
    }
    return control;
  }

  /** Observe (the cluster), validate, and hand the upgrade to the handler of its phase. */
  private PhaseResult dispatch(UpgradeRun run) {
    if (run.spec.getClusterRef() == null || isBlank(run.spec.getClusterRef().getName())) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec.clusterRef.name", "a cluster is required");
    }
    boolean retrying = RetryRequest.noted(run);
    UpgradePhase phase = run.status.getPhase();
    // spec.rollback on a finished upgrade goes on to the RollbackPlanner (a retry value is
    // ignored).
    boolean rollback = RollbackPlanner.requested(run.status, run.spec.rollbackRequested());
    if (!rollback
        && (phase == UpgradePhase.Succeeded || (phase == UpgradePhase.Failed && !retrying))) {
      return phases.finished.handle(run);
    }
    run.cluster =
        ReferencedCluster.awaited(run.context, run.resource, run.clusterName(), clock).orElse(null);
    if (run.cluster == null) {
      if (phase == null) {
        run.status.setPhase(UpgradePhase.Pending);
      }
      return new PhaseResult(
          ReferencedCluster.waiting(run.ns, run.clusterName()), config.fastPoll());
    }
    String observed = run.cluster.getStatus() == null ? null : run.cluster.getStatus().getVersion();
    run.validation = validator.validate(run.spec, run.cluster.getSpec(), observed, run.status);

    if (phase == UpgradePhase.Planned) {
      if (PlanIdentity.stillValid(run)) {
        return phases.finished.handle(run);
      }
      // A dry run whose spec changed (typically dryRun: false) starts over with fresh names.
      PlanIdentity.restart(run);
      phase = null;
    }
    if (phase == UpgradePhase.Failed && !rollback) {
      retry.resume(run);
      phase = run.status.getPhase();
    }
    return phases.handle(run, phase, observed);
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  @Override
  public ErrorStatusUpdateControl<StackUpgrade> updateErrorStatus(
      StackUpgrade su, Context<StackUpgrade> context, Exception e) {
    return tail.onError(su, context, e);
  }

  /** See {@link UpgradeCleanup}: the lock goes back, a dry run's change sets are removed. */
  @Override
  public DeleteControl cleanup(StackUpgrade su, Context<StackUpgrade> context) {
    metrics.forget(su.getMetadata().getUid());
    if (su.getSpec() == null || su.getSpec().getClusterRef() == null) {
      return DeleteControl.defaultDelete();
    }
    cleanup.cleanup(su, ReferencedCluster.cached(context).orElse(null));
    return DeleteControl.defaultDelete();
  }
}
