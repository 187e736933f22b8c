package io.ttes.operator.bootstrap;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus.Step;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.cluster.ClusterEventSources;
import io.ttes.operator.cluster.TTESClusterReconciler;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.SecretArgResolver;
import io.ttes.operator.opstask.SecretReader;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.Retrying;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the bootstrap commands of a TenantBootstrap one after the other, each as an owned OpsTask.
 * Cluster-wide steps are recorded on the TTESCluster and guarded so that only one bootstrap runs
 * them; a step that succeeded is never run again, and re-applying the same manifest changes
 * nothing.
 */
// Not generation-aware: the retry annotation changes only metadata (no new generation), and a
// generation-aware controller would never see it on a Failed bootstrap, which polls nothing.
@ControllerConfiguration(
    name = TenantBootstrapReconciler.NAME,
    generationAwareEventProcessing = false)
public class TenantBootstrapReconciler implements Reconciler<TenantBootstrap> {
  public static final String NAME = "tenantbootstrap";
  private static final Logger log = LoggerFactory.getLogger(TenantBootstrapReconciler.class);

  /** How TTES says a create command found its object already there. */
  private static final Pattern ALREADY_EXISTS =
      Pattern.compile("(?i)already (exists|taken)|id_taken|duplicate key");

  private final AwsServicesFactory aws;
  private final ConditionWriter conditions;
  private final EventRecorder events;
  private final OperatorConfig config;
  private final OwnedOpsTasks opsTasks;
  private final ClusterBootstrapLedger ledger;

