package io.ttes.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.ttes.operator.aws.fake.MutableClock;
import io.ttes.operator.testing.KubeApi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events against the in-process Kubernetes API, counting the recorder's requests: a new event is
 * one POST, a repeat one PATCH (no GET: the count is kept in memory), and only an event recorded
 * before this recorder existed is read once.
 */
class EventRecorderTest {
  private final MutableClock clock = MutableClock.at("2026-12-03T06:00:00Z");
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private KubeApi api;
  private KubernetesClient client;
  private ConfigMap object;

  @BeforeEach
  void start() {
    api = KubeApi.start();
    api.createNamespace("ns");
    client =
        new KubernetesClientBuilder()
            .withConfig(api.client().getConfiguration())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "count",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            requests.add(request.method() + " " + request.uri().getPath());
                          }
                        }))
            .build();
    object =
        api.client()
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("subject")
                    .withNamespace("ns")
                    .endMetadata()
                    .build())
            .create();
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  @Test
  void aRepeatIsOnePatchOfTheCountAndNothingIsReadFirst() {
    EventRecorder events = new EventRecorder(client, clock);

    events.normal(object, "WaitingForSlot", "waiting");
    clock.advance(Duration.ofSeconds(5));
    events.normal(object, "WaitingForSlot", "waiting");
    clock.advance(Duration.ofSeconds(5));
    events.normal(object, "WaitingForSlot", "waiting");
    events.warning(object, "Failed", "exit 1");

    assertThat(requests)
        .containsExactly(
            "POST /api/v1/namespaces/ns/events",
            "PATCH /api/v1/namespaces/ns/events/"
                + stored("WaitingForSlot").getMetadata().getName(),
            "PATCH /api/v1/namespaces/ns/events/"
                + stored("WaitingForSlot").getMetadata().getName(),
            "POST /api/v1/namespaces/ns/events");
    Event waiting = stored("WaitingForSlot");
    assertThat(waiting.getCount()).isEqualTo(3);
    assertThat(waiting.getFirstTimestamp()).isEqualTo("2026-12-03T06:00:00Z");
    assertThat(waiting.getLastTimestamp()).isEqualTo("2026-12-03T06:00:10Z");
    assertThat(stored("Failed").getCount()).isEqualTo(1);
  }

  @Test
  void anEventFromBeforeARestartIsReadOnceThenCountedInMemory() {
    new EventRecorder(client, clock).normal(object, "Running", "started");
    EventRecorder restarted = new EventRecorder(client, clock);
    requests.clear();

    restarted.normal(object, "Running", "started");
    restarted.normal(object, "Running", "started");

    String path = "/api/v1/namespaces/ns/events";
    String name = stored("Running").getMetadata().getName();
    assertThat(requests)
        .containsExactly(
            "POST " + path,
            "GET " + path + "/" + name,
            "PUT " + path + "/" + name,
            "PATCH " + path + "/" + name);
    assertThat(stored("Running").getCount()).isEqualTo(3);
  }

  @Test
  void anEventThatExpiredIsRecordedAnew() {
    EventRecorder events = new EventRecorder(client, clock);
    events.normal(object, "Running", "started");
    api.client()
        .v1()
        .events()
        .inNamespace("ns")
        .withName(stored("Running").getMetadata().getName())
        .delete();

    events.normal(object, "Running", "started");

    assertThat(stored("Running").getCount()).isEqualTo(1);
  }

  private Event stored(String reason) {
    return api.client().v1().events().inNamespace("ns").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .findFirst()
        .orElseThrow();
  }
}
