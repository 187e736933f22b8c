package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.Stacks.StackEvent;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.testing.MotoServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

class SdkStacksIT {
  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static Stacks stacks;
  private static CloudFormationClient cfn;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    stacks = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).stacks();
    cfn = MotoClients.client(CloudFormationClient.builder(), moto);
    for (String name :
        List.of("prod-1-1-vpc", "prod-5-1-ecs-cluster", "prod-5-2-ecs-ops", "gone")) {
      cfn.createStack(
          b ->
              b.stackName(name)
                  .templateBody(Templates.ops("q"))
                  .parameters(
                      Parameter.builder()
                          .parameterKey("AdminPassword")
                          .parameterValue("pw")
                          .build())
                  .tags(t -> t.key("ttes.io/cluster").value("prod")));
    }
    cfn.deleteStack(b -> b.stackName("gone"));
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
      cfn.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static long describeStacksCalls() {
    return factory.metrics().callsByOperation().getOrDefault("CloudFormation.DescribeStacks", 0L);
  }

  @Test
  void oneOrTwoNamesAreDescribedOneByOneAndMissingOnesAreAbsent() {
    long before = describeStacksCalls();
    Map<String, StackInfo> found = stacks.describe(List.of("prod-5-2-ecs-ops", "prod-9-9-missing"));
    assertThat(describeStacksCalls() - before).isEqualTo(2);
    assertThat(found).containsOnlyKeys("prod-5-2-ecs-ops");
    StackInfo ops = found.get("prod-5-2-ecs-ops");
    assertThat(ops.status()).isEqualTo("CREATE_COMPLETE");
    assertThat(ops.stackId()).startsWith("arn:aws:cloudformation:eu-west-1:");
    assertThat(ops.outputs())
        .containsEntry("OpsRunTaskArguments", "ops-td ops-cluster subnet-1 subnet-2 sg-1");
    assertThat(ops.parameters())
        .containsEntry("Image", "thethingsindustries/lorawan-stack:3.33.0-aws");
    assertThat(ops.tags()).containsEntry("ttes.io/cluster", "prod");
    assertThat(ops.lastUpdated()).isNotNull();
  }

  @Test
  void manyNamesAreDescribedByNameNeverByListingTheRegion() {
    long before = describeStacksCalls();
    Map<String, StackInfo> found =
        stacks.describe(
            List.of("prod-1-1-vpc", "prod-5-1-ecs-cluster", "prod-5-2-ecs-ops", "gone", "missing"));
    // One call per name: a listing of the region (no StackName) would read every stack of the
    // account, page by page, at each poll.
    assertThat(describeStacksCalls() - before).isEqualTo(5);
    assertThat(found).containsOnlyKeys("prod-1-1-vpc", "prod-5-1-ecs-cluster", "prod-5-2-ecs-ops");
  }

  @Test
  void aDeletedStackIsAbsentWhenAskedByName() {
    assertThat(stacks.describe(List.of("gone"))).isEmpty();
  }

  @Test
  void eventsNewestFirstAndLimited() {
    List<StackEvent> all = stacks.events("prod-5-2-ecs-ops", 100);
    assertThat(all).isNotEmpty();
    assertThat(all)
        .extracting(StackEvent::timestamp)
        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(all.get(0).status()).isEqualTo("CREATE_COMPLETE");
    assertThat(stacks.events("prod-5-2-ecs-ops", 1)).hasSize(1);
  }

  @Test
  void eventsOfTheLatestUpdateEndAtItsFirstEvent() {
    cfn.updateStack(
        b ->
            b.stackName("prod-5-1-ecs-cluster")
                .templateBody(Templates.ops("q2"))
                .parameters(
                    Parameter.builder()
                        .parameterKey("AdminPassword")
                        .usePreviousValue(true)
                        .build()));
    List<StackEvent> update = stacks.eventsOfLatestUpdate("prod-5-1-ecs-cluster");
    assertThat(update).isNotEmpty();
    assertThat(update.get(update.size() - 1).startsUpdate("prod-5-1-ecs-cluster")).isTrue();
    assertThat(update).noneMatch(e -> "CREATE_COMPLETE".equals(e.status()));
  }
}
