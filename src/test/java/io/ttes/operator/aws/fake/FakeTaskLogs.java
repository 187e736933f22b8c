package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.TaskLogs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** CloudWatch Logs streams in memory. Thread-safe. */
public final class FakeTaskLogs implements TaskLogs {
  public static final String GET_LOG_EVENTS = "CloudWatchLogs.GetLogEvents";

  private final CallLog calls;
  private final Map<String, List<String>> streams = new HashMap<>();

  public FakeTaskLogs(CallLog calls) {
    this.calls = calls;
  }

  public synchronized void append(String logGroup, String logStream, List<String> lines) {
    streams.computeIfAbsent(key(logGroup, logStream), k -> new ArrayList<>()).addAll(lines);
  }

  public void append(String logGroup, String logStream, String... lines) {
    append(logGroup, logStream, Arrays.asList(lines));
  }

  /** All lines of a stream, without recording a call. */
  public synchronized List<String> lines(String logGroup, String logStream) {
    return List.copyOf(streams.getOrDefault(key(logGroup, logStream), List.of()));
  }

  @Override
  public List<String> tail(String logGroup, String logStream, int maxLines) {
    calls.call(GET_LOG_EVENTS);
    synchronized (this) {
      List<String> lines = streams.getOrDefault(key(logGroup, logStream), List.of());
      return List.copyOf(lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
    }
  }

  private static String key(String logGroup, String logStream) {
    return logGroup + "\n" + logStream;
  }
}
