package io.ttes.operator.aws.sdk;

import io.ttes.operator.testing.MotoServer;
import java.time.Duration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Plain SDK clients on the emulator, for tests to build and inspect fixtures independently of the
 * code under test.
 */
final class MotoClients {
  private MotoClients() {}

  static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(
      B builder, MotoServer moto) {
    return builder
        .region(Region.of(MotoServer.REGION))
        .endpointOverride(moto.endpoint())
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(
            ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(30)).build())
        .build();
  }
}
