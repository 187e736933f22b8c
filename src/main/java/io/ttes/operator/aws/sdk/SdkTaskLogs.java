package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.TaskLogs;
import java.util.List;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
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
    return pageBackward(logGroup, logStream, null, maxLines).lines();
  }

  /**
   * GetLogEvents with startFromHead=false: "This operation can return empty results while there are
   * more log events available through the token", and at the end of the stream the next token is
   * the one passed in
   * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html).
   */
  @Override
  public Page pageBackward(String logGroup, String logStream, String backwardToken, int limit) {
    String token = backwardToken == null ? "" : backwardToken;
    if (limit <= 0 || logGroup == null || logStream == null) {
      return new Page(List.of(), token);
    }
    int max = Math.min(limit, MAX_LIMIT);
    GetLogEventsResponse response;
    try {
      response =
          logs.getLogEvents(
              b ->
                  b.logGroupName(logGroup)
                      .logStreamName(logStream)
                      .startFromHead(false)
                      .nextToken(backwardToken)
                      .limit(max));
    } catch (ResourceNotFoundException e) {
      // The task stopped before writing anything, or the group was never created.
      return new Page(List.of(), token);
    } catch (RuntimeException e) {
      throw AwsErrors.map("GetLogEvents", e);
    }
    // Within a page the events are oldest first, whichever the direction.
    List<String> lines = response.events().stream().map(OutputLogEvent::message).toList();
    String next = response.nextBackwardToken();
    return new Page(lines, next == null ? token : next);
  }
}
