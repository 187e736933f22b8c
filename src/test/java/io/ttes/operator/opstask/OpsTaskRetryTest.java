package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.Action;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.ExitCodes;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.Operator;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.Rule;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.aws.fake.FakeEcsTasks.Ending;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.opstask.OpsTaskFlow.Step;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Retries of an OpsTask in a Job's terms: failure policy, backoffLimit, backoff, tokens. */
class OpsTaskRetryTest {
  private static final Duration FAST = Duration.ofSeconds(5);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeAws aws = new FakeAws(clock);
  private final OpsTaskFlow flow =
      new OpsTaskFlow(
          new OpsTaskFlow.Settings(FAST, FAST, Duration.ofMinutes(5), Duration.ofMinutes(2)),
          clock,
          new TaskSlots(clock, Duration.ofMinutes(10)),
          new BatchedTaskObserver(clock));
  private final TTESCluster cluster = cluster();
  private final List<Step> steps = new ArrayList<>();

  OpsTaskRetryTest() {
    aws.ecs().taskDefinition("ttes-ops", 2);
  }

  private TTESCluster cluster() {
    TTESCluster c = new TTESCluster();
    c.setMetadata(new ObjectMetaBuilder().withName("c").withNamespace("ops").build());
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    spec.setNaming(new TTESClusterSpec.Naming("prod", "eu1", "c1"));
    spec.getOps().setEcs(new TTESClusterSpec.Ecs("ops-stack", "OpsRunTaskArguments", "ttes", null));
    c.setSpec(spec);
    TTESClusterStatus status = new TTESClusterStatus();
    TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
    ops.setTaskDefinition(FakeEcsTasks.taskDefinitionArn("ttes-ops", 2));
    ops.setCluster("ops-cluster");
    ops.setSubnets(List.of("subnet-a"));
    ops.setSecurityGroups(List.of("sg-a"));
    status.setOps(ops);
    new ConditionWriter(clock).apply(status, 1L, Outcome.ready("StacksStable", ""));
    c.setStatus(status);
    return c;
  }

