package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.TaskLogs;
import io.ttes.operator.testing.MotoServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

class SdkTaskLogsIT {
  private static final String GROUP = "/prod-eu1/ops";
  private static final String STREAM = "ops/ttes/0123456789abcdef";

  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static TaskLogs logs;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    logs = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).logs();
    try (CloudWatchLogsClient cw = MotoClients.client(CloudWatchLogsClient.builder(), moto)) {
      cw.createLogGroup(b -> b.logGroupName(GROUP));
      cw.createLogStream(b -> b.logGroupName(GROUP).logStreamName(STREAM));
      long now = System.currentTimeMillis();
      List<InputLogEvent> events = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        events.add(
            InputLogEvent.builder().timestamp(now - 5000 + i * 1000L).message("line " + i).build());
      }
      cw.putLogEvents(b -> b.logGroupName(GROUP).logStreamName(STREAM).logEvents(events));
    }
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void tailGivesTheLastLinesOldestFirst() {
    assertThat(logs.tail(GROUP, STREAM, 3)).containsExactly("line 3", "line 4", "line 5");
    assertThat(logs.tail(GROUP, STREAM, 50))
        .containsExactly("line 1", "line 2", "line 3", "line 4", "line 5");
  }

  @Test
  void aMissingStreamOrGroupIsAnEmptyTail() {
    assertThat(logs.tail(GROUP, "ops/ttes/never-started", 10)).isEmpty();
    assertThat(logs.tail("/no/such/group", STREAM, 10)).isEmpty();
  }

  @Test
  void pagingBackwardEndsWhereTheTokenRepeats() {
    TaskLogs.Page newest = logs.pageBackward(GROUP, STREAM, null, 3);
    assertThat(newest.lines()).containsExactly("line 3", "line 4", "line 5");
    TaskLogs.Page older = logs.pageBackward(GROUP, STREAM, newest.nextBackwardToken(), 3);
    assertThat(older.lines()).containsExactly("line 1", "line 2");
    TaskLogs.Page start = logs.pageBackward(GROUP, STREAM, older.nextBackwardToken(), 3);
    assertThat(start.lines()).isEmpty();
    assertThat(start.nextBackwardToken()).isEqualTo(older.nextBackwardToken());
    TaskLogs.Page absent = logs.pageBackward(GROUP, "ops/ttes/never-started", null, 3);
    assertThat(absent.lines()).isEmpty();
  }
}
