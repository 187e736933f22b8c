package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.CreateResult;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.testing.MotoServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.s3.S3Client;

class SdkChangeSetsIT {
  private static final String BUCKET = "ttes-templates";
  private static final String CURRENT =
      "https://" + BUCKET + ".s3.amazonaws.com/3.33.0/ops.template";
  private static final String TARGET =
      "https://" + BUCKET + ".s3.amazonaws.com/3.34.0/ops.template";
  private static final String IMAGE_3_34 = "thethingsindustries/lorawan-stack:3.34.0-aws";

  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static AwsServices aws;
  private static ChangeSets changeSets;
  private static CloudFormationClient cfn;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    aws = factory.forTarget(new AwsTarget(MotoServer.REGION, null));
    changeSets = aws.changeSets();
    cfn = MotoClients.client(CloudFormationClient.builder(), moto);
    // moto reads TemplateURL https://BUCKET.s3.amazonaws.com/KEY from its own S3.
    try (S3Client s3 = MotoClients.client(S3Client.builder().forcePathStyle(true), moto)) {
      s3.createBucket(
          b ->
              b.bucket(BUCKET)
                  .createBucketConfiguration(c -> c.locationConstraint(MotoServer.REGION)));
      s3.putObject(
          b -> b.bucket(BUCKET).key("3.33.0/ops.template"),
          RequestBody.fromString(Templates.ops("q")));
      s3.putObject(
          b -> b.bucket(BUCKET).key("3.34.0/ops.template"),
          RequestBody.fromString(Templates.ops("q2")));
    }
    for (String stack : List.of("prod-ops", "prod-same", "prod-delete")) {
      cfn.createStack(
          b ->
              b.stackName(stack)
                  .templateBody(Templates.ops("q"))
                  // moto compares a change set's parameters with those given at creation.
                  .parameters(
                      Parameter.builder()
                          .parameterKey("Image")
                          .parameterValue("thethingsindustries/lorawan-stack:3.33.0-aws")
                          .build(),
                      Parameter.builder()
                          .parameterKey("AdminPassword")
                          .parameterValue("s3cret")
                          .build()));
    }
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

  private static ChangeSetRequest request(String stack, String name, String url, String image) {
    return new ChangeSetRequest(
        stack,
        name,
        url,
        Map.of("Image", image),
        List.of("AdminPassword"),
        List.of("CAPABILITY_IAM"),
        Map.of("ops.ttes.io/upgrade", "u-1"),
        "StackUpgrade u-1 to 3.34.0");
  }

  @Test
  void templateSummaryListsParametersWithDefaultsAndNoEcho() {
    TemplateSummary summary = changeSets.templateSummary(TARGET);
    assertThat(summary.parameters())
        .extracting(TemplateParameter::key)
        .containsExactlyInAnyOrder("Image", "AdminPassword");
    TemplateParameter password =
        summary.parameters().stream()
            .filter(p -> p.key().equals("AdminPassword"))
            .findFirst()
            .orElseThrow();
    assertThat(password.noEcho()).isTrue();
    assertThat(password.hasDefault()).isFalse();
    TemplateParameter image =
        summary.parameters().stream()
            .filter(p -> p.key().equals("Image"))
            .findFirst()
            .orElseThrow();
    assertThat(image.defaultValue()).isEqualTo("thethingsindustries/lorawan-stack:3.33.0-aws");
  }

  @Test
  void theStacksCurrentTemplateDeclaresItsNoEchoParameters() {
    // GetTemplateSummary with StackName: the drift baseline's NoEcho keys, whatever DescribeStacks
    // shows of the values (moto answers AdminPassword unmasked).
    TemplateSummary summary = changeSets.stackTemplateSummary("prod-ops");
    assertThat(summary.parameters())
        .extracting(TemplateParameter::key, TemplateParameter::noEcho)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("Image", false),
            org.assertj.core.groups.Tuple.tuple("AdminPassword", true));
  }

  @Test
  void anUpdateIsCreatedDescribedAndExecuted() {
    CreateResult created =
        changeSets.create(request("prod-ops", "ttes-u-1-prod-ops-1", TARGET, IMAGE_3_34));
    assertThat(created.noChanges()).isFalse();
    assertThat(created.changeSetId()).contains("ttes-u-1-prod-ops-1");

    ChangeSetInfo info = changeSets.describe("prod-ops", "ttes-u-1-prod-ops-1").orElseThrow();
    assertThat(info.createComplete()).isTrue();
    assertThat(info.executionStatus()).isEqualTo("AVAILABLE");
    assertThat(info.id()).isEqualTo(created.changeSetId());
    assertThat(info.parameters()).containsEntry("Image", IMAGE_3_34);

    changeSets.execute("prod-ops", "ttes-u-1-prod-ops-1");
    var stack = aws.stacks().describe(List.of("prod-ops")).get("prod-ops");
    assertThat(stack.status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(stack.parameters()).containsEntry("Image", IMAGE_3_34);
  }

  @Test
  void aChangeSetWithNothingToChangeIsReportedAsNoChanges() {
    CreateResult created =
        changeSets.create(
            request(
                "prod-same",
                "ttes-u-1-prod-same-1",
                CURRENT,
                "thethingsindustries/lorawan-stack:3.33.0-aws"));
    // moto answers like AWS: an id now, a FAILED change set saying there is nothing to change.
    ChangeSetInfo info = changeSets.describe("prod-same", "ttes-u-1-prod-same-1").orElseThrow();
    assertThat(info.status()).isEqualTo("FAILED");
    assertThat(info.noChanges()).isTrue();
    assertThat(info.id()).isEqualTo(created.changeSetId());
  }

  @Test
  void missingChangeSetsAndStacksDescribeAsEmpty() {
    assertThat(changeSets.describe("prod-ops", "no-such-change-set")).isEmpty();
    assertThat(changeSets.describe("no-such-stack", "no-such-change-set")).isEmpty();
  }

  @Test
  void deleteRemovesTheChangeSet() {
    changeSets.create(request("prod-delete", "ttes-u-1-prod-delete-1", TARGET, IMAGE_3_34));
    assertThat(changeSets.describe("prod-delete", "ttes-u-1-prod-delete-1")).isPresent();
    changeSets.delete("prod-delete", "ttes-u-1-prod-delete-1");
    assertThat(changeSets.describe("prod-delete", "ttes-u-1-prod-delete-1")).isEmpty();
  }
}
