package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.ttes.operator.api.v1alpha1.BootstrapPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import io.ttes.operator.aws.fake.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The end of every reconcile: conditions, one announcement per change of outcome, the write. */
class ReconcileTailTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final RecordedEvents events = new RecordedEvents();
  private final ConditionWriter conditions = new ConditionWriter(clock);

  @Test
  void aStallIsAnnouncedOnceAndAgainOnlyWhenItsReasonChanges() {
    StackUpgrade su = upgrade(3L);
    List<StackUpgradeStatus> written = new ArrayList<>();
    ReconcileTail<StackUpgradeStatus, StackUpgrade> tail = upgradeTail(written);
    Outcome noCluster = Outcome.stalled(Reasons.CLUSTER_NOT_FOUND, "spec.clusterRef.name: gone");

    finish(tail, su, noCluster);
    finish(tail, su, noCluster);
    finish(tail, su, noCluster);
    finish(tail, su, Outcome.stalled(Reasons.ACCESS_DENIED, "not allowed"));

    assertThat(events.lines)
        .containsExactly(
            "Warning ClusterNotFound spec.clusterRef.name: gone",
            "Warning AccessDenied not allowed");
    assertThat(written).hasSize(4);
  }

  @Test
  void aStallAfterProgressIsAnnouncedAgain() {
    StackUpgrade su = upgrade(1L);
    ReconcileTail<StackUpgradeStatus, StackUpgrade> tail = upgradeTail(new ArrayList<>());
    Outcome stalled = Outcome.stalled(Reasons.AWS_REJECTED, "rejected");

    finish(tail, su, stalled);
    finish(tail, su, Outcome.reconciling(Reasons.STEP_RUNNING, "step runs"));
    finish(tail, su, stalled);

    assertThat(events.lines)
        .containsExactly("Warning AwsRejected rejected", "Warning AwsRejected rejected");
  }

  @Test
  void conditionsCarryTheGenerationTheOutcomeWasComputedFor() {
    StackUpgrade su = upgrade(7L);
    ReconcileTail<StackUpgradeStatus, StackUpgrade> tail = upgradeTail(new ArrayList<>());

    finish(tail, su, Outcome.reconciling(Reasons.STEP_RUNNING, "step runs"));

    StackUpgradeStatus status = su.getStatus();
    assertThat(status.getObservedGeneration()).isEqualTo(7L);
    assertThat(status.getConditions())
        .extracting(c -> c.getType() + "=" + c.getStatus() + "@" + c.getObservedGeneration())
        .containsExactlyInAnyOrder("Ready=False@7", "Reconciling=True@7", "Stalled=False@7");
  }

  @Test
  void readyIsAnnouncedOnlyByKindsThatAskAndOnlyWhenItWasNotReachedBefore() {
    TenantBootstrap tb = new TenantBootstrap();
    tb.setMetadata(
        new ObjectMetaBuilder().withName("acme").withNamespace("ns").withGeneration(1L).build());
    ReconcileTail<TenantBootstrapStatus, TenantBootstrap> tail =
        new ReconcileTail<>(
            conditions,
            Announcer.<TenantBootstrapStatus>of(events, getClass(), "bootstrap")
                .announcingReady(before -> before.getPhase() == BootstrapPhase.Succeeded),
            (r, context, next) -> r.setStatus(next));
    Outcome done = Outcome.ready(Reasons.BOOTSTRAPPED, "9 steps done");

    TenantBootstrapStatus first = new TenantBootstrapStatus();
    first.setPhase(BootstrapPhase.Succeeded);
    tail.finish(tb, null, tb.getStatus(), first, done, null);
    TenantBootstrapStatus again = new TenantBootstrapStatus();
    again.setPhase(BootstrapPhase.Succeeded);
    tail.finish(tb, null, tb.getStatus(), again, done, null);

    assertThat(events.lines).containsExactly("Normal Bootstrapped 9 steps done");

    events.lines.clear();
    StackUpgrade su = upgrade(1L);
    finish(upgradeTail(new ArrayList<>()), su, Outcome.ready("Succeeded", "at 3.33.2"));
    assertThat(events.lines).isEmpty();
  }

  @Test
  void theRescheduleBecomesTheUpdateControlAndZeroMeansNow() {
    StackUpgrade su = upgrade(1L);
    UpdateControl<StackUpgrade> later =
        upgradeTail(new ArrayList<>())
            .finish(
                su,
                null,
                su.getStatus(),
                new StackUpgradeStatus(),
                Outcome.reconciling(Reasons.STEP_RUNNING, "runs"),
                Duration.ofSeconds(5));
    assertThat(later.getScheduleDelay()).contains(5_000L);
    assertThat(later.isNoUpdate()).isTrue();
    assertThat(ReconcileTail.<StackUpgrade>after(null).getScheduleDelay()).isEmpty();
    assertThat(ReconcileTail.<StackUpgrade>after(Duration.ZERO).getScheduleDelay()).contains(1L);
  }

  private ReconcileTail<StackUpgradeStatus, StackUpgrade> upgradeTail(
      List<StackUpgradeStatus> written) {
    return new ReconcileTail<>(
        conditions,
        Announcer.of(events, getClass(), "upgrade"),
        (r, context, next) -> {
          written.add(next);
          r.setStatus(next);
        });
  }

  /** One reconcile: a copy of the stored status, the outcome, the write (into the resource). */
  private static void finish(
      ReconcileTail<StackUpgradeStatus, StackUpgrade> tail, StackUpgrade su, Outcome outcome) {
    StackUpgradeStatus next = new StackUpgradeStatus();
    if (su.getStatus() != null) {
      next.setConditions(new ArrayList<>(su.getStatus().getConditions()));
    }
    tail.finish(su, null, su.getStatus(), next, outcome, null);
  }

  private static StackUpgrade upgrade(long generation) {
    StackUpgrade su = new StackUpgrade();
    su.setMetadata(
        new ObjectMetaBuilder()
            .withName("to-3-33-2")
            .withNamespace("ns")
            .withUid("uid-1")
            .withGeneration(generation)
            .build());
    return su;
  }

  /** The events an announcer records, as "type reason message". */
  static final class RecordedEvents extends EventRecorder {
    final List<String> lines = new ArrayList<>();

    RecordedEvents() {
      super(null, null);
    }

    @Override
    public void normal(HasMetadata object, String reason, String message) {
      lines.add("Normal " + reason + " " + message);
    }

    @Override
    public void warning(HasMetadata object, String reason, String message) {
      lines.add("Warning " + reason + " " + message);
    }
  }
}
