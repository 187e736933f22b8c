package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TemplateOrderTest {
  private static final List<String> NUMBERING =
      List.of(
          "1-1-vpc",
          "1-2-bastion",
          "2-1-db-aurora-master",
          "2-2-db-aurora-replica",
          "2-3-db-redis",
          "2-4a-is-s3",
          "2-4b-routing-s3",
          "2-5-db-timescale-master",
          "2-7-queue-sqs",
          "3-1-security-group-rules",
          "4-1-secrets",
          "4-2a-configuration",
          "4-2b-configuration-rate-limiting",
          "4-2c-configuration-resource-limiting",
          "5-1-ecs-cluster",
          "5-2-ecs-ops",
          "5-3a-ecs-is-service",
          "5-3c-ecs-tbs-service",
          "5-4-ecs-services",
          "5-8a-certs-le",
          "5-8b-ecs-certbot-scheduled-task",
          "10-1-x",
          "marketplace-ami");

  private final TemplateOrder order = new TemplateOrder();

  @Test
  void sortsShuffledTemplatesIntoNumberingOrder() {
    for (long seed = 0; seed < 20; seed++) {
      List<String> shuffled = new ArrayList<>(NUMBERING);
      Collections.shuffle(shuffled, new Random(seed));
      shuffled.sort(order);
      assertThat(shuffled).containsExactlyElementsOf(NUMBERING);
    }
  }

  @Test
  void comparesNumbersAsNumbersAndLetterAfterNoLetter() {
    assertThat(order.compare("10-1-x", "2-1-y")).isPositive();
    assertThat(order.compare("2-10-x", "2-9-x")).isPositive();
    assertThat(order.compare("4-2-x", "4-2a-x")).isNegative();
    assertThat(order.compare("4-2a-x", "4-2b-x")).isNegative();
    assertThat(order.compare("5-2-ecs-ops", "5-2-ecs-ops")).isZero();
  }

  @Test
  void sortsClusterStacksByTemplateThenName() {
    List<StackRef> stacks =
        List.of(
            new StackRef("prod-eu1-5-2-ecs-ops", "5-2-ecs-ops"),
            new StackRef("prod-eu1-10-1", "10-1-x"),
            new StackRef("prod-eu1-1-1-vpc", "1-1-vpc"),
            new StackRef("prod-eu1-2-4b", "2-4b-routing-s3"),
            new StackRef("prod-eu1-2-4a", "2-4a-is-s3"));

    assertThat(order.sortStacks(stacks))
        .extracting(StackRef::getName)
        .containsExactly(
            "prod-eu1-1-1-vpc",
            "prod-eu1-2-4a",
            "prod-eu1-2-4b",
            "prod-eu1-5-2-ecs-ops",
            "prod-eu1-10-1");
  }
}
