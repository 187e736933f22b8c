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
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.Retrying;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger log = LoggerFactory.getLogger(StackUpgradeReconciler.class);

  private final ConditionWriter conditions;
  private final EventRecorder events;
  private final OperatorConfig config;
  private final UpgradeMetrics metrics;
  private final UpgradeValidator validator = new UpgradeValidator();
  private final RetryRequest retry;
  private final PhaseTable phases;
  private final UpgradeCleanup cleanup;

  public StackUpgradeReconciler(
      AwsServicesFactory aws,
      ConditionWriter conditions,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      UpgradeLock lock,
      Clock clock,
      UpgradeMetrics metrics) {
    this.conditions = conditions;
    this.events = events;
    this.config = config;
    this.metrics = metrics;
    this.retry = new RetryRequest(events);
    this.phases = new PhaseTable(aws, events, config, opsTasks, lock, clock);
    this.cleanup = new UpgradeCleanup(aws, lock);
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

  private StackUpgrade writeStatus(
      StackUpgrade resource, Context<StackUpgrade> context, StackUpgradeStatus next) {
    metrics.observe(resource.getMetadata().getUid(), next.getPhase());
    return StatusUpdates.patch(resource, context, next);
  }

  @Override
  public UpdateControl<StackUpgrade> reconcile(StackUpgrade su, Context<StackUpgrade> context) {
    long generation = su.getMetadata().getGeneration();
    StackUpgradeStatus before = su.getStatus();
    UpgradeRun run =
        new UpgradeRun(su, context, StatusUpdates.copyStatus(su, context), this::writeStatus);
    PhaseResult result;
    try {
      result = dispatch(run);
    } catch (SpecProblem p) {
      result = new PhaseResult(Outcome.stalled(p.reason(), p.getMessage()), config.slowPoll());
      if (run.status.getPhase() == null) {
        run.status.setPhase(UpgradePhase.Pending);
      }
    } catch (AwsException e) {
      if (e.isRetryable()) {
        throw e;
      }
      result =
          new PhaseResult(
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

  /** Observe (the cluster), validate, and hand the upgrade to the handler of its phase. */
  private PhaseResult dispatch(UpgradeRun run) {
    if (run.spec.getClusterRef() == null || isBlank(run.spec.getClusterRef().getName())) {
      throw new SpecProblem(Reasons.INVALID_SPEC, "spec.clusterRef.name", "a cluster is required");
    }
    boolean retrying = RetryRequest.noted(run);
    UpgradePhase phase = run.status.getPhase();
    if (phase == UpgradePhase.Succeeded || (phase == UpgradePhase.Failed && !retrying)) {
      return phases.finished.handle(run);
    }
    run.cluster = loadCluster(run.context, run.ns, run.clusterName());
    if (run.cluster == null) {
      throw new SpecProblem(
          Reasons.CLUSTER_NOT_FOUND,
          "spec.clusterRef.name",
          "TTESCluster " + run.clusterName() + " does not exist in namespace " + run.ns);
    }
    String observed = run.cluster.getStatus() == null ? null : run.cluster.getStatus().getVersion();
    run.validation = validator.validate(run.spec, run.cluster.getSpec(), observed);

    if (phase == UpgradePhase.Planned) {
      if (PlanIdentity.stillValid(run)) {
        return phases.finished.handle(run);
      }
      // A dry run whose spec changed (typically dryRun: false) starts over with fresh names.
      PlanIdentity.restart(run);
      phase = null;
    }
    if (phase == UpgradePhase.Failed) {
      retry.resume(run);
      phase = run.status.getPhase();
    }
    return phases.handle(run, phase, observed);
  }

  private static TTESCluster loadCluster(Context<StackUpgrade> context, String ns, String name) {
    return context.getClient().resources(TTESCluster.class).inNamespace(ns).withName(name).get();
  }

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

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  @Override
  public ErrorStatusUpdateControl<StackUpgrade> updateErrorStatus(
      StackUpgrade su, Context<StackUpgrade> context, Exception e) {
    return Retrying.onError(su, context, e, conditions, this::writeStatus);
  }

  /** See {@link UpgradeCleanup}: the lock goes back, a dry run's change sets are removed. */
  @Override
  public DeleteControl cleanup(StackUpgrade su, Context<StackUpgrade> context) {
    metrics.forget(su.getMetadata().getUid());
    if (su.getSpec() == null || su.getSpec().getClusterRef() == null) {
      return DeleteControl.defaultDelete();
    }
    TTESCluster cluster =
        loadCluster(
            context, su.getMetadata().getNamespace(), su.getSpec().getClusterRef().getName());
    cleanup.cleanup(su, cluster);
    return DeleteControl.defaultDelete();
  }
}