  public TenantBootstrapReconciler(
      AwsServicesFactory aws,
      ConditionWriter conditions,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      ClusterBootstrapLedger ledger) {
    this.aws = aws;
    this.conditions = conditions;
    this.events = events;
    this.config = config;
    this.opsTasks = opsTasks;
    this.ledger = ledger;
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
            tb ->
                tb.getSpec() == null || tb.getSpec().getClusterRef() == null
                    ? null
                    : tb.getSpec().getClusterRef().getName(),
            tb -> tb.getStatus() == null || tb.getStatus().getPhase() != BootstrapPhase.Succeeded);
    return List.of(tasks, clusters);
  }

  @Override
  public UpdateControl<TenantBootstrap> reconcile(
      TenantBootstrap tb, Context<TenantBootstrap> context) {
    long generation = tb.getMetadata().getGeneration();
    TenantBootstrapStatus next = StatusUpdates.copyStatus(tb, context);
    Result result;
    try {
      result = step(tb, next, context);
    } catch (SpecProblem p) {
      result = new Result(Outcome.stalled(p.reason(), p.getMessage()), null);
      if (next.getPhase() == null) {
        next.setPhase(BootstrapPhase.Pending);
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
    TenantBootstrapStatus before = tb.getStatus();
    conditions.apply(next, generation, result.outcome());
    announce(tb, before, next, result.outcome());
    StatusUpdates.patch(tb, context, next);
    return result.reschedule() == null
        ? UpdateControl.noUpdate()
        : UpdateControl.<TenantBootstrap>noUpdate().rescheduleAfter(result.reschedule());
  }

  private record Result(Outcome outcome, Duration reschedule) {}

  @Override
  public ErrorStatusUpdateControl<TenantBootstrap> updateErrorStatus(
      TenantBootstrap tb, Context<TenantBootstrap> context, Exception e) {
    return Retrying.onError(tb, context, e, conditions, StatusUpdates::patch);
  }

  private Result step(
      TenantBootstrap tb, TenantBootstrapStatus status, Context<TenantBootstrap> context) {
    String ns = tb.getMetadata().getNamespace();
    String clusterName = tb.getSpec().getClusterRef().getName();
    // From the informer cache; a GET only when the cache has not seen a just-created cluster yet.
    TTESCluster cluster =
        context
            .getSecondaryResource(TTESCluster.class)
            .orElseGet(
                () ->
                    context
                        .getClient()
                        .resources(TTESCluster.class)
                        .inNamespace(ns)
                        .withName(clusterName)
                        .get());
    if (cluster == null) {
      throw new SpecProblem(
          Reasons.CLUSTER_NOT_FOUND,
          "spec.clusterRef.name",
          "TTESCluster " + clusterName + " does not exist in namespace " + ns);
    }
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster.getSpec(), tb.getSpec());
    handleRetry(tb, status);
    syncStepList(status, steps);
    // Every reference is checked before the first task starts (a typo must not leave a bootstrap
    // half done); after that only the next step's, right before its task is created.
    boolean started = status.getSteps().stream().anyMatch(s -> s.getOpsTask() != null);
    String me = ns + "/" + tb.getMetadata().getName();
    if (!started) {
      // While another bootstrap holds the cluster-wide steps, checking their Secrets Manager
      // secrets on every poll of every waiting bootstrap costs AWS calls for nothing: the holder
      // checked them, and whoever takes the guard next checks them before its first task.
      String holder = cluster.getStatus() == null ? null : cluster.getStatus().getBootstrapHolder();
      boolean othersRunClusterSteps = holder != null && !holder.equals(me);
      validateReferences(
          tb,
          cluster,
          othersRunClusterSteps
              ? steps.stream().filter(s -> s.scope() == Scope.TENANT).toList()
              : steps,
          status,
          context);
    }
    if (status.getPhase() == BootstrapPhase.Failed) {
      Step failed =
          status.getSteps().stream()
              .filter(s -> "Failed".equals(s.getPhase()))
              .findFirst()
              .orElse(null);
      return new Result(
          Outcome.failed(
              Reasons.STEP_FAILED,
              failed == null
                  ? "failed"
                  : "step "
                      + failed.getName()
                      + " failed: "
                      + failed.getMessage()
                      + "; annotate with "
                      + ApiGroup.RETRY_ANNOTATION
                      + "=<new value> to retry"),
          null);
    }
    if (cluster.getStatus() == null
        || cluster.getStatus().getOps() == null
        || !ConditionWriter.isReady(cluster.getStatus(), null)) {
      if (status.getPhase() == null) {
        status.setPhase(BootstrapPhase.Pending);
      }
      return new Result(
          Outcome.reconciling(
              Reasons.WAITING_FOR_CLUSTER,
              "waiting for TTESCluster " + clusterName + " to be Ready"),
          config.fastPoll());
    }
    boolean holding = me.equals(cluster.getStatus().getBootstrapHolder());
    for (BootstrapStep step : steps) {
      Step record = record(status, step.name());
      if ("Succeeded".equals(record.getPhase())) {
        continue;
      }
      if (step.scope() == Scope.CLUSTER) {
        var done = ClusterBootstrapLedger.done(cluster, step.name());
        if (done.isPresent()) {
          record.setPhase("Succeeded");
          record.setMessage("done once for the cluster by " + done.get().getBootstrap());
          if (record.getOpsTask() == null) {
            record.setOpsTask(done.get().getOpsTask());
          }
          continue;
        }
        if (!holding) {
          String holder = ledger.acquire(ns, clusterName, me, h -> bootstrapExists(context, h));
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
        }
      } else if (holding) {
        ledger.release(ns, clusterName, me);
        holding = false;
      }
      String taskName = taskName(tb, clusterName, step, attempt(record));
      if (started && record.getOpsTask() == null) {
        validateReferences(tb, cluster, List.of(step), status, context);
      }
      OpsTask task =
          context
              .getSecondaryResourcesAsStream(OpsTask.class)
              .filter(t -> taskName.equals(t.getMetadata().getName()))
              .findFirst()
              .orElseGet(
                  () ->
                      opsTasks.ensure(
                          tb,
                          new OwnedOpsTasks.Request(
                              ns,
                              taskName,
                              clusterName,
                              step.command(),
                              step.secretArgs(),
                              null,
                              Map.of("ops.ttes.io/bootstrap-step", step.name()))));
      if (!taskName.equals(record.getOpsTask())) {
        events.normal(tb, "StepStarted", "step " + step.name() + " started as OpsTask " + taskName);
      }
      record.setOpsTask(taskName);
      status.setPhase(BootstrapPhase.Running);
      OpsTaskPhase phase = task.getStatus() == null ? null : task.getStatus().getPhase();
      if (phase == OpsTaskPhase.Succeeded
          || (phase == OpsTaskPhase.Failed && step.createsObject() && alreadyExists(task))) {
        record.setPhase("Succeeded");
        record.setExitCode(task.getStatus().getExitCode());
        record.setMessage(
            phase == OpsTaskPhase.Succeeded
                ? "done"
                : "already existed (the command said so); counted as done");
        events.normal(tb, "StepSucceeded", "step " + step.name() + ": " + record.getMessage());
        if (step.scope() == Scope.CLUSTER) {
          ledger.recordDone(ns, clusterName, step.name(), taskName, me, record.getMessage());
        }
        continue;
      }
      if (phase == OpsTaskPhase.Failed) {
        record.setPhase("Failed");
        record.setExitCode(task.getStatus().getExitCode());
        record.setMessage(failureMessage(task));
        status.setPhase(BootstrapPhase.Failed);
        if (holding) {
          ledger.release(ns, clusterName, me);
        }
        events.warning(
            tb, Reasons.STEP_FAILED, "step " + step.name() + " failed: " + record.getMessage());
        return new Result(
            Outcome.failed(
                Reasons.STEP_FAILED,
                "step "
                    + step.name()
                    + " failed: "
                    + record.getMessage()
                    + "; annotate with "
                    + ApiGroup.RETRY_ANNOTATION
                    + "=<new value> to retry"),
            null);
      }
      record.setPhase(phase == OpsTaskPhase.Running ? "Running" : "Pending");
      record.setMessage(
          task.getStatus() == null || task.getStatus().getMessage() == null
              ? "OpsTask " + taskName
              : task.getStatus().getMessage());
      // The OpsTask informer wakes this up when the task moves; the reschedule is a safety net.
      return new Result(
          Outcome.reconciling(
              Reasons.STEP_RUNNING,
              "step " + step.name() + " is " + record.getPhase().toLowerCase()),
          config.slowPoll());
    }
    if (holding) {
      ledger.release(ns, clusterName, me);
    }
    status.setPhase(BootstrapPhase.Succeeded);
    return new Result(Outcome.ready(Reasons.BOOTSTRAPPED, steps.size() + " steps done"), null);
  }

  /** The annotation ops.ttes.io/retry with a new value restarts the failed step. */
  private static void handleRetry(TenantBootstrap tb, TenantBootstrapStatus status) {
    Map<String, String> annotations = tb.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(ApiGroup.RETRY_ANNOTATION);
    if (token == null || token.equals(status.getRetryToken())) {
      return;
    }
    status.setRetryToken(token);
    if (status.getPhase() != BootstrapPhase.Failed) {
      return;
    }
    for (Step s : status.getSteps()) {
      if ("Failed".equals(s.getPhase())) {
        s.setPhase("Pending");
        s.setAttempt(attempt(s) + 1);
        s.setExitCode(null);
        s.setMessage("retry requested");
        s.setOpsTask(null);
      }
    }
    status.setPhase(BootstrapPhase.Running);
  }

  /** Keeps status.steps in plan order, adding steps the plan gained. */
  private static void syncStepList(TenantBootstrapStatus status, List<BootstrapStep> steps) {
    Set<String> planned = new HashSet<>();
    for (BootstrapStep step : steps) {
      planned.add(step.name());
      Step s = record(status, step.name());
      s.setScope(step.scope().label());
    }
    status
        .getSteps()
        .sort((a, b) -> Integer.compare(indexOf(steps, a.getName()), indexOf(steps, b.getName())));
  }

  private static int indexOf(List<BootstrapStep> steps, String name) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name().equals(name)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static Step record(TenantBootstrapStatus status, String name) {
    for (Step s : status.getSteps()) {
      if (name.equals(s.getName())) {
        return s;
      }
    }
    Step s = new Step();
    s.setName(name);
    s.setPhase("Pending");
    s.setAttempt(1);
    status.getSteps().add(s);
    return s;
  }

  private static int attempt(Step s) {
    return s.getAttempt() == null ? 1 : s.getAttempt();
  }

  private static String taskName(
      TenantBootstrap tb, String cluster, BootstrapStep step, int attempt) {
    String base =
        step.scope() == Scope.CLUSTER
            ? OwnedOpsTasks.name(cluster, step.name())
            : OwnedOpsTasks.name(tb.getMetadata().getName(), step.name());
    return attempt <= 1 ? base : OwnedOpsTasks.name(base, "r" + attempt);
  }

  /**
   * Secrets referenced by steps that still have to run must exist before any task starts, so a typo
   * stops the bootstrap with a clear reason instead of a failed command.
   */
  private void validateReferences(
      TenantBootstrap tb,
      TTESCluster cluster,
      List<BootstrapStep> steps,
      TenantBootstrapStatus status,
      Context<TenantBootstrap> context) {
    String ns = tb.getMetadata().getNamespace();
    var resolver =
        new SecretArgResolver(
            SecretReader.fromSecrets(
                name -> context.getClient().secrets().inNamespace(ns).withName(name).get()),
            ns,
            () -> aws.forTarget(TTESClusterReconciler.target(cluster.getSpec())).secrets());
    for (BootstrapStep step : steps) {
      if ("Succeeded".equals(record(status, step.name()).getPhase())
          || (step.scope() == Scope.CLUSTER
              && ClusterBootstrapLedger.done(cluster, step.name()).isPresent())) {
        continue;
      }
      resolver.resolve(step.secretArgs(), FIELDS);
    }
  }

  /**
   * The fields a bootstrap's secret problem names: the admin password is the only Kubernetes Secret
   * a step reads; the Secrets Manager secrets are named after the TTESCluster's spec.naming.
   */
  private static final SecretArgResolver.Fields FIELDS =
      (i, arg, keyPart) ->
          arg.getSecretKeyRef() != null
              ? "spec.admin.passwordSecretRef" + (keyPart ? ".key" : ".name")
              : "TTESCluster spec.naming";

  private static boolean bootstrapExists(Context<TenantBootstrap> context, String holder) {
    String[] parts = holder.split("/", 2);
    return parts.length == 2
        && context.getPrimaryCache().get(new ResourceID(parts[1], parts[0])).isPresent();
  }

  private static boolean alreadyExists(OpsTask task) {
    String tail = task.getStatus().getLogTail();
    return tail != null && ALREADY_EXISTS.matcher(tail).find();
  }

  private static String failureMessage(OpsTask task) {
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

  private void announce(
      TenantBootstrap tb,
      TenantBootstrapStatus before,
      TenantBootstrapStatus next,
      Outcome outcome) {
    var prev = ConditionWriter.find(before, "Stalled");
    boolean wasStalledSame =
        prev != null
            && "True".equals(prev.getStatus())
            && Objects.equals(prev.getReason(), outcome.reason());
    if (outcome.state() == Outcome.State.STALLED && !wasStalledSame) {
      events.warning(tb, outcome.reason(), outcome.message());
      log.warn("bootstrap stalled: {}: {}", outcome.reason(), outcome.message());
    }
    if (outcome.state() == Outcome.State.READY
        && (before == null || before.getPhase() != BootstrapPhase.Succeeded)) {
      events.normal(tb, Reasons.BOOTSTRAPPED, outcome.message());
      log.info("bootstrap succeeded: {}", outcome.message());
    }
  }
}
