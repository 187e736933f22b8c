package io.ttes.operator.aws;

import java.util.List;

/** CloudWatch Logs of ops tasks. */
public interface TaskLogs {
  /** The last {@code maxLines} lines of a log stream, oldest first; empty when it is absent. */
  List<String> tail(String logGroup, String logStream, int maxLines);

  /**
   * One GetLogEvents page read backwards: the newest events when {@code backwardToken} is null,
   * otherwise the events before the token. Lines are oldest first. AWS may answer an empty page
   * while older events exist, and answers the token it was given at the start of the stream; an
   * absent stream is an empty page whose token repeats. Implementations that can only read the
   * newest lines answer one page and repeat the token (the default).
   */
  default Page pageBackward(String logGroup, String logStream, String backwardToken, int limit) {
    if (backwardToken != null) {
      return new Page(List.of(), backwardToken);
    }
    return new Page(tail(logGroup, logStream, limit), "");
  }

  /** Lines of one page and the token for the page before it. */
  record Page(List<String> lines, String nextBackwardToken) {}
}
