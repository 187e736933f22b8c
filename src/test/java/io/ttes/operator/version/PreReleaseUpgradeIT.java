package io.ttes.operator.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Release candidates through the real operator on moto: a cluster at {@code 3.34.0-rc.2} reports
 * that version, and an upgrade to {@code 3.34.0-rc.10} (later by SemVer, earlier as text) is an
 * upgrade, not a {@code Downgrade}.
 */
class PreReleaseUpgradeIT {
  private static final String NS = "rc";
  private static final String FROM = "3.34.0-rc.2";
  private static final String TO = "3.34.0-rc.10";

  @Test
  void upgradeFromRc2ToRc10IsNoDowngrade() {
    try (MotoServer moto = MotoServer.start();
        OperatorTestBed bed = OperatorTestBed.onMoto(moto, NS)) {
      // The fixture has no release-candidate templates; the candidates reuse 3.33.2's (which have
      // no new required parameter), so only the image moves.
      TtesFixture.uploadTemplates(moto.endpoint());
      uploadAs(moto, "3.33.2", List.of(FROM, TO));
      TtesFixture.Deployment d =
          TtesFixture.deploy(
              moto.endpoint(),
              "rc-eu1",
              FROM,
              TtesFixture.FIVE_TEMPLATES,
              TtesFixture.Options.defaults()
                  .withParameters(Map.of(TtesFixture.IMAGE_PARAMETER, TtesFixture.image(FROM))));
      bed.create(d.clusterYaml("rc-eu1", NS), TTESCluster.class);
      await()
          .atMost(Duration.ofSeconds(45))
          .untilAsserted(
              () -> {
                TTESCluster c = cluster(bed);
                assertThat(ConditionWriter.isReady(c.getStatus(), null)).isTrue();
                assertThat(c.getStatus().getVersion()).isEqualTo(FROM);
              });

      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: StackUpgrade
          metadata: {name: to-rc10, namespace: %s}
          spec:
            clusterRef: {name: rc-eu1}
            targetVersion: %s
            approval: Automatic
            migrations: {commands: []}
          """
              .formatted(NS, TO),
          StackUpgrade.class);
      List<String> stalledReasons = new ArrayList<>();
      StackUpgrade done =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () -> {
                    StackUpgrade su = bed.get(StackUpgrade.class, "to-rc10");
                    var stalled =
                        su == null ? null : ConditionWriter.find(su.getStatus(), "Stalled");
                    if (stalled != null && "True".equals(stalled.getStatus())) {
                      stalledReasons.add(stalled.getReason() + ": " + stalled.getMessage());
                    }
                    return su;
                  },
                  su ->
                      !stalledReasons.isEmpty()
                          || (su != null
                              && su.getStatus() != null
                              && su.getStatus().getPhase() == UpgradePhase.Succeeded));
      assertThat(stalledReasons).as("the upgrade never stalls").isEmpty();
      assertThat(done.getStatus().getFromVersion()).isEqualTo(FROM);
      assertThat(done.getStatus().getTargetVersion()).isEqualTo(TO);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(cluster(bed).getStatus().getVersion()).isEqualTo(TO));
    }
  }

  private static TTESCluster cluster(OperatorTestBed bed) {
    return bed.get(TTESCluster.class, "rc-eu1");
  }

  /** Puts the fixture templates of {@code source} under the template URLs of {@code versions}. */
  private static void uploadAs(MotoServer moto, String source, List<String> versions) {
    try (S3Client s3 =
        TtesFixture.configure(S3Client.builder(), moto.endpoint()).forcePathStyle(true).build()) {
      for (String version : versions) {
        for (String template : TtesFixture.FIVE_TEMPLATES) {
          String body = TtesFixture.resource(source, template);
          String key = "public/cloud/" + version + "/" + template + ".gen.template";
          s3.putObject(
              b -> b.bucket(TtesFixture.BUCKET).key(key).contentType("text/yaml"),
              RequestBody.fromString(body));
        }
      }
    }
  }
}
