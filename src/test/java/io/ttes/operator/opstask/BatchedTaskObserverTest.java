package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.CallLog;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeEcsTasks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BatchedTaskObserverTest {
  private static final Duration POLL = Duration.ofSeconds(5);
  private final FakeAws aws = new FakeAws();
  private final BatchedTaskObserver observer = new BatchedTaskObserver(aws.clock());
  private final AwsTarget target = new AwsTarget("eu-west-1", null);

  private List<String> start(int n) {
    aws.ecs().taskDefinition("ttes-ops", 1).neverStop();
    List<String> arns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      arns.add(
          aws.ecs()
              .run(
                  new RunRequest(
                      "ops",
                      FakeEcsTasks.taskDefinitionArn("ttes-ops", 1),
                      "FARGATE",
                      List.of("subnet-1"),
                      List.of("sg-1"),
                      "ttes",
                      List.of("tti-lw-stack", "x"),
                      "s" + i,
                      null)));
    }
    aws.calls().clear();
    return arns;
  }

  @Test
  void aTaskTheSharedDescribeSawStoppedIsNamedOnceSoItsOpsTaskNeedNotWaitForItsOwnPoll() {
    List<String> arns = start(3);
    arns.forEach(arn -> observer.track(target, "ops", arn));
    List<String> named = new ArrayList<>();
    observer.onStopped(named::add);
    aws.ecs().finish(arns.get(1), 0);
    aws.ecs().finish(arns.get(0), 0);

    // The first caller's describe sees all three; the other stopped one is named, not the caller.
    observer.observe(target, aws.ecs(), "ops", arns.get(0), POLL);
    assertThat(named).containsExactly(arns.get(1));

    // Its OpsTask reads the same snapshot: no second describe, no second naming.
    assertThat(observer.observe(target, aws.ecs(), "ops", arns.get(1), POLL).get().stopped())
        .isTrue();
    aws.mutableClock().advance(POLL);
    observer.observe(target, aws.ecs(), "ops", arns.get(2), POLL);
    assertThat(named).containsExactly(arns.get(1), arns.get(0));
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(2);
  }

  @Test
  void fiftyCallersShareOneDescribePerPollWindow() {
    List<String> arns = start(50);
    arns.forEach(arn -> observer.track(target, "ops", arn));

    for (int window = 1; window <= 3; window++) {
      for (String arn : arns) {
        assertThat(observer.observe(target, aws.ecs(), "ops", arn, POLL)).isPresent();
      }
      assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(window);
      aws.mutableClock().advance(POLL);
    }
  }

  @Test
  void concurrentCallersShareOneDescribe() throws Exception {
    List<String> arns = start(50);
    arns.forEach(arn -> observer.track(target, "ops", arn));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> results = new ArrayList<>();
      for (String arn : arns) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return observer.observe(target, aws.ecs(), "ops", arn, POLL).orElseThrow();
                }));
      }
      go.countDown();
      for (Future<?> f : results) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(1);
  }

  @Test
  void untrackedNewcomersCostOneSmallDescribeThenJoinTheBatch() {
    List<String> arns = start(3);
    observer.observe(target, aws.ecs(), "ops", arns.get(0), POLL);
    observer.observe(target, aws.ecs(), "ops", arns.get(1), POLL);
    observer.observe(target, aws.ecs(), "ops", arns.get(2), POLL);
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(3);

    aws.mutableClock().advance(POLL);
    arns.forEach(arn -> observer.observe(target, aws.ecs(), "ops", arn, POLL));
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(4);
  }

  @Test
  void aFailedDescribeIsSharedWithinTheWindow() {
    List<String> arns = start(10);
    arns.forEach(arn -> observer.track(target, "ops", arn));
    aws.failNext("ECS.DescribeTasks", CallLog.throttling("ECS.DescribeTasks"));

    for (String arn : arns) {
      assertThatThrownBy(() -> observer.observe(target, aws.ecs(), "ops", arn, POLL))
          .isInstanceOf(AwsException.class);
    }
    assertThat(aws.calls().count("ECS.DescribeTasks")).isEqualTo(1);
    aws.mutableClock().advance(POLL);
    assertThat(observer.observe(target, aws.ecs(), "ops", arns.get(0), POLL)).isPresent();
  }

  @Test
  void forgottenTasksAreNoLongerDescribed() {
    List<String> arns = start(2);
    arns.forEach(arn -> observer.track(target, "ops", arn));
    observer.forget(arns.get(0));
    observer.forget(arns.get(1));

    assertThat(observer.tracked()).isZero();
  }
}
