package io.ttes.operator.opstask;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * At most {@code maxConcurrentTasks} ops tasks run at once per cluster; the others wait in line,
 * first created first served. In memory: after a restart the flow re-registers tasks it finds
 * running ({@link #markRunning}) and waiting ones line up again as they are reconciled. A waiting
 * task that stops asking (deleted without {@link #release}) drops out of line after {@code
 * waiterExpiry}, so it cannot block the ones behind it. Thread-safe.
 */
public final class TaskSlots {
  private final Clock clock;
  private final Duration waiterExpiry;
  private final Map<String, Line> lines = new HashMap<>();

  public TaskSlots(Clock clock, Duration waiterExpiry) {
    this.clock = clock;
    this.waiterExpiry = waiterExpiry;
  }

  /** Whether a task may start now, and if not, where it stands. */
  public record Decision(boolean granted, int position, int running, int max) {
    /** "3rd in line, 4 of 4 running" or "2 of 4 running". */
    public String describe() {
      String load = running + " of " + max + " running";
      return granted ? load : ordinal(position) + " in line, " + load;
    }
  }

  /**
   * Takes a slot for {@code uid} when one is free and no older task waits for it; otherwise puts
   * (or keeps) the task in line. Asking again while holding a slot is granted.
   */
  public synchronized Decision tryAcquire(String clusterKey, String uid, Instant created, int max) {
    Line line = lines.computeIfAbsent(clusterKey, k -> new Line());
    if (line.running.contains(uid)) {
      return new Decision(true, 0, line.running.size(), max);
    }
    Instant now = clock.instant();
    line.waiting.put(uid, new Waiter(uid, created == null ? now : created, now));
    line.waiting.values().removeIf(w -> w.lastAsked().plus(waiterExpiry).isBefore(now));
    List<Waiter> order =
        line.waiting.values().stream()
            .sorted(Comparator.comparing(Waiter::created).thenComparing(Waiter::uid))
            .toList();
    int index = order.indexOf(line.waiting.get(uid));
    int free = max - line.running.size();
    if (index < free) {
      line.waiting.remove(uid);
      line.running.add(uid);
      return new Decision(true, 0, line.running.size(), max);
    }
    return new Decision(false, index + 1, line.running.size(), max);
  }

  /** Counts a task found running (or launching) against the limit, e.g. after a restart. */
  public synchronized void markRunning(String clusterKey, String uid) {
    Line line = lines.computeIfAbsent(clusterKey, k -> new Line());
    line.waiting.remove(uid);
    line.running.add(uid);
  }

  /** Gives back the slot of a finished, stalled or deleted task, or takes it out of line. */
  public synchronized void release(String uid) {
    lines
        .values()
        .removeIf(
            line -> {
              line.running.remove(uid);
              line.waiting.remove(uid);
              return line.running.isEmpty() && line.waiting.isEmpty();
            });
  }

  public synchronized int running(String clusterKey) {
    Line line = lines.get(clusterKey);
    return line == null ? 0 : line.running.size();
  }

  public synchronized int waiting(String clusterKey) {
    Line line = lines.get(clusterKey);
    return line == null ? 0 : line.waiting.size();
  }

  static String ordinal(int n) {
    int mod100 = n % 100;
    String suffix =
        mod100 >= 11 && mod100 <= 13
            ? "th"
            : switch (n % 10) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  private record Waiter(String uid, Instant created, Instant lastAsked) {}

  private static final class Line {
    final Set<String> running = new LinkedHashSet<>();
    final Map<String, Waiter> waiting = new LinkedHashMap<>();
  }
}
