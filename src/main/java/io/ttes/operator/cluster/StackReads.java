package io.ttes.operator.cluster;

import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.StackReadings;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of a cluster's stacks are read from CloudFormation on a poll. A cluster polls fast while an
 * upgrade holds it or a stack moves; reading every stack at that pace, for every cluster of the
 * region, used up the account's CloudFormation request rate ("Rate exceeded",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html) that the
 * upgrade itself needs. So every stack is read at most once per full-read interval (the slow poll),
 * and when the stack list or the spec's generation changed. In between only the stacks that may
 * have moved are read: read in motion (*_IN_PROGRESS), or a change set was executed on them since
 * they were last read ({@link StackReadings}: the upgrade's own readings count, so the lock being
 * taken or released needs no re-read of every stack), and then only when nobody looked at them for
 * a fast poll (the upgrade follows the stack it moves at every poll; reading it here too doubled
 * the calls; the cluster's own reading is a poll old, so a stack nobody else follows is read at
 * every poll). The others keep their latest reading, by whoever took it. Kept in memory: a restart
 * reads everything once.
 */
final class StackReads {
  private final Clock clock;
  private final StackReadings readings;
  private final Map<String, Reading> last = new ConcurrentHashMap<>();

  StackReads(Clock clock, StackReadings readings) {
    this.clock = clock;
    this.readings = readings;
  }

  private record Reading(Instant fullReadAt, long generation, List<String> names) {}

  /**
   * The stacks {@code names} of the cluster {@code key} as of this poll; a new {@code generation}
   * of the cluster's spec reads every stack.
   *
   * @param stacks the stacks of {@code target}, their readings recorded in the {@link
   *     StackReadings} given at construction
   * @param fullReadEvery how old the last full read may be before every stack is read again
   * @param followedWithin how recent another reader's look at a stack in motion must be for this
   *     poll to take it instead of reading the stack (see {@link StackReadings#mayHaveMoved})
   */
  Map<String, StackInfo> read(
      String key,
      long generation,
      List<String> names,
      Duration fullReadEvery,
      Duration followedWithin,
      AwsTarget target,
      Stacks stacks) {
    Instant now = clock.instant();
    Reading prev = last.get(key);
    if (prev == null
        || prev.generation() != generation
        || !prev.names().equals(names)
        || !now.isBefore(prev.fullReadAt().plus(fullReadEvery))) {
      Map<String, StackInfo> all = names.isEmpty() ? Map.of() : stacks.describe(names);
      last.put(key, new Reading(now, generation, List.copyOf(names)));
      return all;
    }
    List<String> moving =
        names.stream().filter(n -> readings.mayHaveMoved(target, n, followedWithin)).toList();
    Map<String, StackInfo> fresh = moving.isEmpty() ? Map.of() : stacks.describe(moving);
    Map<String, StackInfo> merged = new LinkedHashMap<>();
    for (String n : names) {
      StackInfo info =
          moving.contains(n)
              ? fresh.get(n)
              : readings.latest(target, n).map(StackReadings.Reading::stack).orElse(null);
      if (info != null) {
        merged.put(n, info);
      }
    }
    return merged;
  }

  void forget(String key) {
    last.remove(key);
  }
}
