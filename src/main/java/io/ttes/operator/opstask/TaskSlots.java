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
import java.util.function.BiConsumer;

/**
 * At most {@code maxConcurrentTasks} ops tasks run at once per cluster; the others wait in line,
 * first created first served. In memory: after a restart the flow re-registers tasks it finds
 * running ({@link #markRunning}) and waiting ones line up again as they are reconciled. A waiting
 * task that stops asking (deleted without {@link #release}) drops out of line after {@code
 * waiterExpiry}, so it cannot block the ones behind it. When a slot is given back, the waiters next
 * in line are named to the listener ({@link #onFreed}), so the line moves by events rather than by
 * polls. Thread-safe.
 */
public final class TaskSlots {
  private final Clock clock;
  private final Duration waiterExpiry;
  private final Map<String, Line> lines = new HashMap<>();
  private volatile BiConsumer<String, List<String>> freed = (cluster, uids) -> {};

  public TaskSlots(Clock clock, Duration waiterExpiry) {
    this.clock = clock;
    this.waiterExpiry = waiterExpiry;
  }

  /**
   * Whether a task may start now, and if not, where it stands. The position is for tests and logs;
   * the status does not show it (it changes each time the line moves, and every change would be a
   * status patch per waiting task).
   */
  public record Decision(boolean granted, int position, int running, int max) {
    /** "3rd in line, 4 of 4 running" or "2 of 4 running". */
    public String describe() {
      String load = running + " of " + max + " running";
      return granted ? load : ordinal(position) + " in line, " + load;
    }
  }

  /**
   * Who to tell when a slot is given back: the cluster key and the uids of the waiters that may
   * take the free slots now (oldest first, as many as slots are free). Called outside this object's
   * lock.
   */
  public void onFreed(BiConsumer<String, List<String>> listener) {
    this.freed = listener;
  }

  /**
   * Takes a slot for {@code uid} when one is free and no older task waits for it; otherwise puts
   * (or keeps) the task in line. Asking again while holding a slot is granted.
   */
  public synchronized Decision tryAcquire(String clusterKey, String uid, Instant created, int max) {
    Line line = lines.computeIfAbsent(clusterKey, k -> new Line());
    line.max = max;
    if (line.running.contains(uid)) {
      return new Decision(true, 0, line.running.size(), max);
    }
    Instant now = clock.instant();
    line.waiting.put(uid, new Waiter(uid, created == null ? now : created, now));
    line.waiting.values().removeIf(w -> w.lastAsked().plus(waiterExpiry).isBefore(now));
    List<Waiter> order = line.order();
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

  /**
   * Gives back the slot of a finished, stalled or deleted task, or takes it out of line. When a
   * slot was held, the listener of {@link #onFreed} hears who is next.
   */
  public void release(String uid) {
    String clusterKey = null;
    List<String> next = List.of();
    synchronized (this) {
      var it = lines.entrySet().iterator();
      while (it.hasNext()) {
        var entry = it.next();
        Line line = entry.getValue();
        if (line.running.remove(uid)) {
          clusterKey = entry.getKey();
          int free = Math.max(1, line.max - line.running.size());
          next = line.order().stream().limit(free).map(Waiter::uid).toList();
        }
        line.waiting.remove(uid);
        if (line.running.isEmpty() && line.waiting.isEmpty()) {
          it.remove();
        }
      }
    }
    if (clusterKey != null && !next.isEmpty()) {
      freed.accept(clusterKey, next);
    }
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

    /** The limit the last ask named (1 until one asked). */
    int max = 1;

    /** Waiters, first created first. */
    List<Waiter> order() {
      return waiting.values().stream()
          .sorted(Comparator.comparing(Waiter::created).thenComparing(Waiter::uid))
          .toList();
    }
  }
}
