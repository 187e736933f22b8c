package io.ttes.operator.aws;

import java.util.List;

/** CloudWatch Logs of ops tasks. */
public interface TaskLogs {
  /** The last {@code maxLines} lines of a log stream, oldest first; empty when it is absent. */
  List<String> tail(String logGroup, String logStream, int maxLines);
}
