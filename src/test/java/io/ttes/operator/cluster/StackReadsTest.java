package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.fake.FakeAws;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackReadsTest {
  private final FakeAws aws = new FakeAws();
  private final StackReads reads = new StackReads(aws.clock());
  private final List<String> names = List.of("a", "b", "c");
  private final Duration every = Duration.ofMinutes(5);

  @Test
  void betweenFullReadsOnlyStacksInMotionAreRead() {
    aws.stacks().stack("a").status("UPDATE_COMPLETE");
    aws.stacks().stack("b").statusFor("UPDATE_IN_PROGRESS", 1, "UPDATE_COMPLETE");
    aws.stacks().stack("c").status("UPDATE_COMPLETE");

    assertThat(reads.read("uid", 1, names, null, every, aws.stacks())).containsOnlyKeys(names);
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 1);

    // b was in motion: read again; a and c keep their reading.
    var second = reads.read("uid", 1, names, null, every, aws.stacks());
    assertThat(second.get("b").status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 2);
    reads.read("uid", 1, names, null, every, aws.stacks());
    assertThat(aws.stacks().readsByStack()).containsEntry("a", 1).containsEntry("b", 2);

    // The slow poll's full read, a new generation and a new active upgrade read everything.
    aws.mutableClock().advance(every);
    reads.read("uid", 1, names, null, every, aws.stacks());
    reads.read("uid", 2, names, null, every, aws.stacks());
    reads.read("uid", 2, names, "su", every, aws.stacks());
    assertThat(aws.stacks().readsByStack())
        .containsEntry("a", 4)
        .containsEntry("b", 5)
        .containsEntry("c", 4);
  }
}
