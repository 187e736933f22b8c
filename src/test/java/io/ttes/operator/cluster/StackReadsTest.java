package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.StackReadings;
import io.ttes.operator.aws.fake.FakeAws;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackReadsTest {
  private final FakeAws aws = new FakeAws();
  private final StackReadings readings = new StackReadings(aws, aws.clock());
  private final AwsTarget target = new AwsTarget("eu-west-1", null);
  private final AwsServices services = readings.forTarget(target);
  private final StackReads reads = new StackReads(aws.clock(), readings);
  private final List<String> names = List.of("a", "b", "c");
  private final Duration every = Duration.ofMinutes(5);
  private final Duration followed = Duration.ofSeconds(5);

  @Test
  void betweenFullReadsOnlyStacksInMotionAreRead() {
    aws.stacks().stack("a").status("UPDATE_COMPLETE");
    aws.stacks().stack("b").statusFor("UPDATE_IN_PROGRESS", 1, "UPDATE_COMPLETE");
    aws.stacks().stack("c").status("UPDATE_COMPLETE");

    assertThat(read(1)).containsOnlyKeys(names);
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 1);

    // b was in motion: read again once nobody looked at it for a fast poll; a and c keep theirs.
    read(1);
    assertThat(aws.stacks().readsByStack()).containsEntry("b", 1);
    aws.mutableClock().advance(followed);
    var second = read(1);
    assertThat(second.get("b").status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 2);
    read(1);
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 2);

    // The slow poll's full read and a new generation read everything.
    aws.mutableClock().advance(every);
    read(1);
    read(2);
    assertThat(aws.stacks().readsByStack())
        .containsEntry("a", 3)
        .containsEntry("b", 4)
        .containsEntry("c", 3);
  }

  @Test
  void aStackAnUpgradeMovesIsReadAgainAndItsReadingsServeTheCluster() {
    aws.stacks().stack("a").status("UPDATE_COMPLETE").parameter("Image", "3.33.1");
    aws.stacks().stack("b").status("UPDATE_COMPLETE");
    aws.stacks().stack("c").status("UPDATE_COMPLETE");
    read(1);
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1);

    // The upgrade (another reader of the same stacks) executes a change set on a: only a is read.
    aws.changeSets()
        .changesFor(
            "a",
            List.of(new ResourceChange("Modify", "Service", "svc", "AWS::ECS::Service", "False")));
    services
        .changeSets()
        .create(
            new ChangeSetRequest(
                "a",
                "cs-1",
                "https://t",
                Map.of("Image", "3.33.2"),
                List.of(),
                List.of(),
                Map.of(),
                "d"));
    aws.mutableClock().advance(Duration.ofSeconds(1));
    services.changeSets().execute("a", "cs-1");
    // Whoever executed follows the stack: within a fast poll the cluster does not read it.
    aws.mutableClock().advance(Duration.ofSeconds(1));
    read(1);
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1);
    aws.mutableClock().advance(followed);
    var during = read(1);
    assertThat(during.get("a").status()).endsWith("_IN_PROGRESS");
    assertThat(aws.stacks().readsByStack())
        .containsEntry("a", 2)
        .containsEntry("b", 1)
        .containsEntry("c", 1);

    // The upgrade follows a to its end; the cluster takes that reading, reading nothing itself.
    while (services.stacks().describe(List.of("a")).get("a").inProgress()) {
      aws.mutableClock().advance(Duration.ofSeconds(1));
    }
    int upgradeReads = aws.stacks().readsByStack().get("a");
    aws.mutableClock().advance(Duration.ofSeconds(1));
    var after = read(1);
    assertThat(after.get("a").status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(after.get("a").parameters()).containsEntry("Image", "3.33.2");
    assertThat(aws.stacks().readsByStack())
        .containsEntry("a", upgradeReads)
        .containsEntry("b", 1)
        .containsEntry("c", 1);
  }

  private Map<String, io.ttes.operator.aws.Stacks.StackInfo> read(long generation) {
    return reads.read("uid", generation, names, every, followed, target, services.stacks());
  }
}
