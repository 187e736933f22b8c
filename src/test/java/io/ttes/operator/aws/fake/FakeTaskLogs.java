package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.TaskLogs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch Logs streams in memory, with GetLogEvents' tokens as AWS documents them
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html):
 * every answer carries a nextForwardToken and a nextBackwardToken; at the end of the stream (in the
 * direction read) the token is "the same token you passed in"; and "this operation can return empty
 * results while there are more log events available through the token", scripted with {@link
 * #answerEmptyPages}. An absent group or stream is ResourceNotFoundException on AWS; here it reads
 * as an empty stream. Thread-safe.
 */
public final class FakeTaskLogs implements TaskLogs {
  public static final String GET_LOG_EVENTS = "CloudWatchLogs.GetLogEvents";

  private final CallLog calls;
  private final Map<String, List<String>> streams = new HashMap<>();
  private int emptyPages;
  private int nonce;

  public FakeTaskLogs(CallLog calls) {
    this.calls = calls;
  }

  /** One GetLogEvents answer. */
  public record Events(List<String> lines, String nextForwardToken, String nextBackwardToken) {}

  public synchronized void append(String logGroup, String logStream, List<String> lines) {
    streams.computeIfAbsent(key(logGroup, logStream), k -> new ArrayList<>()).addAll(lines);
  }

  public void append(String logGroup, String logStream, String... lines) {
    append(logGroup, logStream, Arrays.asList(lines));
  }

  /**
   * The next {@code pages} GetLogEvents calls answer no events and a new token, as CloudWatch may
   * while more events are available through the token.
   */
  public synchronized FakeTaskLogs answerEmptyPages(int pages) {
    this.emptyPages = pages;
    return this;
  }

  /** All lines of a stream, without recording a call. */
  public synchronized List<String> lines(String logGroup, String logStream) {
    return List.copyOf(streams.getOrDefault(key(logGroup, logStream), List.of()));
  }

  /**
   * GetLogEvents. Tokens are {@code f/POSITION/N} and {@code b/POSITION/N}: forward reads start at
   * POSITION, backward reads end before it; N tells apart the tokens of empty answers.
   */
  public Events getLogEvents(
      String logGroup, String logStream, String token, boolean startFromHead, int limit) {
    calls.call(GET_LOG_EVENTS);
    synchronized (this) {
      List<String> lines = streams.getOrDefault(key(logGroup, logStream), List.of());
      int size = lines.size();
      boolean forward = token == null ? startFromHead : token.startsWith("f/");
      int position = token == null ? (forward ? 0 : size) : position(token);
      if (emptyPages > 0) {
        emptyPages--;
        int n = ++nonce;
        return new Events(List.of(), "f/" + position + "/" + n, "b/" + position + "/" + n);
      }
      int max = Math.max(1, Math.min(limit, 10_000));
      int from = forward ? position : Math.max(0, position - max);
      int to = forward ? Math.min(size, position + max) : position;
      List<String> page = List.copyOf(lines.subList(from, to));
      String nextForward = "f/" + to + "/0";
      String nextBackward = "b/" + from + "/0";
      // At the end of the stream in the direction read, AWS answers the token it was given.
      if (token != null && page.isEmpty()) {
        nextForward = forward ? token : nextForward;
        nextBackward = forward ? nextBackward : token;
      }
      return new Events(page, nextForward, nextBackward);
    }
  }

  @Override
  public List<String> tail(String logGroup, String logStream, int maxLines) {
    return getLogEvents(logGroup, logStream, null, false, maxLines).lines();
  }

  @Override
  public Page pageBackward(String logGroup, String logStream, String backwardToken, int limit) {
    Events events = getLogEvents(logGroup, logStream, backwardToken, false, limit);
    return new Page(events.lines(), events.nextBackwardToken());
  }

  private static int position(String token) {
    String[] parts = token.split("/");
    return Integer.parseInt(parts[1]);
  }

  private static String key(String logGroup, String logStream) {
    return logGroup + "\n" + logStream;
  }
}
