package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.TaskLogs;
import java.util.List;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/** {@link TaskLogs} on CloudWatch Logs. */
final class SdkTaskLogs implements TaskLogs {
  /** GetLogEvents returns at most 10,000 events per call. */
  static final int MAX_LIMIT = 10_000;

  private final CloudWatchLogsClient logs;

  SdkTaskLogs(CloudWatchLogsClient logs) {
    this.logs = logs;
  }

  @Override
  public List<String> tail(String logGroup, String logStream, int maxLines) {
    if (maxLines <= 0 || logGroup == null || logStream == null) {
      return List.of();
    }
    int limit = Math.min(maxLines, MAX_LIMIT);
    try {
      // startFromHead=false gives the newest events; within the page they are oldest first.
      return logs
          .getLogEvents(
              b ->
                  b.logGroupName(logGroup)
                      .logStreamName(logStream)
                      .startFromHead(false)
                      .limit(limit))
          .events()
          .stream()
          .map(OutputLogEvent::message)
          .toList();
    } catch (ResourceNotFoundException e) {
      // The task stopped before writing anything, or the group was never created.
      return List.of();
    } catch (RuntimeException e) {
      throw AwsErrors.map("GetLogEvents", e);
    }
  }
}
