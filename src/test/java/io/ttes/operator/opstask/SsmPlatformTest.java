package io.ttes.operator.opstask;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.aws.fake.FakeSsmCommands;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.opstask.LaunchPlanner.LaunchPlan;
import io.ttes.operator.opstask.TaskPlatform.LaunchOrder;
import io.ttes.operator.opstask.TaskPlatform.Observation;
import io.ttes.operator.opstask.TaskPlatform.State;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link SsmPlatform} against the documented-behaviour fake of SSM Run Command. */
class SsmPlatformTest {
  private static final String INSTANCE = "i-0123456789abcdef0";

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeAws aws = new FakeAws(clock);

  private SsmPlatform platform() {
    return new SsmPlatform(
        aws.ssm(),
        INSTANCE,
        List.of("docker", "exec", "lorawan-stack"),
        clock.instant().minus(Duration.ofMinutes(5)),
        Duration.ofMinutes(2));
  }

  private static LaunchOrder order(String... command) {
    return new LaunchOrder(
        new LaunchPlan(
            CommandLine.parse("ttn-lw-stack", List.of(command), List.of()),
            Duration.ofHours(100),
            Platform.AMI,
            null,
            null),
        Map.of(),
        "ttes-op-abc",
        "unused-on-ssm");
  }

  @Test
  void launchSendsOneQuotedLineWithTheTokenAsComment() {
    var started = platform().launch(order("is-db", "migrate", "--name=; rm -rf /")).started();

    FakeSsmCommands.Sent sent = aws.ssm().sent().get(0);
    assertThat(sent.instanceId()).isEqualTo(INSTANCE);
    assertThat(sent.shellLines())
        .containsExactly(
            "'docker' 'exec' 'lorawan-stack' 'ttn-lw-stack' 'is-db' 'migrate' '--name=; rm -rf /'");
    assertThat(sent.comment()).isEqualTo("ttes-op-abc");
    // SSM allows at most 48 hours.
    assertThat(sent.timeoutSeconds()).isEqualTo(172_800);
    assertThat(started.id()).isEqualTo(sent.commandId());
    assertThat(started.note())
        .startsWith("sent SSM command " + sent.commandId() + " to " + INSTANCE);
  }

  @Test
  void findLooksTheCommandUpByItsComment() {
    assertThat(platform().find("ttes-op-abc")).isEmpty();
    String id = platform().launch(order("is-db", "migrate")).started().id();

    assertThat(platform().find("ttes-op-abc").orElseThrow().id()).isEqualTo(id);
    assertThat(aws.calls().count(FakeSsmCommands.LIST_COMMANDS)).isEqualTo(2);
  }

  @Test
  void observeReportsTheExitCodeAndOutputAndAnInvocationSsmNeverShowed() {
    aws.ssm().whenCommandContains("'prune'").exitCode(2).stdout("pruning\n").stderr("no table\n");
    String id = platform().launch(order("ns-db", "prune")).started().id();

    // SSM is eventually consistent: right after SendCommand the invocation does not exist yet.
    assertThat(platform().observe(id).state()).isEqualTo(State.ABSENT);
    assertThat(platform().observe(id).state()).isEqualTo(State.RUNNING);
    Observation ended = platform().observe(id);

    assertThat(ended.state()).isEqualTo(State.ENDED);
    assertThat(ended.exitCode()).isEqualTo(2);
    assertThat(ended.reason()).isEqualTo("NonZeroExit");
    assertThat(ended.tail().get().text()).isEqualTo("pruning\nno table");

    Observation absent = platform().observe("not-sent");
    assertThat(absent.state()).isEqualTo(State.ABSENT);
    assertThat(absent.reason()).isEqualTo("InvocationNotFound");
    assertThat(absent.message()).contains("not-sent", INSTANCE, "2m");
  }

  @Test
  void stopCancelsAndAnUnknownCommandIsNothingToStop() {
    aws.ssm().invocationReadsUntilDone(10).invocationHiddenForReads(0);
    String id = platform().launch(order("is-db", "migrate")).started().id();
    assertThat(platform().observe(id).state()).isEqualTo(State.RUNNING);

    assertThat(platform().stop(id, "timeout")).isTrue();
    Observation cancelled = platform().observe(id);
    assertThat(cancelled.state()).isEqualTo(State.ENDED);
    assertThat(cancelled.message()).isEqualTo("SSM reports the command Cancelled");
    assertThat(platform().stop("not-sent", "timeout")).isFalse();
  }
}
