package io.ttes.operator.bootstrap;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.bootstrap.BootstrapProgress.Decision;
import io.ttes.operator.bootstrap.BootstrapProgress.Kind;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the bootstrap commands of a TenantBootstrap one after the other, each as an owned OpsTask.
 * Cluster-wide steps are recorded on the TTESCluster and guarded so that only one bootstrap runs
 * them; a step that succeeded is never run again, and re-applying the same manifest changes
 * nothing. Where the bootstrap stands is decided by {@link BootstrapProgress} from data; this class
 * reads the cluster and tasks, and does what it decides.
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
  private final EventRecorder events;
  private final OperatorConfig config;
  private final OwnedOpsTasks opsTasks;
  private final ClusterBootstrapLedger ledger;
  private final BootstrapReferences references;

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
    this.events = events;
    this.config = config;
    this.opsTasks = opsTasks;
    this.ledger = ledger;
    this.references = new BootstrapReferences(aws);
  }

  @Override
  public List<EventSource<?, TenantBootstrap>> prepareEventSources(
      EventSourceContext<TenantBootstrap> context) {
    // An owned OpsTask that changes phase wakes its bootstrap up; no polling of Kubernetes.
    var tasks = OwnedOpsTasks.informer(context, TenantBootstrap.class, "bootstrap-opstasks");
    // A cluster that becomes Ready, or whose bootstrap guard is released, wakes the bootstraps
    // that reference it.
    var clusters =
        ClusterEventSources.referencedBy(
            context,
            TenantBootstrap.class,
            "bootstrap-clusters",
            TenantBootstrap::getSpec,
            TenantBootstrapSpec::getClusterRef,
            tb -> tb.getStatus() == null || tb.getStatus().getPhase() != BootstrapPhase.Succeeded);
    return List.of(tasks, clusters);
  }

  @Override
  public UpdateControl<TenantBootstrap> reconcile(
      TenantBootstrap tb, Context<TenantBootstrap> context) {
    TenantBootstrapStatus next = StatusUpdates.copyStatus(tb, context);
    Result result;
    try {
      result = new Attempt(tb, next, context).run();
    } catch (SpecProblem | AwsException e) {
      // A spec problem waits for a change of the spec (or of the cluster: its event source).
      result = new Result(Problems.outcome(e), e instanceof SpecProblem ? null : config.slowPoll());
      if (e instanceof SpecProblem && next.getPhase() == null) {
        next.setPhase(BootstrapPhase.Pending);
      }
    }
    return tail.finish(tb, context, tb.getStatus(), next, result.outcome(), result.reschedule());
  }

  @Override
  public ErrorStatusUpdateControl<TenantBootstrap> updateErrorStatus(
      TenantBootstrap tb, Context<TenantBootstrap> context, Exception e) {
    return tail.onError(tb, context, e);
  }

  private record Result(Outcome outcome, Duration reschedule) {}

  /** One reconcile of one bootstrap: the data it reads and the decisions it carries out. */
  private final class Attempt {
    final TenantBootstrap tb;
    final TenantBootstrapStatus status;
    final Context<TenantBootstrap> context;
    final String ns;
    final String clusterName;
    final String me;

    Attempt(TenantBootstrap tb, TenantBootstrapStatus status, Context<TenantBootstrap> context) {
      this.tb = tb;
      this.status = status;
      this.context = context;
      this.ns = tb.getMetadata().getNamespace();
      this.clusterName = tb.getSpec().getClusterRef().getName();
      this.me = ns + "/" + tb.getMetadata().getName();
    }

    Result run() {
      TTESCluster cluster = ReferencedCluster.awaited(context, tb, clusterName, clock).orElse(null);
      if (cluster == null) {
        return waitForCluster(ReferencedCluster.waiting(ns, clusterName));
      }
      List<BootstrapStep> steps = BootstrapSteps.plan(cluster.getSpec(), tb.getSpec());
      BootstrapRecords.handleRetry(tb, status);
      BootstrapRecords.syncStepList(status, steps);
      // Every reference is checked before the first task starts (a typo must not leave a
      // bootstrap half done); after that only the next step's, right before its task is created.
      boolean started = status.getSteps().stream().anyMatch(s -> s.getOpsTask() != null);
      if (!started) {
        // While another bootstrap holds the cluster-wide steps, checking their Secrets Manager
        // secrets on every poll of every waiting bootstrap costs AWS calls for nothing: the holder
        // checked them, and whoever takes the guard next checks them before its first task.
        String holder =
            cluster.getStatus() == null ? null : cluster.getStatus().getBootstrapHolder();
        boolean othersRunClusterSteps = holder != null && !holder.equals(me);
        references.check(
            tb,
            cluster,
            othersRunClusterSteps
                ? steps.stream().filter(s -> s.scope() == Scope.TENANT).toList()
                : steps,
            status,
            context);
      }
      if (status.getPhase() == BootstrapPhase.Failed) {
        String message =
            BootstrapProgress.failedStep(status)
                .map(f -> BootstrapProgress.failedMessage(f.getName(), f.getMessage()))
                .orElse("failed");
        return new Result(Outcome.failed(Reasons.STEP_FAILED, message), null);
      }
      if (cluster.getStatus() == null
          || cluster.getStatus().getOps() == null
          || !ConditionWriter.isReady(cluster.getStatus(), null)) {
        return waitForCluster(
            Outcome.reconciling(
                Reasons.WAITING_FOR_CLUSTER,
                "waiting for TTESCluster " + clusterName + " to be Ready"));
      }
      boolean holding = me.equals(cluster.getStatus().getBootstrapHolder());
      while (true) {
        Decision d =
            BootstrapProgress.next(
                steps,
                status,
                ClusterBootstrapLedger.doneSteps(cluster),
                tasks(),
                s -> BootstrapRecords.taskName(tb, clusterName, s, status));
        if (d.kind() == Kind.ALL_DONE) {
          if (holding) {
            ledger.release(ns, clusterName, me);
          }
          status.setPhase(BootstrapPhase.Succeeded);
          return new Result(
              Outcome.ready(Reasons.BOOTSTRAPPED, steps.size() + " steps done"), null);
        }
        BootstrapStep step = d.step();
        Step record = BootstrapRecords.record(status, step.name());
        if (step.scope() == Scope.CLUSTER && !holding) {
          String holder = ledger.acquire(ns, clusterName, me, this::bootstrapExists);
          if (!me.equals(holder)) {
            status.setPhase(BootstrapPhase.Pending);
            record.setMessage("waiting: " + holder + " is running the cluster-wide steps");
            return new Result(
                Outcome.reconciling(
                    Reasons.WAITING_FOR_CLUSTER_STEPS,
                    holder + " is running the cluster-wide steps; this bootstrap continues after"),
                config.fastPoll());
          }
          holding = true;
        } else if (step.scope() == Scope.TENANT && holding) {
          ledger.release(ns, clusterName, me);
          holding = false;
        }
        if (started && record.getOpsTask() == null) {
          references.check(tb, cluster, List.of(step), status, context);
        }
        if (d.kind() == Kind.CREATE) {
          OpsTask task = create(step, d.taskName());
          d = BootstrapProgress.of(step, d.taskName(), task.getStatus());
        }
        if (!d.taskName().equals(record.getOpsTask())) {
          events.normal(
              tb, "StepStarted", "step " + step.name() + " started as OpsTask " + d.taskName());
        }
        record.setOpsTask(d.taskName());
        record.setPhase(d.phase());
        record.setMessage(d.message());
        status.setPhase(BootstrapPhase.Running);
        if (d.kind() == Kind.WAIT) {
          // The OpsTask informer wakes this up when the task moves; the reschedule is a safety net.
          return new Result(
              Outcome.reconciling(
                  Reasons.STEP_RUNNING, "step " + step.name() + " is " + d.phase().toLowerCase()),
              config.slowPoll());
        }
        record.setExitCode(d.exitCode());
        if (d.kind() == Kind.FAILED) {
          status.setPhase(BootstrapPhase.Failed);
          if (holding) {
            ledger.release(ns, clusterName, me);
          }
          events.warning(
              tb, Reasons.STEP_FAILED, "step " + step.name() + " failed: " + d.message());
          return new Result(
              Outcome.failed(
                  Reasons.STEP_FAILED, BootstrapProgress.failedMessage(step.name(), d.message())),
              null);
        }
        events.normal(tb, "StepSucceeded", "step " + step.name() + ": " + d.message());
        if (step.scope() == Scope.CLUSTER) {
          ledger.recordDone(ns, clusterName, step.name(), d.taskName(), me, d.message());
        }
      }
    }

    /** Pending (unless further already) until the cluster is there and Ready. */
    Result waitForCluster(Outcome waiting) {
      if (status.getPhase() == null) {
        status.setPhase(BootstrapPhase.Pending);
      }
      return new Result(waiting, config.fastPoll());
    }

    /** This bootstrap's OpsTasks from the informer cache: status by name. */
    Map<String, OpsTaskStatus> tasks() {
      Map<String, OpsTaskStatus> tasks = new HashMap<>();
      context
          .getSecondaryResourcesAsStream(OpsTask.class)
          .forEach(t -> tasks.put(t.getMetadata().getName(), t.getStatus()));
      return tasks;
    }

    OpsTask create(BootstrapStep step, String taskName) {
      return opsTasks.ensure(
          tb,
          new OwnedOpsTasks.Request(
              ns,
              taskName,
              clusterName,
              step.command(),
              step.secretArgs(),
              null,
              Map.of("ops.ttes.io/bootstrap-step", step.name())));
    }

    boolean bootstrapExists(String holder) {
      String[] parts = holder.split("/", 2);
      return parts.length == 2
          && context.getPrimaryCache().get(new ResourceID(parts[1], parts[0])).isPresent();
    }
  }
}
