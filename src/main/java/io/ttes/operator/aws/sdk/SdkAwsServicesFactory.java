package io.ttes.operator.aws.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.aws.AwsServices;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.EcsTasks;
import io.ttes.operator.aws.SecretStore;
import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.aws.SsmCommands;
import io.ttes.operator.aws.Stacks;
import io.ttes.operator.aws.TaskLogs;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
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
 * Builds the AWS SDK v2 clients of each {@link AwsTarget} on first use and keeps them until {@link
 * #close()}. Every client uses the SDK's adaptive retry mode (client-side rate limiting when AWS
 * throttles) and reports to one {@link AwsCallMetrics}.
 *
 * <p>A client is built when its service is first asked for, not with the target: a client loads its
 * whole service's request classes and their marshallers (RDS, EC2 and ElastiCache ~2,000 classes
 * together, ~20 MiB of Metaspace, code and symbols), and most operators never take a snapshot (RDS,
 * ElastiCache, EC2) or run on the AMI platform (SSM). See docs/benchmarks.md, "Footprint".
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
    log.info(
        "AWS services for region {}{}",
        target.region(),
        target.roleArn() == null ? "" : " with role " + target.roleArn());
    return new Services(region, credentials, closeables);
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

  /**
   * The services of one target, each client built on first use ({@link Services#built()} names
   * those built), and everything to close with them.
   */
  final class Services implements AwsServices {
    private final Region region;
    private final AwsCredentialsProvider credentials;
    // Guarded by this: the credential providers, then every client in the order built.
    private final List<SdkAutoCloseable> closeables;
    private final List<String> built = new ArrayList<>();
    private final Once<CloudFormationClient> cfn =
        client("cloudformation", CloudFormationClient::builder);
    private final Once<SdkStacks> stacks = new Once<>(() -> new SdkStacks(cfn.get()));
    private final Once<SdkChangeSets> changeSets = new Once<>(() -> new SdkChangeSets(cfn.get()));
    private final Once<SdkEcsTasks> ecs =
        new Once<>(() -> new SdkEcsTasks(client("ecs", EcsClient::builder).get()));
    private final Once<SdkSsmCommands> ssm =
        new Once<>(() -> new SdkSsmCommands(client("ssm", SsmClient::builder).get()));
    private final Once<SdkTaskLogs> logs =
        new Once<>(() -> new SdkTaskLogs(client("logs", CloudWatchLogsClient::builder).get()));
    private final Once<SdkSnapshots> snapshots =
        new Once<>(
            () ->
                new SdkSnapshots(
                    client("rds", RdsClient::builder).get(),
                    client("elasticache", ElastiCacheClient::builder).get(),
                    client("ec2", Ec2Client::builder).get()));
    private final Once<SdkSecretStore> secrets =
        new Once<>(
            () ->
                new SdkSecretStore(
                    client("secretsmanager", SecretsManagerClient::builder).get(), json));

    Services(Region region, AwsCredentialsProvider credentials, List<SdkAutoCloseable> closeables) {
      this.region = region;
      this.credentials = credentials;
      this.closeables = closeables;
    }

    @Override
    public Stacks stacks() {
      return stacks.get();
    }

    @Override
    public ChangeSets changeSets() {
      return changeSets.get();
    }

    @Override
    public EcsTasks ecs() {
      return ecs.get();
    }

    @Override
    public SsmCommands ssm() {
      return ssm.get();
    }

    @Override
    public TaskLogs logs() {
      return logs.get();
    }

    @Override
    public Snapshots snapshots() {
      return snapshots.get();
    }

    @Override
    public SecretStore secrets() {
      return secrets.get();
    }

    /** The services whose clients were built so far, in the order built. */
    synchronized List<String> built() {
      return List.copyOf(built);
    }

    private <C extends SdkClient, B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>>
        Once<C> client(String service, Supplier<B> builder) {
      return new Once<>(
          () -> {
            synchronized (this) {
              if (closed) {
                throw new IllegalStateException("AWS services factory is closed");
              }
              C client = configure(builder.get(), region, credentials).build();
              closeables.add(client);
              built.add(service);
              log.debug("AWS {} client built for region {}", service, region.id());
              return client;
            }
          });
    }

    synchronized void close() {
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

  /** A value computed by the first {@link #get()} and kept. */
  private static final class Once<T> {
    private final Supplier<T> compute;
    private T value;

    Once(Supplier<T> compute) {
      this.compute = compute;
    }

    synchronized T get() {
      if (value == null) {
        value = compute.get();
      }
      return value;
    }
  }
}
