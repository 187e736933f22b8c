package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.cluster.ClusterTarget;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.status.EventRecorder;
import java.time.Clock;

/**
 * Which handler works on which phase, wired once: (none) | Pending → {@link PendingPhase}; with the
 * lock held and the cluster's AWS services, Planning → {@link PlanningPhase}, AwaitingApproval →
 * {@link ApprovalPhase}, Snapshotting | Updating | Migrating → {@link ExecutionPhase}; Planned,
 * Succeeded, Failed → {@link FinishedPhase}, or with spec.rollback a Failed or Succeeded upgrade →
 * {@link RollbackPlanner} (lock held), which sends it back to Planning with a rollback plan.
 */
final class PhaseTable {
  private final AwsServicesFactory aws;
  private final LockGuard lockGuard;
  private final PendingPhase pending;
  private final PlanningPhase planning;
  private final ApprovalPhase approval;
  private final ExecutionPhase execution;
  final FinishedPhase finished;
  private final RollbackPlanner rollback;
  private final UpgradeHops hops;

  PhaseTable(
      AwsServicesFactory aws,
      EventRecorder events,
      OperatorConfig config,
      OwnedOpsTasks opsTasks,
      UpgradeLock lock,
      Clock clock) {
    this.aws = aws;
    UpgradeEndings endings = new UpgradeEndings(events, lock, config, clock);
    StackPlanReader reader = new StackPlanReader();
    PlanVoider voider = new PlanVoider(events);
    this.lockGuard = new LockGuard(lock, config);
    this.hops = new UpgradeHops(endings);
    this.pending = new PendingPhase(endings, lockGuard, new PlanIdentity());
    ChangeSetPreparer preparer = new ChangeSetPreparer(endings, reader, new SnapshotGuard(endings));
    this.execution =
        new ExecutionPhase(
            endings,
            reader,
            voider,
            new StackStep(endings, preparer),
            new MigrationStep(endings, voider, opsTasks),
            hops);
    this.approval = new ApprovalPhase(endings, voider, execution);
    this.planning = new PlanningPhase(endings, reader, voider, approval);
    this.finished = new FinishedPhase(config);
    this.rollback = new RollbackPlanner(endings);
  }

  /**
   * Runs the handler of {@code phase}; {@code observed} is the version the cluster runs. An upgrade
   * walking hops then has status.hops laid out and its outcome names the current hop.
   */
  PhaseResult handle(UpgradeRun run, UpgradePhase phase, String observed) {
    PhaseResult result = dispatch(run, phase, observed);
    hops.layOut(run);
    return new PhaseResult(UpgradeHops.named(run, result.outcome()), result.reschedule());
  }

  private PhaseResult dispatch(UpgradeRun run, UpgradePhase phase, String observed) {
    if (phase == null || phase == UpgradePhase.Pending) {
      return pending.handle(run, observed);
    }
    PhaseResult locked = lockGuard.hold(run);
    if (locked != null) {
      return locked;
    }
    run.services = aws.forTarget(ClusterTarget.of(run.cluster.getSpec()));
    return switch (phase) {
      case Planning -> planning.handle(run);
      case AwaitingApproval -> approval.handle(run);
      case Snapshotting, Updating, Migrating -> execution.handle(run);
      default ->
          RollbackPlanner.requested(run.status, run.spec.rollbackRequested())
              ? rollback.begin(run)
              : finished.handle(run);
    };
  }
}
