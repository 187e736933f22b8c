package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.cluster.ReferencedCluster;
import io.ttes.operator.opstask.OpsTaskFlow.Event;
import io.ttes.operator.opstask.OpsTaskFlow.EventType;
import io.ttes.operator.opstask.OpsTaskFlow.Step;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.StatusUpdates;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OpsTaskFlowTest {
  private static final String SECRET = "Sup3r-s3cret!";
  private static final String NS = "ops";
  private static final Duration FAST = Duration.ofSeconds(5);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeAws aws = new FakeAws(clock);
  private final TaskSlots slots = new TaskSlots(clock, Duration.ofMinutes(10));
  private final BatchedTaskObserver observer = new BatchedTaskObserver(clock);
  private final OpsTaskFlow flow =
      new OpsTaskFlow(
          new OpsTaskFlow.Settings(
              FAST, FAST.multipliedBy(3), Duration.ofMinutes(5), Duration.ofMinutes(2)),
          clock,
          slots,
          observer);
  private final Map<String, Map<String, String>> k8sSecrets = new HashMap<>();
  private final SecretReader secrets = SecretReader.fromMap(k8sSecrets);
  private TTESCluster cluster = ecsCluster();

  /** Everything the flow returned, to search for secret values. */
  private final List<Step> steps = new ArrayList<>();

  OpsTaskFlowTest() {
    aws.ecs().taskDefinition("ttes-ops", 1, 2, 3);
    k8sSecrets.put("acme-admin", Map.of("password", SECRET));
  }

  // ---- fixtures

  private TTESCluster ecsCluster() {
    TTESCluster c = new TTESCluster();
    c.setMetadata(
        new ObjectMetaBuilder().withName("prod-eu1").withNamespace(NS).withGeneration(1L).build());
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    spec.setNaming(new TTESClusterSpec.Naming("prod", "eu1", "c1"));
    spec.getOps()
        .setEcs(
            new TTESClusterSpec.Ecs(
                "prod-eu1-5-2-ecs-ops", "OpsRunTaskArguments", "ttes", "FARGATE"));
    c.setSpec(spec);
    TTESClusterStatus status = new TTESClusterStatus();
    TTESClusterStatus.OpsTarget ops = new TTESClusterStatus.OpsTarget();
    ops.setTaskDefinition(FakeEcsTasks.taskDefinitionArn("ttes-ops", 2));
    ops.setCluster("prod-eu1-ops");
    ops.setSubnets(List.of("subnet-one", "subnet-two"));
    ops.setSecurityGroups(List.of("sg-ops"));
    status.setOps(ops);
    new ConditionWriter(clock).apply(status, 1L, Outcome.ready("StacksStable", ""));
    c.setStatus(status);
    return c;
  }

  private TTESCluster amiCluster() {
    TTESCluster c = ecsCluster();
    c.getSpec().setPlatform(Platform.AMI);
    c.getSpec().getOps().setEcs(null);
    c.getSpec().getOps().setBinary("ttn-lw-stack");
    c.getSpec()
        .getOps()
        .setAmi(
            new TTESClusterSpec.Ami(
                "i-0123456789abcdef0", List.of("docker", "exec", "lorawan-stack")));
    c.getStatus().setOps(null);
    return c;
  }

  private int created;

  private OpsTask task(String... command) {
    OpsTask t = new OpsTask();
    t.setMetadata(
        new ObjectMetaBuilder()
            .withName("task-" + created)
            .withNamespace(NS)
            .withUid(UUID.randomUUID().toString())
            .withGeneration(1L)
            .withCreationTimestamp(clock.instant().plusSeconds(created++).toString())
            .build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef("prod-eu1"));
    spec.setCommand(new ArrayList<>(List.of(command)));
    t.setSpec(spec);
    return t;
  }

  private OpsTask withPassword(OpsTask t) {
    t.getSpec()
        .getSecretArgs()
        .add(new SecretArg("ADMIN_PASSWORD", new SecretKeySelector("acme-admin", "password")));
    return t;
  }

  @Test
  void aTaskAppliedWithItsClusterWaitsForItBeforeItStalls() {
    cluster = null;
    OpsTask t = task("is-db", "migrate");

    Step waiting = step(t);
    assertThat(waiting.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(waiting.status().getReason()).isEqualTo(Reasons.WAITING_FOR_CLUSTER);
    assertThat(waiting.status().getMessage()).contains("prod-eu1", NS);
    assertThat(ConditionWriter.find(waiting.status(), "Stalled"))
        .satisfiesAnyOf(
            c -> assertThat(c).isNull(), c -> assertThat(c.getStatus()).isNotEqualTo("True"));

    clock.advance(ReferencedCluster.GRACE.plusSeconds(1));
    Step stalled = step(t);
    assertThat(stalled.status().getReason()).isEqualTo(Reasons.CLUSTER_NOT_FOUND);
    assertThat(stalled.status().getMessage()).contains("prod-eu1");
  }

  /** One reconcile whose status the adapter persists. */
  private Step step(OpsTask t) {
    Step s = reconcile(t);
    steps.add(s);
    t.setStatus(s.status());
    return s;
  }

  /** One reconcile whose status is not persisted (the reconciler copies the status first). */
  private Step reconcile(OpsTask t) {
    OpsTaskStatus next = t.getStatus() == null ? new OpsTaskStatus() : JSON.clone(t.getStatus());
    return flow.reconcile(t, next, cluster, secrets, aws);
  }

  /** Reconciles until the task is finished (bounded). */
  private OpsTaskStatus runToEnd(OpsTask t) {
    for (int i = 0; i < 50; i++) {
      Step s = step(t);
      if (s.status().getPhase().isFinished()) {
        return s.status();
      }
      // As the reconciler would: come back when the flow asked to.
      clock.advance(s.rescheduleAfter().orElseThrow());
    }
    throw new AssertionError("not finished: " + t.getStatus());
  }

  private static String condition(OpsTaskStatus s, String type) {
    Condition c = ConditionWriter.find(s, type);
    return c == null ? null : c.getStatus() + "/" + c.getReason() + "/" + c.getMessage();
  }

  // ---- ECS happy path

  @Test
  void runsTheCommandWithTheExactArgvAndNetwork() {
    OpsTask t = task("is-db", "migrate");

    Step first = step(t);
    assertThat(first.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(first.status().getLaunchToken()).startsWith("ttes-op-").hasSizeLessThanOrEqualTo(36);
    assertThat(first.rescheduleAfter()).contains(Duration.ZERO);
    assertThat(aws.calls().all()).as("nothing reaches AWS before the token is stored").isEmpty();

    Step second = step(t);
    assertThat(second.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    RunRequest run = aws.ecs().runRequests().get(0);
    assertThat(run.command()).containsExactly("tti-lw-stack", "is-db", "migrate");
    assertThat(run.cluster()).isEqualTo("prod-eu1-ops");
    // The revision the TTESCluster resolved, not a newer one looked up again.
    assertThat(run.taskDefinition()).isEqualTo(FakeEcsTasks.taskDefinitionArn("ttes-ops", 2));
    assertThat(aws.calls().count(FakeEcsTasks.DESCRIBE_TASK_DEFINITION)).isZero();
    assertThat(run.launchType()).isEqualTo("FARGATE");
    assertThat(run.subnets()).containsExactly("subnet-one", "subnet-two");
    assertThat(run.securityGroups()).containsExactly("sg-ops");
    assertThat(run.container()).isEqualTo("ttes");
    assertThat(run.startedBy()).isEqualTo(first.status().getLaunchToken());
    assertThat(run.clientToken()).contains(t.getMetadata().getUid()).hasSizeLessThanOrEqualTo(64);
    assertThat(second.status().getTaskArn()).isEqualTo(aws.ecs().startedTasks().get(0));
    assertThat(second.status().getTaskDefinition()).endsWith("ttes-ops:2");
    assertThat(second.status().getCommandLine()).isEqualTo("tti-lw-stack is-db migrate");
    assertThat(second.status().getStartedAt()).isEqualTo("2025-01-01T00:00:00Z");
    assertThat(second.rescheduleAfter()).contains(FAST);
    assertThat(condition(second.status(), "Reconciling")).startsWith("True/Running/");

    OpsTaskStatus end = runToEnd(t);
    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(end.getExitCode()).isZero();
    assertThat(end.getReason()).isEqualTo("Completed");
    assertThat(end.getFinishedAt()).isNotNull();
    assertThat(condition(end, "Ready")).startsWith("True/Completed/");
    assertThat(condition(end, "Reconciling")).startsWith("False/");
    assertThat(steps.get(steps.size() - 1).rescheduleAfter()).isEmpty();
    assertThat(steps.stream().flatMap(s -> s.events().stream()).map(Event::reason))
        .containsExactly("Running", "Completed");
    assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(1);
  }

  @Test
  void aCrashBetweenRunTaskAndTheStatusWriteStartsNoSecondTask() {
    OpsTask t = task("is-db", "migrate");
    step(t);
    OpsTaskStatus withToken = t.getStatus();

    Step lost = reconcile(t); // RunTask happens, status is never written
    assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(1);
    t.setStatus(withToken);
    Step again = step(t);

    assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(1);
    assertThat(again.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(again.status().getTaskArn()).isEqualTo(lost.status().getTaskArn());
    assertThat(again.events())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("found"));
    assertThat(runToEnd(t).getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
  }

  @Test
  void aRetryableRunTaskFailureIsRetriedWithTheSameToken() {
    OpsTask t = task("is-db", "migrate");
    step(t);
    aws.failNext("ECS.RunTask", CallLog.throttling("ECS.RunTask"));

    Step throttled = step(t);
    assertThat(throttled.status().getPhase()).isEqualTo(OpsTaskPhase.Pending);
    assertThat(condition(throttled.status(), "Reconciling")).startsWith("True/AwsUnavailable/");
    assertThat(throttled.rescheduleAfter()).isPresent();

    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(aws.ecs().startedTasks()).hasSize(1);
  }

  // ---- results

  @Test
  void nonZeroExitFailsWithTheExitCodeAndAMaskedLogTail() {
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user"))
        .exitCode(3)
        .logs(
            java.util.stream.IntStream.rangeClosed(1, 30)
                .mapToObj(i -> i == 30 ? "error: password " + SECRET + " rejected" : "line " + i)
                .toArray(String[]::new));
    OpsTask t = withPassword(task("is-db", "create-admin-user", "--password", "$(ADMIN_PASSWORD)"));

    OpsTaskStatus end = runToEnd(t);

    assertThat(aws.ecs().runRequests().get(0).command()).endsWith("--password", SECRET);
    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getReason()).isEqualTo("NonZeroExit");
    assertThat(end.getExitCode()).isEqualTo(3);
    assertThat(end.getCommandLine())
        .isEqualTo("tti-lw-stack is-db create-admin-user --password $(ADMIN_PASSWORD)");
    assertThat(end.getLogTail().split("\n")).hasSize(20).startsWith("line 11");
    assertThat(end.getLogTail()).endsWith("error: password **** rejected");
    assertThat(condition(end, "Ready")).startsWith("False/NonZeroExit/");
    assertThat(condition(end, "Stalled")).startsWith("True/NonZeroExit/");
    assertThat(steps.get(steps.size() - 1).events())
        .singleElement()
        .satisfies(e -> assertThat(e.type()).isEqualTo(EventType.Warning));
    assertNoSecretAnywhere();
  }

  @Test
  void aTaskStoppedByEcsWithoutExitCodeFails() {
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack"))
        .stoppedByAws("CannotPullContainerError: pull access denied");
    OpsTaskStatus end = runToEnd(task("is-db", "migrate"));

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getReason()).isEqualTo("StoppedByAws");
    assertThat(end.getExitCode()).isNull();
    assertThat(end.getMessage()).contains("CannotPullContainerError");
  }

  @Test
  void timeoutStopsTheTaskAndFails() {
    aws.ecs().neverStop();
    OpsTask t = task("ns-db", "prune");
    t.getSpec().setTimeout("1m30s");
    step(t);
    step(t);
    clock.advance(Duration.ofSeconds(89));
    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);

    clock.advance(Duration.ofSeconds(1));
    Step timedOut = step(t);

    assertThat(timedOut.status().getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(timedOut.status().getReason()).isEqualTo("Timeout");
    assertThat(timedOut.status().getMessage()).contains("1m30s");
    assertThat(aws.calls().count("ECS.StopTask")).isEqualTo(1);
    assertThat(aws.ecs().peek(timedOut.status().getTaskArn()).stopped()).isTrue();
    assertThat(timedOut.rescheduleAfter()).isEmpty();
  }

  @Test
  void finishedTasksAreFinalAndASpecChangeIsReportedNotRun() {
    OpsTask t = task("is-db", "migrate");
    OpsTaskStatus end = runToEnd(t);
    aws.calls().clear();

    t.getMetadata().setGeneration(2L);
    t.getSpec().setCommand(List.of("ns-db", "prune"));
    Step changed = step(t);
    Step later = step(t);

    assertThat(aws.calls().all()).isEmpty();
    assertThat(later.status().getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(later.status().getCommandLine()).isEqualTo(end.getCommandLine());
    assertThat(later.status().getObservedGeneration()).isEqualTo(2L);
    assertThat(condition(later.status(), "Ready"))
        .startsWith("True/Completed/")
        .contains("ImmutableSpec");
    assertThat(changed.events()).extracting(Event::reason).containsExactly("ImmutableSpec");
    assertThat(later.events()).isEmpty();
    assertThat(later.rescheduleAfter()).isEmpty();
  }

  @Test
  void aSpecChangeWhileRunningDoesNotRestartTheTask() {
    aws.ecs().stopAfterDescribes(3);
    OpsTask t = task("is-db", "migrate");
    step(t);
    step(t);
    t.getMetadata().setGeneration(2L);
    t.getSpec().setCommand(List.of("ns-db", "prune"));

    OpsTaskStatus end = runToEnd(t);

    assertThat(aws.calls().count("ECS.RunTask")).isEqualTo(1);
    assertThat(end.getCommandLine()).isEqualTo("tti-lw-stack is-db migrate");
    assertThat(condition(end, "Ready")).contains("ImmutableSpec");
  }

  // ---- bad input: Stalled, no AWS call

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(
            "empty command",
            (Consumer<OpsTaskFlowTest>) f -> f.current.getSpec().setCommand(List.of()),
            "InvalidSpec",
            "spec.command"),
        Arguments.of(
            "newline",
            (Consumer<OpsTaskFlowTest>)
                f -> f.current.getSpec().setCommand(List.of("is-db", "a\nb")),
            "InvalidSpec",
            "spec.command[1]"),
        Arguments.of(
            "undeclared",
            (Consumer<OpsTaskFlowTest>)
                f -> f.current.getSpec().setCommand(List.of("is-db", "$(ADMIN_PASSWORD)")),
            "InvalidSpec",
            "spec.command[1]"),
        Arguments.of(
            "duplicate secretArgs",
            (Consumer<OpsTaskFlowTest>) f -> f.withPassword(f.withPassword(f.current)),
            "InvalidSpec",
            "spec.secretArgs[1].name"),
        Arguments.of(
            "timeout",
            (Consumer<OpsTaskFlowTest>) f -> f.current.getSpec().setTimeout("soon"),
            "InvalidSpec",
            "spec.timeout"),
        Arguments.of(
            "missing cluster",
            (Consumer<OpsTaskFlowTest>)
                f -> {
                  f.cluster = null;
                  // Past the grace a just-created task gets for a cluster not yet in the cache.
                  f.clock.advance(ReferencedCluster.GRACE.plusSeconds(5));
                },
            "ClusterNotFound",
            "spec.clusterRef.name"),
        Arguments.of(
            "missing secret",
            (Consumer<OpsTaskFlowTest>)
                f -> {
                  f.withPassword(f.current);
                  f.k8sSecrets.clear();
                },
            "SecretNotFound",
            "spec.secretArgs[0].secretKeyRef"),
        Arguments.of(
            "missing key",
            (Consumer<OpsTaskFlowTest>)
                f -> {
                  f.withPassword(f.current);
                  f.k8sSecrets.put("acme-admin", Map.of("other", "x"));
                },
            "SecretKeyNotFound",
            "spec.secretArgs[0].secretKeyRef"),
        Arguments.of(
            "ECS without subnets",
            (Consumer<OpsTaskFlowTest>) f -> f.cluster.getStatus().getOps().setSubnets(List.of()),
            "PlatformMismatch",
            "spec.clusterRef.name"),
        Arguments.of(
            "AMI without instance",
            (Consumer<OpsTaskFlowTest>)
                f -> {
                  f.cluster = f.amiCluster();
                  f.cluster.getSpec().getOps().setAmi(null);
                },
            "PlatformMismatch",
            "spec.clusterRef.name"));
  }

  private OpsTask current;

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputStallsWithoutAnyAwsCall(
      String name, Consumer<OpsTaskFlowTest> breakIt, String reason, String field) {
    current = task("is-db", "migrate");
    breakIt.accept(this);

    Step s = step(current);
    Step again = step(current);

    assertThat(aws.calls().all()).isEmpty();
    assertThat(s.status().getReason()).isEqualTo(reason);
    assertThat(condition(s.status(), "Stalled")).startsWith("True/" + reason + "/" + field + ": ");
    assertThat(condition(s.status(), "Ready")).startsWith("False/");
    assertThat(s.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(EventType.Warning);
              assertThat(e.reason()).isEqualTo(reason);
            });
    assertThat(again.events()).as("no repeated event").isEmpty();
    assertThat(again.status().getLaunchToken()).isNull();
    assertNoSecretAnywhere();
  }

  @Test
  void aClusterNotReadyYetIsWaitedFor() {
    cluster.getStatus().getConditions().clear();
    OpsTask t = task("is-db", "migrate");

    Step s = step(t);

    assertThat(aws.calls().all()).isEmpty();
    assertThat(condition(s.status(), "Reconciling")).startsWith("True/WaitingForCluster/");
    assertThat(s.rescheduleAfter()).contains(FAST.multipliedBy(3));

    cluster = ecsCluster();
    step(t);
    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  @Test
  void aTaskDefinitionClearedAfterRunTaskSaidItIsGoneIsWaitedForNotAStall() {
    // The reconciler clears status.ops.taskDefinition when RunTask says it is gone, and the
    // cluster resolves the latest ACTIVE revision again: the tasks that read it meanwhile wait.
    cluster.getStatus().getOps().setTaskDefinition(null);
    OpsTask t = task("is-db", "migrate");

    Step s = step(t);

    assertThat(aws.calls().all()).isEmpty();
    assertThat(condition(s.status(), "Reconciling"))
        .isEqualTo(
            "True/WaitingForCluster/waiting for TTESCluster prod-eu1 to resolve the ops task"
                + " definition again (status.ops.taskDefinition)");
    assertThat(condition(s.status(), "Stalled")).startsWith("False/");

    cluster = ecsCluster();
    step(t);
    assertThat(step(t).status().getPhase()).isEqualTo(OpsTaskPhase.Running);
  }

  // ---- AWS trouble while running

  @Test
  void throttlingWhileRunningRetriesAndAccessDeniedStalls() {
    aws.ecs().neverStop();
    OpsTask t = task("is-db", "migrate");
    step(t);
    step(t);

    aws.failNext("ECS.DescribeTasks", CallLog.throttling("ECS.DescribeTasks"));
    Step throttled = step(t);
    assertThat(throttled.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(condition(throttled.status(), "Reconciling")).startsWith("True/AwsUnavailable/");
    assertThat(throttled.rescheduleAfter()).isPresent();

    clock.advance(FAST);
    aws.failNext("ECS.DescribeTasks", CallLog.accessDenied("ECS.DescribeTasks"));
    Step denied = step(t);
    assertThat(denied.status().getPhase()).isEqualTo(OpsTaskPhase.Running);
    assertThat(condition(denied.status(), "Stalled")).startsWith("True/AccessDenied/");
    assertThat(denied.rescheduleAfter()).contains(Duration.ofMinutes(5));
  }

  @Test
  void accessDeniedOnRunTaskStallsAndFreesTheSlot() {
    OpsTask t = task("is-db", "migrate");
    step(t);
    aws.failNext("ECS.RunTask", CallLog.accessDenied("ECS.RunTask"));

    Step s = step(t);

    assertThat(condition(s.status(), "Stalled")).startsWith("True/AccessDenied/");
    assertThat(slots.running(OpsTaskFlow.clusterKey(t))).isZero();
    assertThat(aws.ecs().startedTasks()).isEmpty();
  }

  // ---- concurrency

  @Test
  void atMostMaxConcurrentTasksRunAndTheRestWaitInOrder() {
    cluster.getSpec().getOps().setMaxConcurrentTasks(2);
    aws.ecs().stopAfterDescribes(3);
    List<OpsTask> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(task("is-db", "migrate-" + i));
    }
    String fifthWaiting = null;
    Set<String> fifthWaitingMessages = new LinkedHashSet<>();
    for (int round = 0; round < 40; round++) {
      for (OpsTask t : tasks) {
        if (t.getStatus() == null
            || t.getStatus().getPhase() == null
            || !t.getStatus().getPhase().isFinished()) {
          step(t);
        }
      }
      assertThat(aws.ecs().runningCount()).isLessThanOrEqualTo(2);
      if (round == 1) {
        fifthWaiting = condition(tasks.get(4).getStatus(), "Reconciling");
      }
      if ("WaitingForSlot".equals(tasks.get(4).getStatus().getReason())) {
        fifthWaitingMessages.add(tasks.get(4).getStatus().getMessage());
      }
      clock.advance(FAST);
    }
    // It went from 3rd to 1st in line: one message all along, so no status patch while it waits.
    assertThat(fifthWaitingMessages).hasSize(1);

    assertThat(tasks)
        .allSatisfy(t -> assertThat(t.getStatus().getPhase()).isEqualTo(OpsTaskPhase.Succeeded));
    assertThat(aws.ecs().maxRunningAtOnce()).isEqualTo(2);
    assertThat(aws.ecs().runRequests())
        .extracting(r -> r.command().get(2))
        .containsExactly("migrate-0", "migrate-1", "migrate-2", "migrate-3", "migrate-4");
    assertThat(fifthWaiting)
        .isEqualTo(
            "True/WaitingForSlot/waiting for a free slot on TTESCluster prod-eu1"
                + " (spec.ops.maxConcurrentTasks: 2); tasks start in the order they were created");
  }

  @Test
  void fiftyRunningTasksCostOneDescribeTasksPerPoll() {
    cluster.getSpec().getOps().setMaxConcurrentTasks(100);
    aws.ecs().neverStop();
    List<OpsTask> tasks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      OpsTask t = task("is-db", "migrate");
      step(t);
      step(t);
      tasks.add(t);
    }
    aws.calls().clear();

    for (int poll = 1; poll <= 3; poll++) {
      clock.advance(FAST);
      tasks.forEach(this::step);
      assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(poll);
    }
    assertThat(aws.calls().all()).containsOnly("ECS.DescribeTasks");
  }

  // ---- delete

  @Test
  void deleteStopsARunningTaskOnlyWhenAskedTo() {
    aws.ecs().neverStop();
    OpsTask keep = task("is-db", "migrate");
    OpsTask stop = task("ns-db", "prune");
    stop.getSpec().setStopOnDelete(true);
    for (OpsTask t : List.of(keep, stop)) {
      step(t);
      step(t);
    }
    aws.calls().clear();

    Step kept = flow.cleanup(keep, cluster, aws);
    assertThat(aws.calls().all()).isEmpty();
    assertThat(kept.events()).isEmpty();

    Step stopped = flow.cleanup(stop, cluster, aws);
    assertThat(aws.calls().all()).containsExactly("ECS.StopTask");
    assertThat(aws.ecs().peek(stop.getStatus().getTaskArn()).stopCode()).isEqualTo("UserInitiated");
    assertThat(stopped.events()).extracting(Event::reason).containsExactly("StoppedOnDelete");
    assertThat(stopped.rescheduleAfter()).isEmpty();
    assertThat(slots.running(OpsTaskFlow.clusterKey(stop))).isZero();
  }

  @Test
  void deleteOfAFinishedTaskMakesNoCall() {
    OpsTask t = task("is-db", "migrate");
    t.getSpec().setStopOnDelete(true);
    runToEnd(t);
    aws.calls().clear();

    flow.cleanup(t, cluster, aws);

    assertThat(aws.calls().all()).isEmpty();
  }

  // ---- AMI

  @Test
  void amiRunsOneQuotedShellLineOverSsm() {
    cluster = amiCluster();
    aws.ssm().whenCommandContains("'ttn-lw-stack'").stdout("migrated\nall good\n");
    OpsTask t =
        withPassword(task("is-db", "create-admin-user", "--name=; rm -rf /", "$(ADMIN_PASSWORD)"));

    step(t);
    Step crashed = reconcile(t); // SendCommand, status lost
    Step started = step(t);

    assertThat(aws.calls().count("SSM.SendCommand")).isEqualTo(1);
    assertThat(started.status().getTaskArn()).isEqualTo(crashed.status().getTaskArn());
    assertThat(aws.ssm().sent().get(0).shellLines())
        .containsExactly(
            "'docker' 'exec' 'lorawan-stack' 'ttn-lw-stack' 'is-db' 'create-admin-user'"
                + " '--name=; rm -rf /' '"
                + SECRET
                + "'");
    assertThat(aws.ssm().sent().get(0).comment()).isEqualTo(started.status().getLaunchToken());
    OpsTaskStatus end = runToEnd(t);
    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Succeeded);
    assertThat(end.getLogTail()).isEqualTo("migrated\nall good");
    assertThat(end.getEcsCluster()).isNull();
  }

  @Test
  void amiNonZeroExitFails() {
    cluster = amiCluster();
    aws.ssm().whenCommandContains("'prune'").exitCode(2).stderr("no such table\n");

    OpsTaskStatus end = runToEnd(task("ns-db", "prune"));

    assertThat(end.getPhase()).isEqualTo(OpsTaskPhase.Failed);
    assertThat(end.getExitCode()).isEqualTo(2);
    assertThat(end.getLogTail()).isEqualTo("no such table");
  }

  // ---- secrets

  @Test
  void theSecretAppearsNowhereWhateverHappens() {
    // AWS output that echoes the secret, in every place the flow copies AWS text from.
    aws.ecs()
        .whenCommand(List.of("tti-lw-stack", "is-db", "create-admin-user"))
        .stoppedByAws("CannotStartContainerError: bad arg " + SECRET);
    aws.failNext(
        "ECS.RunTask",
        new AwsException(
            AwsException.Kind.INVALID_INPUT,
            "ECS.RunTask",
            "InvalidParameterException",
            "Override " + SECRET + " too long"));
    OpsTask rejected = withPassword(task("is-db", "create-admin-user", "$(ADMIN_PASSWORD)"));
    step(rejected);
    Step stalled = step(rejected);
    assertThat(condition(stalled.status(), "Stalled")).contains("Override **** too long");

    runToEnd(withPassword(task("is-db", "create-admin-user", "--password=$(ADMIN_PASSWORD)")));
    aws.ecs().neverStop();
    OpsTask slow = withPassword(task("is-db", "migrate", "$(ADMIN_PASSWORD)"));
    slow.getSpec().setTimeout("10s");
    step(slow);
    step(slow);
    clock.advance(Duration.ofSeconds(10));
    step(slow);

    assertThat(steps).hasSizeGreaterThan(5);
    assertNoSecretAnywhere();
  }

  private void assertNoSecretAnywhere() {
    for (Step s : steps) {
      assertThat(JSON.asJson(s.status())).doesNotContain(SECRET);
      assertThat(s.toString()).doesNotContain(SECRET);
      for (Event e : s.events()) {
        assertThat(e.message()).doesNotContain(SECRET);
      }
    }
    for (RunRequest r : aws.ecs().runRequests()) {
      assertThat(r.toString()).doesNotContain(SECRET);
    }
  }

  @Test
  void helpers() {
    assertThat(LaunchPlanner.parseTimeout("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(LaunchPlanner.parseTimeout("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(LaunchPlanner.parseTimeout("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(LaunchPlanner.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(OpsTaskFlow.launchToken("0f8fad5b-d9cb-469f-a165-70867728950e"))
        .startsWith("ttes-op-")
        .hasSize(36)
        .isEqualTo(OpsTaskFlow.launchToken("0f8fad5b-d9cb-469f-a165-70867728950e"));
    // Uids that differ only at the end (sequential test API servers) get different tokens.
    assertThat(OpsTaskFlow.launchToken("00000000-0000-0000-0000-000000000091"))
        .isNotEqualTo(OpsTaskFlow.launchToken("00000000-0000-0000-0000-000000000092"));
  }

  @Test
  void theStatusCopyCarriesEveryFieldAndSharesNothing() throws Exception {
    OpsTaskStatus in = new OpsTaskStatus();
    // Every field set, whatever fields the status has now or gains later.
    for (var f : OpsTaskStatus.class.getDeclaredFields()) {
      if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      f.setAccessible(true);
      Class<?> t = f.getType();
      f.set(
          in,
          t == String.class
              ? f.getName() + "-value"
              : t == Integer.class
                  ? 7
                  : t == Long.class
                      ? 9L
                      : t == OpsTaskPhase.class ? OpsTaskPhase.Running : f.get(in));
      assertThat(f.get(in)).as(f.getName()).isNotNull();
    }
    in.setObservedGeneration(4L);
    Condition ready = new Condition();
    ready.setType("Ready");
    ready.setStatus("False");
    in.getConditions().add(ready);

    // The reconciler hands the flow the copy every kind makes (StatusUpdates.copyStatus).
    OpsTask stored = task("is-db", "migrate");
    stored.setStatus(in);
    OpsTaskStatus out = StatusUpdates.copyStatus(stored, contextWithSerialization());

    assertThat(out).isEqualTo(in).isNotSameAs(in);
    out.getConditions().get(0).setStatus("True");
    assertThat(in.getConditions().get(0).getStatus()).isEqualTo("False");
    assertThat(
            StatusUpdates.copyStatus(task("is-db", "migrate"), contextWithSerialization())
                .getConditions())
        .isEmpty();
  }

  /** A reconcile context that only has a client with the Kubernetes serialization. */
  @SuppressWarnings("unchecked")
  private static Context<OpsTask> contextWithSerialization() {
    KubernetesClient client =
        (KubernetesClient)
            Proxy.newProxyInstance(
                KubernetesClient.class.getClassLoader(),
                new Class<?>[] {KubernetesClient.class},
                (p, m, a) -> m.getName().equals("getKubernetesSerialization") ? JSON : null);
    return (Context<OpsTask>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (p, m, a) -> m.getName().equals("getClient") ? client : null);
  }
}
