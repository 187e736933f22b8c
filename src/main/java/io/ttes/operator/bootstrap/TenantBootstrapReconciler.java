package io.ttes.operator.bootstrap;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.UpgradeWindow;
import io.ttes.operator.status.Announcer;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Problems;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.ReconcileTail;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Runs the bootstrap commands of a TenantBootstrap, each as an owned OpsTask, the independent ones
 * at the same time ({@link BootstrapStep#after}): observe the cluster and the tasks, validate the
 * spec and its secrets, then {@link BootstrapRun} lets {@link BootstrapProgress} decide and carries
 * the decisions out ({@link BootstrapTasks}, {@link ClusterStepsGuard}, {@link
 * ClusterBootstrapLedger}) and shows them ({@link BootstrapReport}). Cluster-wide steps run once
 * per cluster whichever bootstrap takes the guard; a step that succeeded is never run again, and
 * re-applying the same manifest changes nothing.
 */
// Not generation-aware: the retry annotation changes only metadata (no new generation), and a
// generation-aware controller would never see it on a Failed bootstrap, which polls nothing.
@ControllerConfiguration(
    name = TenantBootstrapReconciler.NAME,
    generationAwareEventProcessing = false)
public class TenantBootstrapReconciler implements Reconciler<TenantBootstrap> {
  public static final String NAME = "tenantbootstrap";

  private final ReconcileTail<TenantBootstrapStatus, TenantBootstrap> tail;
  private final Clock clock;
  private final OperatorConfig config;
  private final BootstrapTasks tasks;
  private final ClusterBootstrapLedger ledger;
  private final BootstrapReferences references;
  private final BootstrapReport report;

  public TenantBootstrapReconciler(
      AwsServicesFactory aws,
      ConditionWriter conditions,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      ClusterBootstrapLedger ledger) {
    this.tail =
        new ReconcileTail<>(
            conditions,
            Announcer.<TenantBootstrapStatus>of(
                    events, TenantBootstrapReconciler.class, "bootstrap")
                .announcingReady(before -> before.getPhase() == BootstrapPhase.Succeeded),
            StatusUpdates::patch);
    this.clock = conditions.clock();
    this.config = config;
    this.tasks = new BootstrapTasks(opsTasks);
    this.ledger = ledger;
    this.references = new BootstrapReferences(aws);
    this.report = new BootstrapReport(events);
  }

  @Override
  public List<EventSource<?, TenantBootstrap>> prepareEventSources(
      EventSourceContext<TenantBootstrap> context) {
    return BootstrapTasks.eventSources(context);
  }

  @Override
  public UpdateControl<TenantBootstrap> reconcile(
      TenantBootstrap tb, Context<TenantBootstrap> context) {
    TenantBootstrapStatus next = StatusUpdates.copyStatus(tb, context);
    Outcome outcome;
    Duration reschedule;
    try {
      outcome = attempt(tb, next, context);
      reschedule = reschedule(outcome);
    } catch (SpecProblem | AwsException e) {
      // A spec problem waits for a change of the spec (or of the cluster: its event source).
      outcome = Problems.outcome(e);
      reschedule = e instanceof SpecProblem ? null : config.slowPoll();
      if (e instanceof SpecProblem && next.getPhase() == null) {
        next.setPhase(BootstrapPhase.Pending);
      }
    }
    return tail.finish(tb, context, tb.getStatus(), next, outcome, reschedule);
  }

  @Override
  public ErrorStatusUpdateControl<TenantBootstrap> updateErrorStatus(
      TenantBootstrap tb, Context<TenantBootstrap> context, Exception e) {
    return tail.onError(tb, context, e);
  }

  /** One reconcile of one bootstrap: observe, validate, decide, act; the outcome for its status. */
  private Outcome attempt(
      TenantBootstrap tb, TenantBootstrapStatus status, Context<TenantBootstrap> context) {
    String ns = tb.getMetadata().getNamespace();
    String clusterName = tb.getSpec().getClusterRef().getName();
    String me = ns + "/" + tb.getMetadata().getName();
    TTESCluster cluster = ReferencedCluster.awaited(context, tb, clusterName, clock).orElse(null);
    if (cluster == null) {
      return BootstrapReport.waitingForCluster(status, ReferencedCluster.waiting(ns, clusterName));
    }
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster.getSpec(), tb.getSpec());
    BootstrapRecords.handleRetry(tb, status);
    BootstrapRecords.syncStepList(status, steps);
    String holder = cluster.getStatus() == null ? null : cluster.getStatus().getBootstrapHolder();
    boolean started = BootstrapRecords.started(status);
    if (!started) {
      references.check(
          tb, cluster, BootstrapReferences.toCheckFirst(steps, holder, me), status, context);
    }
    if (status.getPhase() == BootstrapPhase.Failed) {
      return BootstrapReport.stillFailed(status);
    }
    if (!ConditionWriter.isReady(cluster.getStatus(), null)
        || cluster.getStatus().getOps() == null) {
      return BootstrapReport.waitingForCluster(
          status,
          Outcome.reconciling(
              Reasons.WAITING_FOR_CLUSTER,
              "waiting for TTESCluster " + clusterName + " to be Ready"));
    }
    ClusterStepsGuard guard =
        new ClusterStepsGuard(me, holder, ledger.hold(context, ns, clusterName, me));
    BootstrapTasks.passAllowDuringUpgrade(tb, context);
    BootstrapRun.Actions actions =
        new BootstrapRun.Actions() {
          @Override
          public OpsTask create(BootstrapStep step, String taskName) {
            return tasks.create(tb, clusterName, step, taskName);
          }

          @Override
          public void recordDone(BootstrapStep step, String taskName, String message) {
            ledger.recordDone(ns, clusterName, step.name(), taskName, me, message);
          }

          @Override
          public void checkReferences(BootstrapStep step) {
            references.check(tb, cluster, List.of(step), status, context);
          }
        };
    return new BootstrapRun(
            steps,
            ClusterBootstrapLedger.doneSteps(cluster),
            s -> BootstrapRecords.taskName(tb, clusterName, s, status),
            guard,
            actions,
            report)
        .run(tb, status, BootstrapTasks.observed(context), started);
  }

  /** Whether an upgrade holds the step's task ({@link UpgradeWindow}): its status names it. */
  private static boolean held(Outcome outcome) {
    return UpgradeWindow.WAITING_FOR_UPGRADE.equals(outcome.reason());
  }

  /**
   * When to look again: soon while waiting for the cluster or its guard; a running step is woken by
   * the OpsTask informer (the slow poll is a safety net); done and failed wait for a change.
   */
  private Duration reschedule(Outcome outcome) {
    if (outcome.state() != Outcome.State.RECONCILING) {
      return null;
    }
    boolean stepsRun =
        Reasons.STEP_RUNNING.equals(outcome.reason())
            || Reasons.STEP_FAILED.equals(outcome.reason())
            || held(outcome);
    return stepsRun ? config.slowPoll() : config.fastPoll();
  }
}
