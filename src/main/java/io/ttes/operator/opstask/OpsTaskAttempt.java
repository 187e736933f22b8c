package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.opstask.OpsTaskFlow.Settings;
import io.ttes.operator.opstask.OpsTaskFlow.Step;
import io.ttes.operator.opstask.TaskPlatform.LaunchOrder;
import io.ttes.operator.opstask.TaskPlatform.Launched;
import io.ttes.operator.opstask.TaskPlatform.Observation;
import io.ttes.operator.opstask.TaskPlatform.Started;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One reconcile of one OpsTask: the state machine's decisions. It reads where the task is from its
 * status (the write-ahead log) and takes at most one step, talking to AWS only through the task's
 * {@link TaskPlatform}:
 *
 * <pre>
 * Pending ──slot──▶ Pending+launchToken ──find, else launch──▶ Running ──observe──▶ Succeeded | Failed
 * </pre>
 *
 * The next status, its events and the outcome are built by {@link OpsTaskReport}.
 */
final class OpsTaskAttempt {
  /** Reasons of problems in what the OpsTask references: checked again after a slow poll. */
  static final Set<String> REFERENCE_PROBLEMS =
      Set.of(
          Reasons.CLUSTER_NOT_FOUND,
          Reasons.SECRET_NOT_FOUND,
          Reasons.SECRET_KEY_NOT_FOUND,
          Reasons.PLATFORM_MISMATCH,
          Reasons.ACCESS_DENIED,
          Reasons.AWS_REJECTED,
          Reasons.SECRETS_MANAGER_SECRET_NOT_FOUND,
          Reasons.SECRETS_MANAGER_SECRET_INVALID,
          Reasons.STACK_NOT_FOUND,
          Reasons.OPS_OUTPUT_MISSING,
          Reasons.OPS_OUTPUT_MALFORMED,
          OpsTaskFlow.TASK_DEFINITION_INACTIVE);

  private final OpsTaskFlow flow;
  private final Settings settings;
  private final OpsTask task;
  private final TTESCluster cluster;
  private final AwsServicesFactory aws;
  private final OpsTaskStatus status;
  private final OpsTaskReport report;
  private final String uid;
  private final Optional<UpgradeWindow.Hold> upgrade;

  OpsTaskAttempt(
      OpsTaskFlow flow,
      OpsTask task,
      OpsTaskStatus next,
      TTESCluster cluster,
      SecretReader secrets,
      AwsServicesFactory aws,
      Optional<UpgradeWindow.Hold> upgrade) {
    this.flow = flow;
    this.upgrade = upgrade;
    this.settings = flow.settings();
    this.task = task;
    this.cluster = cluster;
    this.aws = aws;
    this.status = next;
    this.uid = OpsTaskFlow.uidOf(task);
    this.report = new OpsTaskReport(flow, task, next, cluster, secrets, aws);
  }

  Step run() {
    if (status.getPhase() == null) {
      status.setPhase(OpsTaskPhase.Pending);
    }
    String retry = OpsTaskFlow.retryRequest(task);
    if (retry != null && !retry.equals(status.getRetryRequest())) {
      status.setRetryRequest(retry);
      if (status.getPhase().isFinished()) {
        return report.rerun(retry);
      }
    }
    if (status.getPhase().isFinished()) {
      return finished();
    }
    if (status.getTaskArn() != null) {
      return running();
    }
    return pending();
  }

  // ---- finished: final, no AWS call

  private Step finished() {
    flow.slots().release(uid);
    if (status.getTaskArn() != null) {
      flow.observer().forget(status.getTaskArn());
    }
    Outcome outcome =
        status.getPhase() == OpsTaskPhase.Succeeded
            ? Outcome.ready(Reasons.COMPLETED, status.getMessage())
            : Outcome.failed(status.getReason(), status.getMessage());
    return report.done(outcome, flow.ttlLeft(task, status));
  }

  // ---- pending: validate, wait for a slot, write the launch token, launch

  private Step pending() {
    if (cluster == null && ReferencedCluster.withinGrace(task, report.now())) {
      // Applied together with its cluster: the cache may not hold it yet (as for the other kinds).
      String name = OpsTaskFlow.clusterName(task);
      return report.waitFor(
          Reasons.WAITING_FOR_CLUSTER,
          ReferencedCluster.waiting(task.getMetadata().getNamespace(), name).message(),
          settings.fastPoll());
    }
    LaunchPlan plan;
    Map<String, String> values;
    try {
      plan = LaunchPlanner.plan(task, cluster);
      if (status.getLaunchToken() == null && upgrade.isPresent()) {
        return report.waitForUpgrade(upgrade.get()); // before anything reaches AWS
      }
      values = report.resolveSecrets();
    } catch (SpecProblem problem) {
      return report.stalled(problem);
    }
    String waiting = LaunchPlanner.waitingFor(plan, cluster);
    if (waiting != null) {
      return report.waitFor(Reasons.WAITING_FOR_CLUSTER, waiting, settings.waitPoll());
    }
    try {
      LaunchPlanner.checkEcsTarget(plan, cluster);
    } catch (SpecProblem problem) {
      return report.stalled(problem);
    }
    String key = OpsTaskFlow.clusterKey(task);
    Instant next = nextAttemptAt();
    if (status.getLaunchToken() != null && next != null && report.now().isBefore(next)) {
      flow.slots().markRunning(key, uid);
      return report.waitFor(
          OpsTaskFlow.WAITING_TO_RETRY, status.getMessage(), Duration.between(report.now(), next));
    }
    if (status.getLaunchToken() == null && Boolean.TRUE.equals(task.getSpec().getSuspend())) {
      return report.suspended();
    }
    if (status.getLaunchToken() == null) {
      TaskSlots.Decision decision =
          flow.slots()
              .tryAcquire(
                  key,
                  uid,
                  OpsTaskFlow.created(task),
                  cluster.getSpec().getOps().getMaxConcurrentTasks());
      if (!decision.granted()) {
        // The message names the limit, not the place in line: it stays the same while the line
        // moves, so waiting costs no status patch (the task is woken when a slot frees).
        return report.waitQuietly(
            Reasons.WAITING_FOR_SLOT,
            "waiting for a free slot on TTESCluster "
                + cluster.getMetadata().getName()
                + " (spec.ops.maxConcurrentTasks: "
                + decision.max()
                + "); tasks start in the order they were created",
            settings.waitPoll());
      }
      // Write-ahead: this status is persisted before anything reaches AWS.
      status.setLaunchToken(OpsTaskFlow.launchToken(uid, report.attempt()));
      flow.unlaunchedTokens().add(status.getLaunchToken());
      status.setCommandLine(plan.command().display());
      status.setReason(Reasons.STARTING);
      status.setMessage("starting " + plan.command().display());
      return report.done(
          Outcome.reconciling(Reasons.STARTING, status.getMessage()), Optional.of(Duration.ZERO));
    }
    flow.slots().markRunning(key, uid);
    report.knowSecrets(values.values());
    try {
      return launch(plan, values);
    } catch (AwsException e) {
      return report.awsTrouble(e, true);
    } catch (SpecProblem problem) {
      return report.stalled(problem);
    }
  }

