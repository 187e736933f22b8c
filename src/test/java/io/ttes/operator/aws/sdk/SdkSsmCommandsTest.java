package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.sdk.StubAws.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CancelCommand, which moto does not implement (it answers HTTP 500). */
class SdkSsmCommandsTest {
  @BeforeAll
  static void dummyCredentials() {
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
  }

  @Test
  void cancelNamesTheCommandAndTheInstance() {
    try (var stub = new StubAws(op -> Reply.json(200, "{}"));
        var factory = new SdkAwsServicesFactory(stub.endpoint(), new SimpleMeterRegistry())) {
      factory.forTarget(new AwsTarget("eu-west-1", null)).ssm().cancel("cmd-1", "i-0abc");
      assertThat(stub.operations()).containsExactly("CancelCommand");
      assertThat(stub.bodies().get(0))
          .contains("\"CommandId\":\"cmd-1\"")
          .contains("\"InstanceIds\":[\"i-0abc\"]");
    }
  }

  @Test
  void commentsAreCutToWhatSsmKeeps() {
    assertThat(SdkSsmCommands.comment("a".repeat(101))).hasSize(100);
    assertThat(SdkSsmCommands.comment("short")).isEqualTo("short");
  }
}