  private static OpsTask task(Integer backoffLimit, Rule... rules) {
    OpsTask t = new OpsTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName("migrate")
            .withNamespace("ops")
            .withUid(UUID.randomUUID().toString())
            .withGeneration(1L)
            .withCreationTimestamp("2025-01-01T00:00:00Z")
            .build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef("c"));
    spec.setCommand(new ArrayList<>(List.of("is-db", "migrate")));
    spec.setBackoffLimit(backoffLimit);
    if (rules.length > 0) {
      spec.setFailurePolicy(new OpsTaskFailurePolicy(List.of(rules)));
    }
    t.setSpec(spec);
    return t;
  }

  private Step step(OpsTask t) {
    Step s = lost(t);
    steps.add(s);
    t.setStatus(s.status());
    return s;
  }

  /** A reconcile whose status never reaches Kubernetes (the operator crashed before the write). */
  private Step lost(OpsTask t) {
    OpsTaskStatus next = t.getStatus() == null ? new OpsTaskStatus() : JSON.clone(t.getStatus());
    return flow.reconcile(t, next, cluster, SecretReader.fromMap(Map.of()), aws);
  }

  private OpsTaskStatus runToEnd(OpsTask t) {
    for (int i = 0; i < 100; i++) {
      Step s = step(t);
      if (s.status().getPhase().isFinished()) {
        return s.status();
      }
      clock.advance(s.rescheduleAfter().orElseThrow());
    }
    throw new AssertionError("not finished: " + t.getStatus());
  }

  /** Reconciles, as the reconciler would come back, until an attempt failed and is retried. */
  private Step untilAttemptFails(OpsTask t) {
    for (int i = 0; i < 20; i++) {
      Step s = step(t);
      if (s.status().getNextAttemptAt() != null) {
        return s;
      }
      clock.advance(s.rescheduleAfter().orElseThrow());
    }
    throw new AssertionError("no failed attempt: " + t.getStatus());
  }

  private static List<String> actions(OpsTaskStatus s) {
    return s.getAttempts().stream().map(OpsTaskStatus.Attempt::getAction).toList();
  }

  @Test
  void taskFailedToStartTwiceThenSuccessIsThreeAttemptsOnThreeTokens() {
    aws.ecs()
        .endNextTasks(
            Ending.failedToStart("ResourceInitializationError: unable to pull secrets"),
            Ending.failedToStart("CannotPullContainerError: timeout"));
    OpsTask t = task(null);

    OpsTaskStatus end = runToEnd(t);

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(end.getAttempt()).isEqualTo(3);
    assertThat(end.getAttempts())
        .extracting(OpsTaskStatus.Attempt::getStopCode)
        .containsExactly("TaskFailedToStart", "TaskFailedToStart", "EssentialContainerExited");
    assertThat(actions(end)).containsExactly("Ignore", "Ignore", "None");
    assertThat(end.getAttempts())
        .extracting(OpsTaskStatus.Attempt::getTaskArn)
        .containsExactlyElementsOf(aws.ecs().startedTasks());
    assertThat(aws.ecs().startedTasks()).hasSize(3);
    String uid = t.getMetadata().getUid();
    assertThat(aws.ecs().runRequests())
        .extracting(RunRequest::startedBy)
        .containsExactly(
            OpsTaskFlow.launchToken(uid, 1),
            OpsTaskFlow.launchToken(uid, 2),
            OpsTaskFlow.launchToken(uid, 3))
        .doesNotHaveDuplicates()
        .allSatisfy(token -> assertThat(token).hasSizeLessThanOrEqualTo(36));
    assertThat(aws.ecs().runRequests()).extracting(RunRequest::clientToken).doesNotHaveDuplicates();
    assertThat(end.getNextAttemptAt()).isNull();
    assertThat(end.getExitCode()).isZero();
  }

  @Test
  void theBackoffIsInStatusAndTheTestClockDrivesIt() {
    aws.ecs().endNextTasks(Ending.failedToStart("x"), Ending.failedToStart("y"));
    OpsTask t = task(null);
    Step failed = untilAttemptFails(t);

    Instant failedAt = clock.instant();
    assertThat(failed.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(failed.status().getReason()).isEqualTo(OpsTaskFlow.WAITING_TO_RETRY);
    assertThat(failed.status().getNextAttemptAt()).isEqualTo(failedAt.plusSeconds(10).toString());
    assertThat(failed.status().getMessage()).contains("attempt 2 starts at");
    assertThat(failed.status().getTaskArn()).isNull();
    assertThat(failed.rescheduleAfter()).contains(Duration.ofSeconds(10));
    assertThat(ConditionWriter.find(failed.status(), "Reconciling").getReason())
        .isEqualTo(OpsTaskFlow.WAITING_TO_RETRY);
    assertThat(failed.events())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("Ignore"));

    clock.advance(Duration.ofSeconds(9));
    Step early = step(t);
    assertThat(early.rescheduleAfter()).contains(Duration.ofSeconds(1));
    assertThat(aws.ecs().runRequests()).hasSize(1);

    clock.advance(Duration.ofSeconds(1));
    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(aws.ecs().runRequests()).hasSize(2);
    Step second = untilAttemptFails(t);
    assertThat(second.rescheduleAfter()).contains(Duration.ofSeconds(20));
  }

  @Test
  void aCrashAfterTheSecondRunTaskAdoptsThatTask() {
    aws.ecs().endNextTasks(Ending.failedToStart("x"), Ending.failedToStart("y"));
    OpsTask t = task(null);
    Step failed = untilAttemptFails(t);
    clock.advance(failed.rescheduleAfter().orElseThrow());
    OpsTaskStatus beforeLaunch = t.getStatus();

    Step crashed = lost(t); // RunTask of attempt 2 reaches ECS, its status never is written
    assertThat(aws.ecs().startedTasks()).hasSize(2);
    t.setStatus(beforeLaunch);
    Step adopted = step(t);

    assertThat(adopted.status().getTaskArn()).isEqualTo(crashed.status().getTaskArn());
    assertThat(adopted.events()).anySatisfy(e -> assertThat(e.message()).contains("found"));
    OpsTaskStatus end = runToEnd(t);
    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(aws.ecs().startedTasks()).as("no fourth task").hasSize(3);
    assertThat(end.getAttempts()).hasSize(3);
  }

  @Test
  void anExitCodeListedAsFailFailsAtOnce() {
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db")).exitCode(2);
    OpsTask t =
        task(
            5,
            new Rule(Action.Fail, new ExitCodes(Operator.In, List.of(2, 3)), null),
            new Rule(Action.Count, new ExitCodes(Operator.NotIn, List.of(0)), null));

    OpsTaskStatus end = runToEnd(t);

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getReason()).isEqualTo("NonZeroExit");
    assertThat(end.getMessage()).contains("spec.failurePolicy.rules[0]", "Fail");
    assertThat(actions(end)).containsExactly("Fail");
    assertThat(aws.ecs().startedTasks()).hasSize(1);
  }

  @Test
  void backoffLimitTwoWithThreeNonZeroExitsFailsAfterThreeAttempts() {
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db")).exitCode(1);
    OpsTask t = task(2);

    OpsTaskStatus end = runToEnd(t);

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getReason()).isEqualTo(RetryPolicy.BACKOFF_LIMIT_EXCEEDED);
    assertThat(end.getExitCode()).isEqualTo(1);
    assertThat(actions(end)).containsExactly("Count", "Count", "Count");
    assertThat(aws.ecs().startedTasks()).hasSize(3);
    assertThat(ConditionWriter.find(end, "Ready").getReason())
        .isEqualTo(RetryPolicy.BACKOFF_LIMIT_EXCEEDED);
    assertThat(steps)
        .filteredOn(s -> s.status().getNextAttemptAt() != null)
        .extracting(s -> s.rescheduleAfter().orElseThrow())
        .containsSubsequence(Duration.ofSeconds(10), Duration.ofSeconds(20));
  }

  @Test
  void withTheDefaultBackoffLimitANonZeroExitFailsAsBefore() {
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db")).exitCode(4);
    OpsTaskStatus end = runToEnd(task(null));
    assertThat(end.getReason()).isEqualTo("NonZeroExit");
    assertThat(actions(end)).containsExactly("Count");
    assertThat(aws.ecs().startedTasks()).hasSize(1);
  }

  @Test
  void infrastructureStopsAreRetriedWithoutCountingAtMostFiveTimes() {
    aws.ecs().whenCommand(List.of("tti-lw-stack")).stoppedByAws("CannotPullContainerError");
    OpsTaskStatus end = runToEnd(task(1));

    assertThat(actions(end))
        .containsExactly("Ignore", "Ignore", "Ignore", "Ignore", "Ignore", "Count", "Count");
    assertThat(end.getReason()).isEqualTo(RetryPolicy.BACKOFF_LIMIT_EXCEEDED);
    assertThat(aws.ecs().startedTasks()).hasSize(7);
  }

  @Test
  void aSpotInterruptionIsIgnoredAndAStopCodeRuleCanFailIt() {
    aws.ecs().endNextTasks(Ending.spotInterruption());
    OpsTaskStatus retried = runToEnd(task(null));
    assertThat(retried.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(actions(retried)).containsExactly("Ignore", "None");

    aws.ecs().endNextTasks(Ending.spotInterruption());
    OpsTaskStatus failed = runToEnd(task(3, new Rule(Action.Fail, null, List.of("Spot*"))));
    assertThat(failed.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(actions(failed)).containsExactly("Fail");
  }

  @Test
  void aRunTaskCapacityFailureCanBeMadeFinalByARule() {
    aws.ecs().answerRunTaskWithFailure("RESOURCE:MEMORY", null, 1);
    OpsTaskStatus end = runToEnd(task(3, new Rule(Action.Fail, null, List.of("RESOURCE:*"))));

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getReason()).isEqualTo("RunTaskFailed");
    assertThat(end.getAttempts())
        .singleElement()
        .satisfies(a -> assertThat(a.getStopCode()).isEqualTo("RESOURCE:MEMORY"));
    assertThat(aws.ecs().startedTasks()).isEmpty();
  }

  @Test
  void theBackoffDoublesFromTenSecondsUpToFiveMinutes() {
    assertThat(List.of(2, 3, 4, 5, 6, 7, 8, 9, 40))
        .extracting(RetryPolicy::backoff)
        .containsExactly(
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            Duration.ofSeconds(40),
            Duration.ofSeconds(80),
            Duration.ofSeconds(160),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5));
  }

  // ---- suspend and the retry annotation

  @Test
  void suspendHoldsATaskThatHasNotStartedUntilItIsCleared() {
    OpsTask t = task(null);
    t.getSpec().setSuspend(true);

    Step held = step(t);
    assertThat(step(t).events()).as("one event, not one per reconcile").isEmpty();

    assertThat(held.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(held.status().getLaunchToken()).isNull();
    assertThat(ConditionWriter.find(held.status(), "Reconciling").getReason())
        .isEqualTo(OpsTaskFlow.SUSPENDED);
    assertThat(held.events()).extracting(e -> e.reason()).containsExactly("Suspended");
    assertThat(held.rescheduleAfter()).isEmpty();
    assertThat(aws.calls().all()).isEmpty();

    t.getSpec().setSuspend(false);
    t.getMetadata().setGeneration(2L);
    assertThat(runToEnd(t).getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(aws.ecs().startedTasks()).hasSize(1);
  }

  @Test
  void suspendDoesNotHoldATaskWhoseLaunchMayHaveReachedAws() {
    aws.ecs().neverStop();
    OpsTask t = task(null);
    step(t);
    step(t);
    t.getSpec().setSuspend(true);
    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  @Test
  void theRetryAnnotationStartsANewAttemptOncePerValue() {
    aws.ecs().whenCommand(List.of("tti-lw-stack", "is-db")).exitCode(1);
    OpsTask t = task(1);
    t.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of("ops.ttes.io/retry", "0")));
    OpsTaskStatus failed = runToEnd(t);
    assertThat(failed.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(aws.ecs().startedTasks())
        .as("a value present from the start runs nothing")
        .hasSize(2);
    assertThat(OpsTaskFlow.settled(t)).isTrue();

    t.getMetadata().getAnnotations().put("ops.ttes.io/retry", "1");
    assertThat(OpsTaskFlow.settled(t)).isFalse();
    Step rerun = step(t);
    assertThat(rerun.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(rerun.status().getAttempt()).isEqualTo(3);
    assertThat(rerun.events()).extracting(e -> e.reason()).containsExactly("RetryRequested");
    OpsTaskStatus again = runToEnd(t);

    // The new run counts its failures afresh: two more attempts under backoffLimit 1.
    assertThat(again.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(again.getAttempts()).hasSize(4);
    assertThat(aws.ecs().startedTasks()).hasSize(4);
    String uid = t.getMetadata().getUid();
    assertThat(aws.ecs().runRequests())
        .extracting(RunRequest::startedBy)
        .containsExactly(
            OpsTaskFlow.launchToken(uid, 1),
            OpsTaskFlow.launchToken(uid, 2),
            OpsTaskFlow.launchToken(uid, 3),
            OpsTaskFlow.launchToken(uid, 4));
    assertThat(step(t).status().getAttempts()).as("the same value again runs nothing").hasSize(4);
    assertThat(aws.ecs().startedTasks()).hasSize(4);
  }

  // ---- clean-up

  @Test
  void aFinishedAdHocTaskIsDueForDeletionAfterItsTtlAndAnOwnedOneNever() {
    OpsTask adHoc = task(null);
    adHoc.getSpec().setTtlSecondsAfterFinished(60);
    OpsTask owned = task(null);
    owned.getSpec().setTtlSecondsAfterFinished(60);
    owned
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withKind("StackUpgrade")
                    .withName("up")
                    .withUid("u")
                    .withApiVersion("ops.ttes.io/v1alpha1")
                    .build()));

    assertThat(flow.ttlLeft(adHoc)).as("not finished: never").isEmpty();
    runToEnd(owned);
    assertThat(steps.get(steps.size() - 1).rescheduleAfter()).as("owned").isEmpty();
    OpsTaskStatus end = runToEnd(adHoc);

    assertThat(steps.get(steps.size() - 1).rescheduleAfter())
        .as("the finishing step comes back when the TTL is due")
        .contains(Duration.ofSeconds(60));
    assertThat(flow.ttlLeft(adHoc)).contains(Duration.ofSeconds(60));
    assertThat(end.getFinishedAt()).isNotNull();
    clock.advance(Duration.ofSeconds(59));
    assertThat(flow.ttlLeft(adHoc)).contains(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    assertThat(flow.ttlLeft(adHoc)).contains(Duration.ZERO);
    assertThat(flow.ttlLeft(owned)).isEmpty();
  }

  @Test
  void theOperatorDefaultTtlAppliesOnlyWithoutASpecTtl() {
    OpsTaskFlow withDefault =
        new OpsTaskFlow(
            new OpsTaskFlow.Settings(
                FAST, FAST, Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofHours(1)),
            clock,
            new TaskSlots(clock, Duration.ofMinutes(10)),
            new BatchedTaskObserver(clock));
    OpsTask t = task(null);
    runToEnd(t);
    assertThat(flow.ttlLeft(t)).as("default off").isEmpty();
    assertThat(withDefault.ttlLeft(t)).contains(Duration.ofHours(1));
    t.getSpec().setTtlSecondsAfterFinished(0);
    assertThat(withDefault.ttlLeft(t)).contains(Duration.ZERO);
  }

  @Test
  void theOperatorSettingIsTtesOpstaskTtlSeconds() {
    var config =
        io.ttes.operator.config.OperatorConfig.load(
            Map.of("TTES_OPSTASK_TTL_SECONDS", "600"), new String[0]);
    assertThat(config.opsTaskTtlSeconds()).isEqualTo(600);
    assertThat(OpsTaskFlow.Settings.from(config).defaultTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(io.ttes.operator.config.OperatorConfig.defaults().opsTaskTtlSeconds()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                io.ttes.operator.config.OperatorConfig.load(
                    Map.of(), new String[] {"--opstask-ttl-seconds=-1"}))
        .hasMessageContaining("TTES_OPSTASK_TTL_SECONDS");
  }
}
