package io.ttes.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.OperatorHealth.Answer;
import io.ttes.operator.OperatorHealth.Facts;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorHealthTest {
  private static final List<String> BROKEN =
      List.of("opstask/ControllerResourceEventSource: all namespaces not watching");

  @Test
  void liveWhileTheInformersWatch() {
    assertThat(OperatorHealth.liveness(new Facts(true, false, List.of())))
        .isEqualTo(new Answer(true, "ok\n"));
    assertThat(OperatorHealth.readiness(new Facts(true, false, List.of())))
        .isEqualTo(new Answer(true, "ready\n"));
  }

  @Test
  void anUnhealthyInformerFailsBothProbesAndIsNamed() {
    Answer live = OperatorHealth.liveness(new Facts(true, false, BROKEN));
    assertThat(live.ok()).isFalse();
    assertThat(live.body()).contains(BROKEN.get(0));
    Answer ready = OperatorHealth.readiness(new Facts(true, false, BROKEN));
    assertThat(ready.ok()).isFalse();
    assertThat(ready.body()).contains(BROKEN.get(0));
  }

  @Test
  void aStandbyIsLiveAndReadyThoughItRunsNoInformers() {
    assertThat(OperatorHealth.liveness(new Facts(true, true, BROKEN)).ok()).isTrue();
    assertThat(OperatorHealth.readiness(new Facts(false, true, BROKEN)).ok()).isTrue();
  }

  @Test
  void notReadyBeforeTheControllersStart() {
    assertThat(OperatorHealth.readiness(new Facts(false, false, List.of())).ok()).isFalse();
    assertThat(OperatorHealth.liveness(new Facts(false, false, List.of())).ok()).isTrue();
  }
}
