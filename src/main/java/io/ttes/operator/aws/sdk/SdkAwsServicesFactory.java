package io.ttes.operator.aws.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticache.ElastiCacheClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds the AWS SDK v2 clients of each {@link AwsTarget} once and keeps them until {@link
 * #close()}. Every client uses the SDK's adaptive retry mode (client-side rate limiting when AWS
 * throttles) and reports to one {@link AwsCallMetrics}.
 */
public final class SdkAwsServicesFactory implements AwsServicesFactory {
  static final String SESSION_NAME = "ttes-operator";
  private static final Logger log = LoggerFactory.getLogger(SdkAwsServicesFactory.class);

  private final URI endpointOverride;
  private final AwsCallMetrics metrics;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<AwsTarget, Services> services = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param endpointOverride where all calls go (an emulator), or null for AWS; when null the SDK
   *     itself still honours {@code AWS_ENDPOINT_URL}.
   */
  public SdkAwsServicesFactory(URI endpointOverride, MeterRegistry registry) {
    this.endpointOverride = endpointOverride;
    this.metrics = new AwsCallMetrics(registry);
  }

  /** The call counts of all clients built by this factory. */
  public AwsCallMetrics metrics() {
    return metrics;
  }

  @Override
  public AwsServices forTarget(AwsTarget target) {
    if (closed) {
      throw new IllegalStateException("AWS services factory is closed");
    }
    return services.computeIfAbsent(target, this::build);
  }

  @Override
  public void close() {
    closed = true;
    for (Services s : services.values()) {
      s.close();
    }
    services.clear();
  }

  private Services build(AwsTarget target) {
    List<SdkAutoCloseable> closeables = new ArrayList<>();
    Region region = Region.of(target.region());
    AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    closeables.add((SdkAutoCloseable) credentials);
    if (target.roleArn() != null) {
      StsClient sts = configure(StsClient.builder(), region, credentials).build();
      StsAssumeRoleCredentialsProvider assumed =
          StsAssumeRoleCredentialsProvider.builder()
              .stsClient(sts)
              .refreshRequest(r -> r.roleArn(target.roleArn()).roleSessionName(SESSION_NAME))
              .asyncCredentialUpdateEnabled(false)
              .build();
      // The provider does not close the STS client it was given.
      closeables.add(sts);
      closeables.add(assumed);
      credentials = assumed;
    }
    CloudFormationClient cfn =
        add(closeables, configure(CloudFormationClient.builder(), region, credentials).build());
    EcsClient ecs = add(closeables, configure(EcsClient.builder(), region, credentials).build());
    SsmClient ssm = add(closeables, configure(SsmClient.builder(), region, credentials).build());
    CloudWatchLogsClient logs =
        add(closeables, configure(CloudWatchLogsClient.builder(), region, credentials).build());
    RdsClient rds = add(closeables, configure(RdsClient.builder(), region, credentials).build());
    ElastiCacheClient elasticache =
        add(closeables, configure(ElastiCacheClient.builder(), region, credentials).build());
    Ec2Client ec2 = add(closeables, configure(Ec2Client.builder(), region, credentials).build());
    SecretsManagerClient secrets =
        add(closeables, configure(SecretsManagerClient.builder(), region, credentials).build());
    log.info(
        "AWS clients built for region {}{}",
        target.region(),
        target.roleArn() == null ? "" : " with role " + target.roleArn());
    return new Services(
        new SdkStacks(cfn),
        new SdkChangeSets(cfn),
        new SdkEcsTasks(ecs),
        new SdkSsmCommands(ssm),
        new SdkTaskLogs(logs),
        new SdkSnapshots(rds, elasticache, ec2),
        new SdkSecretStore(secrets, json),
        closeables);
  }

  private static <C extends SdkClient> C add(List<SdkAutoCloseable> closeables, C client) {
    closeables.add(client);
    return client;
  }

  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
      B builder, Region region, AwsCredentialsProvider credentials) {
    builder
        .region(region)
        .credentialsProvider(credentials)
        .httpClientBuilder(
            UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30)))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.ADAPTIVE_V2)
                .addExecutionInterceptor(metrics)
                .apiCallTimeout(Duration.ofMinutes(2))
                .build());
    if (endpointOverride != null) {
      builder.endpointOverride(endpointOverride);
    }
    return builder;
  }

  /** The services of one target and everything to close with them. */
  private record Services(
      SdkStacks stacks,
      SdkChangeSets changeSets,
      SdkEcsTasks ecs,
      SdkSsmCommands ssm,
      SdkTaskLogs logs,
      SdkSnapshots snapshots,
      SdkSecretStore secrets,
      List<SdkAutoCloseable> closeables)
      implements AwsServices {

    void close() {
      // Clients first, then the credential providers they use.
      for (int i = closeables.size() - 1; i >= 0; i--) {
        try {
          closeables.get(i).close();
        } catch (RuntimeException e) {
          log.warn("closing an AWS client failed: {}", e.toString());
        }
      }
    }
  }
}
