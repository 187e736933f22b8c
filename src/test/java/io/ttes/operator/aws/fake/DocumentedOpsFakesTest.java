package io.ttes.operator.aws.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.EcsTasks.Launch;
import io.ttes.operator.aws.EcsTasks.RunRequest;
import io.ttes.operator.aws.fake.FakeTaskLogs.Events;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ECS, CloudWatch Logs and SSM fakes answer as AWS documents (see each fake's comments). */
class DocumentedOpsFakesTest {
  private final FakeAws aws = new FakeAws();
  private final String td = FakeEcsTasks.taskDefinitionArn("ttes-ops", 3);

  private RunRequest run(String startedBy) {
    return new RunRequest(
        "ops",
        td,
        "FARGATE",
        List.of("subnet-1"),
        List.of("sg-1"),
        "ttes",
        List.of("tti-lw-stack", "is-db", "migrate"),
        startedBy,
        "token-" + startedBy);
  }

  @Test
  void runTaskAnswersFailuresWithoutATaskAndStartsNothing() {
    aws.ecs().taskDefinition("ttes-ops", 3);
    aws.ecs()
        .answerRunTaskWithFailure("RESOURCE:MEMORY", null, 1)
        .answerRunTaskWithFailure("MISSING", td, 1);

    Launch capacity = aws.ecs().launch(run("a"));
    assertThat(capacity.isStarted()).isFalse();
    assertThat(capacity.isTransient()).isTrue();
    assertThat(capacity.describeFailure()).isEqualTo("RESOURCE:MEMORY");
    Launch missing = aws.ecs().launch(run("b"));
    assertThat(missing.isTransient()).isFalse();
    assertThat(missing.describeFailure()).isEqualTo("MISSING (" + td + ")");
    assertThat(aws.ecs().startedTasks()).isEmpty();

    assertThat(aws.ecs().launch(run("c")).isStarted()).isTrue();
    assertThat(aws.calls().count(FakeEcsTasks.RUN_TASK)).isEqualTo(3);
  }

  @Test
  void aRepeatedClientTokenGetsItsFirstAnswerAgain() {
    aws.ecs().taskDefinition("ttes-ops", 3).answerRunTaskWithFailure("RESOURCE:CPU", null, 1);
    assertThat(aws.ecs().launch(run("a")).isStarted()).isFalse();
    assertThat(aws.ecs().launch(run("a")).describeFailure()).isEqualTo("RESOURCE:CPU");
    RunRequest other = run("a");
    RunRequest changed =
        new RunRequest(
            other.cluster(),
            FakeEcsTasks.taskDefinitionArn("ttes-ops", 2),
            other.launchType(),
            other.subnets(),
            other.securityGroups(),
            other.container(),
            other.command(),
            other.startedBy(),
            other.clientToken());
    assertThatThrownBy(() -> aws.ecs().launch(changed))
        .isInstanceOfSatisfying(
            AwsException.class, e -> assertThat(e.errorCode()).isEqualTo("ConflictException"));
    assertThat(aws.ecs().startedTasks()).isEmpty();
  }

  @Test
  void runOnAFailureThrowsLikeTheSdkImplementation() {
    aws.ecs().taskDefinition("ttes-ops", 3).answerRunTaskWithFailure("AGENT", null, 1);
    assertThatThrownBy(() -> aws.ecs().run(run("a")))
        .isInstanceOfSatisfying(AwsException.class, e -> assertThat(e.isRetryable()).isTrue());
  }

  @Test
  void aTaskStoppedOverAnHourAgoIsMissing() {
    aws.ecs().taskDefinition("ttes-ops", 3).neverStop();
    String arn = aws.ecs().run(run("a"));
    aws.ecs().finish(arn, 0);
    aws.mutableClock().advance(FakeEcsTasks.STOPPED_RETENTION);
    assertThat(aws.ecs().describe("ops", List.of(arn))).containsKey(arn);
    assertThat(aws.ecs().findStartedBy("ops", "a")).isPresent();

    aws.mutableClock().advance(Duration.ofSeconds(1));
    assertThat(aws.ecs().describe("ops", List.of(arn))).isEmpty();
    assertThat(aws.ecs().missingAnswers()).isEqualTo(1);
    assertThat(aws.ecs().findStartedBy("ops", "a")).isEmpty();
  }

  @Test
  void getLogEventsRepeatsTheTokenPassedAtTheEndOfTheStream() {
    aws.logs().append("g", "s", "one", "two", "three");

    Events head = aws.logs().getLogEvents("g", "s", null, true, 2);
    assertThat(head.lines()).containsExactly("one", "two");
    Events rest = aws.logs().getLogEvents("g", "s", head.nextForwardToken(), true, 2);
    assertThat(rest.lines()).containsExactly("three");
    Events end = aws.logs().getLogEvents("g", "s", rest.nextForwardToken(), true, 2);
    assertThat(end.lines()).isEmpty();
    assertThat(end.nextForwardToken()).isEqualTo(rest.nextForwardToken());

    Events newest = aws.logs().getLogEvents("g", "s", null, false, 2);
    assertThat(newest.lines()).containsExactly("two", "three");
    Events older = aws.logs().getLogEvents("g", "s", newest.nextBackwardToken(), false, 2);
    assertThat(older.lines()).containsExactly("one");
    Events start = aws.logs().getLogEvents("g", "s", older.nextBackwardToken(), false, 2);
    assertThat(start.lines()).isEmpty();
    assertThat(start.nextBackwardToken()).isEqualTo(older.nextBackwardToken());
  }

  @Test
  void getLogEventsMayAnswerEmptyPagesWhileEventsRemain() {
    aws.logs().append("g", "s", "one", "two");
    aws.logs().answerEmptyPages(2);

    Events first = aws.logs().getLogEvents("g", "s", null, false, 10);
    Events second = aws.logs().getLogEvents("g", "s", first.nextBackwardToken(), false, 10);
    Events third = aws.logs().getLogEvents("g", "s", second.nextBackwardToken(), false, 10);

    assertThat(first.lines()).isEmpty();
    assertThat(second.lines()).isEmpty();
    assertThat(second.nextBackwardToken()).isNotEqualTo(first.nextBackwardToken());
    assertThat(third.lines()).containsExactly("one", "two");
  }

  @Test
  void anSsmInvocationIsInvisibleRightAfterSendCommandOrNeverAppears() {
    String id = aws.ssm().send("i-0123456789", List.of("'true'"), "tok", 60);
    assertThatThrownBy(() -> aws.ssm().invocation(id, "i-0123456789"))
        .isInstanceOfSatisfying(
            AwsException.class, e -> assertThat(e.kind()).isEqualTo(AwsException.Kind.NOT_FOUND));
    assertThat(aws.ssm().invocation(id, "i-0123456789").status()).isEqualTo("InProgress");

    aws.ssm().invocationsNeverAppear();
    String lost = aws.ssm().send("i-0123456789", List.of("'true'"), "tok2", 60);
    for (int i = 0; i < 20; i++) {
      assertThatThrownBy(() -> aws.ssm().invocation(lost, "i-0123456789"))
          .isInstanceOf(AwsException.class);
    }
  }
}
