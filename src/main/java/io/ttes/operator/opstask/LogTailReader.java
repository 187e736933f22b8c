package io.ttes.operator.opstask;

import io.ttes.operator.aws.TaskLogs;
import io.ttes.operator.aws.TaskLogs.Page;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the last lines of a task's log with as few GetLogEvents calls as CloudWatch's answers
 * allow: one, when the newest page holds lines. CloudWatch may answer an empty page while older
 * events exist (then the token is followed), and at the end of the stream answers the token it was
 * given (then reading stops: following it again would loop forever). At most {@link #MAX_PAGES}
 * calls per task, whatever CloudWatch answers.
 */
final class LogTailReader {
  static final int MAX_PAGES = 5;

  private LogTailReader() {}

  /** The last lines, oldest first; empty when the stream has none or does not exist. */
  static List<String> read(TaskLogs logs, String logGroup, String logStream, int maxLines) {
    List<String> lines = new ArrayList<>();
    String token = null;
    for (int page = 0; page < MAX_PAGES && lines.size() < maxLines; page++) {
      Page p = logs.pageBackward(logGroup, logStream, token, maxLines - lines.size());
      lines.addAll(0, p.lines());
      String next = p.nextBackwardToken();
      boolean endOfStream = next == null || next.isEmpty() || next.equals(token);
      // A page with lines is the tail: an older page would only add lines above the newest ones.
      if (!p.lines().isEmpty() || endOfStream) {
        break;
      }
      token = next;
    }
    return lines.size() <= maxLines ? lines : lines.subList(lines.size() - maxLines, lines.size());
  }
}
