package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.Operation;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.KubeApi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * History appends of OpsTasks finishing together, against the in-process Kubernetes API (which
 * answers a stale write with 409 as an API server does), counting the writes of the cluster's
 * status: entries that arrive while a write is in flight go out together in the next one.
 */
class HistoryAppendsTest {
  private static final int TASKS = 20;

  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final CountDownLatch othersQueued = new CountDownLatch(1);
  private final AtomicBoolean holdFirstWrite = new AtomicBoolean(false);
  private final AtomicBoolean refuse = new AtomicBoolean(false);
  private final HistoryAppends appends = new HistoryAppends(50);
  private KubeApi api;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    api = KubeApi.start();
    api.createNamespace("ops");
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(api.client().getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "count-status-writes",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            if (!request.uri().getPath().endsWith("/status")) {
                              return;
                            }
                            if (refuse.get()) {
                              // An unreachable API: the request goes to a port nobody serves.
                              builder.uri(java.net.URI.create("http://127.0.0.1:1/refused"));
                              return;
                            }
                            writes.add(request.method());
                            if (holdFirstWrite.compareAndSet(true, false)) {
                              await(othersQueued);
                            }
                          }
                        }))
            .build();
    FakeDeployment.create(
        api.client(), "ops", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 20));
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Operation entry(int i) {
    Operation o = new Operation();
    o.setOpsTask("migrate-" + i);
    o.setUid("uid-" + i);
    o.setAttempt(1);
    o.setPhase(OpsTaskPhase.Succeeded);
    o.setFinishedAt("2026-12-03T09:00:%02dZ".formatted(i));
    return o;
  }

  private List<Operation> history() {
    TTESClusterStatus s =
        api.client()
            .resources(TTESCluster.class)
            .inNamespace("ops")
            .withName("prod-eu1")
            .get()
            .getStatus();
    return s == null || s.getOperations() == null ? List.of() : s.getOperations();
  }

  @Test
  void entriesArrivingWhileAWriteIsInFlightAreWrittenTogetherInTheNext() throws Exception {
    holdFirstWrite.set(true);
    ExecutorService pool = Executors.newFixedThreadPool(TASKS);
    try {
      List<CompletableFuture<Boolean>> results = new ArrayList<>();
      results.add(
          CompletableFuture.supplyAsync(
              () -> appends.append(client, "ops", "prod-eu1", entry(0)), pool));
      while (writes.isEmpty()) { // the first append's write is under way (and held)
        Thread.sleep(5);
      }
      for (int i = 1; i < TASKS; i++) {
        int n = i;
        results.add(
            CompletableFuture.supplyAsync(
                () -> appends.append(client, "ops", "prod-eu1", entry(n)), pool));
      }
      while (appends.queued("ops", "prod-eu1") < TASKS - 1) {
        Thread.sleep(5);
      }
      othersQueued.countDown();
      for (CompletableFuture<Boolean> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(history())
        .hasSize(TASKS)
        .extracting(Operation::getOpsTask)
        .as("newest first")
        .startsWith("migrate-19", "migrate-18")
        .endsWith("migrate-0");
    assertThat(writes).as("one write for the first, one for the 19 queued behind it").hasSize(2);
  }

  @Test
  void aRunListedAlreadyIsNotWrittenAgainAndAMissingClusterSaysSo() {
    assertThat(appends.append(client, "ops", "prod-eu1", entry(1))).isTrue();
    assertThat(appends.append(client, "ops", "prod-eu1", entry(1))).isTrue();
    assertThat(history()).hasSize(1);
    assertThat(writes).as("the repeat found its run listed: no write").hasSize(1);

    assertThat(appends.append(client, "ops", "gone", entry(2))).isFalse();
  }

  @Test
  void aRefusedWriteFailsItsCallersAndTheNextAppendWritesAgain() {
    refuse.set(true);
    assertThatThrownBy(() -> appends.append(client, "ops", "prod-eu1", entry(1)))
        .isInstanceOf(KubernetesClientException.class);
    assertThat(appends.queued("ops", "prod-eu1")).isZero();

    refuse.set(false);
    assertThat(appends.append(client, "ops", "prod-eu1", entry(2))).isTrue();
    assertThat(history()).extracting(Operation::getOpsTask).containsExactly("migrate-2");
  }
}
