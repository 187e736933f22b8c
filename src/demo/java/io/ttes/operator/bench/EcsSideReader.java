package io.ttes.operator.bench;

import io.ttes.operator.testing.TtesFixture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Reads every ECS task of the emulator every {@code every} (ListClusters, ListTasks, DescribeTasks)
 * with a client of its own, not the operator's, so its calls are not counted. moto moves a task one
 * state per read once its time has come ("progression: time"); without a reader of its own, how
 * long a task ran would depend on how often the operator reads it, and an operator that reads less
 * would see its tasks run longer. With this reader every task ends on time, as an ECS task does
 * whoever watches it.
 */
final class EcsSideReader implements AutoCloseable {
  private final EcsClient ecs;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong reads = new AtomicLong();

  EcsSideReader(URI endpoint, Duration every) {
    this.ecs = TtesFixture.configure(EcsClient.builder(), endpoint).build();
    this.thread = new Thread(() -> loop(every), "bench-ecs-side-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** DescribeTasks calls this reader made. */
  long reads() {
    return reads.get();
  }

  private void loop(Duration every) {
    while (running.get()) {
      try {
        for (String cluster : ecs.listClusters().clusterArns()) {
          List<String> arns = ecs.listTasks(b -> b.cluster(cluster)).taskArns();
          for (int i = 0; i < arns.size(); i += 100) {
            List<String> page = arns.subList(i, Math.min(arns.size(), i + 100));
            ecs.describeTasks(b -> b.cluster(cluster).tasks(page));
            reads.incrementAndGet();
          }
        }
      } catch (RuntimeException e) {
        // The emulator going away at the end of a run; the next round tries again.
      }
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
    ecs.close();
  }
}
