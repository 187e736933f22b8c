package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.SsmCommands;
import io.ttes.operator.aws.SsmCommands.Invocation;
import io.ttes.operator.testing.MotoServer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;

class SdkSsmCommandsIT {
  private static MotoServer moto;
  private static SdkAwsServicesFactory factory;
  private static SsmCommands ssm;
  private static SsmClient ssmClient;
  private static String instanceId;

  @BeforeAll
  static void fixture() {
    moto = MotoServer.start();
    factory = new SdkAwsServicesFactory(moto.endpoint(), new SimpleMeterRegistry());
    ssm = factory.forTarget(new AwsTarget(MotoServer.REGION, null)).ssm();
    ssmClient = MotoClients.client(SsmClient.builder(), moto);
    try (Ec2Client ec2 = MotoClients.client(Ec2Client.builder(), moto)) {
      String ami = ec2.describeImages(b -> {}).images().get(0).imageId();
      instanceId =
          ec2.runInstances(b -> b.imageId(ami).minCount(1).maxCount(1).instanceType("t3.medium"))
              .instances()
              .get(0)
              .instanceId();
    }
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.close();
      ssmClient.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void sendRunsTheShellLinesAndIsFoundAgainByItsComment() {
    Instant before = Instant.now().minus(1, ChronoUnit.MINUTES);
    List<String> lines = List.of("ttn-lw-stack is-db migrate");
    String id = ssm.send(instanceId, lines, "ops.ttes.io/migrate-uid-1", 600);

    Command sent = ssmClient.listCommands(b -> b.commandId(id)).commands().get(0);
    assertThat(sent.documentName()).isEqualTo("AWS-RunShellScript");
    assertThat(sent.parameters()).containsEntry("commands", lines);
    assertThat(sent.parameters()).containsEntry("executionTimeout", List.of("600"));
    assertThat(sent.instanceIds()).containsExactly(instanceId);

    assertThat(ssm.findByComment(instanceId, "ops.ttes.io/migrate-uid-1", before)).hasValue(id);
    assertThat(ssm.findByComment(instanceId, "ops.ttes.io/other", before)).isEmpty();

    Invocation invocation = ssm.invocation(id, instanceId);
    assertThat(invocation.commandId()).isEqualTo(id);
    assertThat(invocation.status()).isEqualTo("Success");
    assertThat(invocation.finished()).isTrue();
    assertThat(invocation.responseCode()).isZero();
  }

  @Test
  void aLongCommentIsCutTheSameWayWhenSendingAndFinding() {
    String comment = "ops.ttes.io/" + "x".repeat(150);
    String id = ssm.send(instanceId, List.of("true"), comment, 60);
    assertThat(ssmClient.listCommands(b -> b.commandId(id)).commands().get(0).comment())
        .hasSize(100);
    assertThat(ssm.findByComment(instanceId, comment, Instant.EPOCH)).hasValue(id);
  }

  @Test
  void anInvocationSsmDoesNotShowIsNotFoundNotPending() {
    // A "Pending" answer here made a command whose invocation never appears wait forever.
    String id = ssm.send(instanceId, List.of("true"), "ops.ttes.io/pending", 60);
    assertThatThrownBy(() -> ssm.invocation(id, "i-00000000000000000"))
        .isInstanceOfSatisfying(
            AwsException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(AwsException.Kind.NOT_FOUND);
              assertThat(e.errorCode()).isEqualTo("InvocationDoesNotExist");
            });
  }
}
