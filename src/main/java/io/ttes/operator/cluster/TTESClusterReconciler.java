package io.ttes.operator.cluster;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.StackReadings;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.AmiInstances;
import io.ttes.operator.status.Announcer;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Problems;
import io.ttes.operator.status.ReconcileTail;
import io.ttes.operator.status.SpecProblem;
import io.ttes.operator.status.StatusUpdates;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Observes a TTES deployment: its stacks, the ops task target, the version it runs. Polls AWS fast
 * while a stack moves or an upgrade holds the cluster, slowly when all is stable.
 */
// Not generation-aware: the upgrade lock and the bootstrap record are status-only writes by other
// controllers, and the cluster must see them (poll fast while an upgrade runs, report the new
// version as soon as it ends). Such a write reads only the stacks that may have moved (StackReads).
@ControllerConfiguration(name = TTESClusterReconciler.NAME, generationAwareEventProcessing = false)
public class TTESClusterReconciler implements Reconciler<TTESCluster> {
  public static final String NAME = "ttescluster";

  private final AwsServicesFactory aws;
  private final ReconcileTail<TTESClusterStatus, TTESCluster> tail;
  private final OperatorConfig config;
  private final StackReads stackReads;
  private final DriftObservation drift;

  /**
   * @param aws the factory every kind uses, recording their stack readings: a poll reads only what
   *     may have moved since anyone's last look ({@link StackReads})
   */
  public TTESClusterReconciler(
      StackReadings aws, ConditionWriter conditions, EventRecorder events, OperatorConfig config) {
    this.aws = aws;
    this.stackReads = new StackReads(java.time.Clock.systemUTC(), aws);
    this.tail =
        new ReconcileTail<>(
            conditions,
            Announcer.<TTESClusterStatus>of(events, TTESClusterReconciler.class, "cluster")
                .announcingReady(before -> ConditionWriter.isReady(before, null)),
            StatusUpdates::patch);
    this.config = config;
    this.drift = new DriftObservation(conditions, events);
  }

  @Override
  public UpdateControl<TTESCluster> reconcile(TTESCluster cluster, Context<TTESCluster> context) {
    TTESClusterSpec spec = cluster.getSpec();
    long generation = cluster.getMetadata().getGeneration();
    TTESClusterStatus previous = cluster.getStatus();
    TTESClusterStatus next = StatusUpdates.copyStatus(cluster, context);
    Outcome outcome;
    try {
      ClusterSpecValidator.validate(spec);
      outcome = observe(cluster, context, spec, previous, next);
    } catch (SpecProblem | AwsException e) {
      outcome = Problems.outcome(e);
    }
    return tail.finish(cluster, context, previous, next, outcome, pollInterval(next, outcome));
  }

  private Outcome observe(
      TTESCluster cluster,
      Context<TTESCluster> context,
      TTESClusterSpec spec,
      TTESClusterStatus previous,
      TTESClusterStatus next) {
    String uid = cluster.getMetadata().getUid();
    long generation = cluster.getMetadata().getGeneration();
    AwsTarget target = ClusterTarget.of(spec);
    AwsServices services = aws.forTarget(target);
    List<String> names = spec.getStacks().stream().map(TTESClusterSpec.StackRef::getName).toList();
    Map<String, StackInfo> observed =
        stackReads.read(
            uid,
            generation,
            names,
            config.slowPoll(),
            config.fastPoll(),
            target,
            services.stacks());
    List<TTESClusterStatus.StackStatus> stacks = ClusterObservation.stacks(spec, observed);
    next.setStacks(stacks);
    next.setVersion(ClusterObservation.version(stacks).orElse(null));
    drift.observe(cluster, context.getClient(), previous, next, observed, services);
    if (spec.getPlatform() == Platform.AMI) {
      TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
      // Shown for people; each launch reads the stack again (an AMI upgrade replaces it).
      ops.setInstanceId(AmiInstances.fromObserved(spec, observed).orElse(null));
      next.setOps(ops);
    } else {
      next.setOps(resolveOps(spec, previous, observed, services));
    }
    return ClusterObservation.outcome(stacks);
  }

  /**
   * Resolves where ops tasks run. The task definition's latest ACTIVE revision only changes when
   * the ops stack is updated, so it is looked up again only then (one AWS call saved per poll).
   */
  private TTESClusterStatus.OpsTarget resolveOps(
      TTESClusterSpec spec,
      TTESClusterStatus previous,
      Map<String, StackInfo> observed,
      AwsServices services) {
    TTESClusterSpec.Ecs ecs = spec.getOps().getEcs();
    StackInfo opsStack = observed.get(ecs.getStack());
    String field = "spec.ops.ecs.output (" + ecs.getOutput() + " of stack " + ecs.getStack() + ")";
    OpsRunTaskArguments args =
        OpsRunTaskArguments.parse(opsStack.outputs().get(ecs.getOutput()), field);
    String opsUpdated = opsStack.lastUpdated() == null ? null : opsStack.lastUpdated().toString();
    TTESClusterStatus.OpsTarget known = previous == null ? null : previous.getOps();
    String taskDefinition;
    if (known != null
        && known.getTaskDefinition() != null
        && Objects.equals(known.getCluster(), args.cluster())
        && Objects.equals(opsUpdated, lastUpdated(previous, ecs.getStack()))) {
      taskDefinition = known.getTaskDefinition();
    } else {
      taskDefinition = services.ecs().latestActiveRevision(args.taskDefinition());
    }
    TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
    ops.setTaskDefinition(taskDefinition);
    ops.setCluster(args.cluster());
    ops.setSubnets(args.subnets());
    ops.setSecurityGroups(args.securityGroups());
    return ops;
  }

  private static String lastUpdated(TTESClusterStatus status, String stack) {
    return status.getStacks().stream()
        .filter(s -> stack.equals(s.getName()))
        .map(TTESClusterStatus.StackStatus::getLastUpdatedTime)
        .findFirst()
        .orElse(null);
  }

  private Duration pollInterval(TTESClusterStatus status, Outcome outcome) {
    boolean moving =
        ClusterObservation.anyInProgress(status.getStacks())
            || status.getActiveUpgrade() != null
            || outcome.state() == Outcome.State.RECONCILING;
    return moving ? config.fastPoll() : config.slowPoll();
  }

  @Override
  public ErrorStatusUpdateControl<TTESCluster> updateErrorStatus(
      TTESCluster cluster, Context<TTESCluster> context, Exception e) {
    return tail.onError(cluster, context, e);
  }
}