  /** When the next attempt may start (null: now). */
  private Instant nextAttemptAt() {
    try {
      return status.getNextAttemptAt() == null ? null : Instant.parse(status.getNextAttemptAt());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Finds the task a crash may have hidden, else launches it. A token this process wrote and has
   * not launched yet cannot have been used, so its lookup is skipped.
   */
  private Step launch(LaunchPlan plan, Map<String, String> values) {
    TaskPlatform platform = flow.connector().forLaunch(plan, task, cluster, aws);
    if (plan.platform() == Platform.AMI) {
      status.setInstanceId(platform.where());
    }
    status.setNextAttemptAt(null);
    String token = status.getLaunchToken();
    Optional<Started> found =
        flow.unlaunchedTokens().remove(token) ? Optional.empty() : platform.find(token);
    Started started;
    if (found.isPresent()) {
      started = found.get();
    } else {
      Launched launched =
          platform.launch(
              new LaunchOrder(
                  plan, values, token, OpsTaskFlow.clientToken(uid, report.launchesBefore())));
      if (launched.refused() != null) {
        return report.runTaskRefused(launched.refused());
      }
      started = launched.started();
      status.setCommandLine(plan.command().display());
    }
    status.setTaskArn(started.id());
    if (started.taskDefinition() != null) {
      status.setTaskDefinition(started.taskDefinition());
    }
    status.setStartedAt(
        OpsTaskFlow.format(started.startedAt() == null ? report.now() : started.startedAt()));
    if (plan.platform() == Platform.ECS) {
      status.setEcsCluster(platform.where());
    }
    report.normal(Reasons.RUNNING, started.note());
    status.setPhase(OpsTaskPhase.Running);
    return report.stillRunning(platform);
  }

  // ---- running: observe, finish, time out

  private Step running() {
    flow.slots().markRunning(OpsTaskFlow.clusterKey(task), uid);
    if (cluster == null) {
      return report.stalled(
          new SpecProblem(
              Reasons.CLUSTER_NOT_FOUND,
              "spec.clusterRef.name",
              "TTESCluster "
                  + OpsTaskFlow.clusterName(task)
                  + " not found; the task "
                  + status.getTaskArn()
                  + " cannot be observed until it is back"));
    }
    Duration timeout;
    try {
      timeout = LaunchPlanner.parseTimeout(task.getSpec().getTimeout());
    } catch (SpecProblem problem) {
      // Changed after start to something invalid; the task keeps the default limit.
      timeout = LaunchPlanner.parseTimeout(null);
    }
    try {
      TaskPlatform platform = flow.connector().forTask(status, task, cluster, aws);
      if (platform == null) {
        return report.stalled(
            new SpecProblem(
                Reasons.PLATFORM_MISMATCH,
                "spec.clusterRef.name",
                "TTESCluster "
                    + cluster.getMetadata().getName()
                    + " names no instance to observe "
                    + status.getTaskArn()
                    + " on"));
      }
      return observe(platform, timeout);
    } catch (AwsException e) {
      return report.awsTrouble(e, false);
    }
  }

  private Step observe(TaskPlatform platform, Duration timeout) {
    String id = status.getTaskArn();
    Observation seen = platform.observe(id);
    switch (seen.state()) {
      case ABSENT:
        if (report.now().isBefore(report.startedAt().plus(settings.notFoundGrace()))) {
          return report.stillRunning(platform);
        }
        return report.attemptEnded(
            OpsTaskPhase.Failed, null, seen.reason(), seen.reason(), seen.message(), null);
      case ENDED:
        Integer exit = seen.exitCode();
        return report.attemptEnded(
            exit != null && exit == 0 ? OpsTaskPhase.Succeeded : OpsTaskPhase.Failed,
            exit,
            seen.stopCode(),
            seen.reason(),
            seen.message() + (exit == null ? "" : report.ran()) + report.details(seen.awsText()),
            seen.tail().get());
      default:
        if (report.timedOut(timeout)) {
          String limit = LaunchPlanner.format(timeout);
          platform.stop(id, "OpsTask timeout of " + limit + " reached");
          return report.finish(
              OpsTaskPhase.Failed,
              null,
              Reasons.TIMEOUT,
              platform.stopWord() + " after the timeout of " + limit,
              seen.tail().get());
        }
        return report.stillRunning(platform);
    }
  }
}
