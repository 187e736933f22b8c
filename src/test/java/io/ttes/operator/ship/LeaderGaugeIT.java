package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.TtesOperator;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.config.OperatorConfig.LeaseTimings;
import io.ttes.operator.testing.OperatorTestBed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ttes_leader} with two replicas: 1 on the Lease holder, 0 on the standby (which is still
 * live: /healthz 200 without informers), and 1 on the standby once it has taken over.
 */
class LeaderGaugeIT {
  private static final String LEASE_NS = "ttes-system";
  private static final LeaseTimings TIMINGS =
      new LeaseTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofSeconds(1));

  private final OperatorTestBed bed =
      OperatorTestBed.builder().aws(new FakeAws()).notStarted().start();

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void oneOnTheLeaderZeroOnTheStandby() throws Exception {
    bed.api.createNamespace(LEASE_NS);
    TtesOperator a = replica("replica-a");
    await().atMost(Duration.ofSeconds(15)).until(a::isLeader);
    TtesOperator b = replica("replica-b");

    assertThat(MetricsIT.sample(MetricsIT.scrape(a.httpPort()), "ttes_leader")).isEqualTo(1.0);
    assertThat(MetricsIT.sample(MetricsIT.scrape(b.httpPort()), "ttes_leader")).isZero();
    assertThat(status(b, "/healthz")).as("a standby is live").isEqualTo(200);

    bed.stopReplica(a);
    await()
        .atMost(TIMINGS.duration().plusSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> MetricsIT.sample(MetricsIT.scrape(b.httpPort()), "ttes_leader") == 1.0);
    assertThat(b.isLeader()).isTrue();
  }

  private TtesOperator replica(String identity) {
    return bed.replica(
        c -> c.withLeaderElection(LEASE_NS, "ttes-operator-leader").withLease(identity, TIMINGS));
  }

  private static int status(TtesOperator operator, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
