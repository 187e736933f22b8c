package io.ttes.operator.cluster;

import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of a cluster's stacks are read from CloudFormation on a poll. A cluster polls fast while an
 * upgrade holds it or a stack moves; reading every stack at that pace, for every cluster of the
 * region, used up the account's CloudFormation request rate ("Rate exceeded",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html) that the
 * upgrade itself needs. So every stack is read at most once per full-read interval (the slow poll),
 * and when the stack list or the active upgrade changed; in between only the stacks in motion
 * (*_IN_PROGRESS at the last read) are read, the others keep their last reading. Kept in memory: a
 * restart reads everything once.
 */
final class StackReads {
  private final Clock clock;
  private final Map<String, Reading> last = new ConcurrentHashMap<>();

  StackReads(Clock clock) {
    this.clock = clock;
  }

  private record Reading(
      Instant fullReadAt,
      long generation,
      List<String> names,
      String activeUpgrade,
      Map<String, StackInfo> stacks) {}

  /**
   * The stacks {@code names} of the cluster {@code key} as of this poll; a new {@code generation}
   * of the cluster's spec reads every stack.
   *
   * @param fullReadEvery how old the last full read may be before every stack is read again
   */
  Map<String, StackInfo> read(
      String key,
      long generation,
      List<String> names,
      String activeUpgrade,
      Duration fullReadEvery,
      Stacks stacks) {
    Instant now = clock.instant();
    Reading prev = last.get(key);
    if (prev == null
        || prev.generation() != generation
        || !prev.names().equals(names)
        || !Objects.equals(prev.activeUpgrade(), activeUpgrade)
        || !now.isBefore(prev.fullReadAt().plus(fullReadEvery))) {
      Map<String, StackInfo> all = names.isEmpty() ? Map.of() : stacks.describe(names);
      last.put(key, new Reading(now, generation, List.copyOf(names), activeUpgrade, all));
      return all;
    }
    List<String> moving =
        names.stream()
            .filter(n -> prev.stacks().containsKey(n) && prev.stacks().get(n).inProgress())
            .toList();
    if (moving.isEmpty()) {
      return prev.stacks();
    }
    Map<String, StackInfo> fresh = stacks.describe(moving);
    Map<String, StackInfo> merged = new LinkedHashMap<>();
    for (String n : names) {
      StackInfo info = moving.contains(n) ? fresh.get(n) : prev.stacks().get(n);
      if (info != null) {
        merged.put(n, info);
      }
    }
    last.put(key, new Reading(prev.fullReadAt(), generation, prev.names(), activeUpgrade, merged));
    return merged;
  }

  void forget(String key) {
    last.remove(key);
  }
}
