package io.ttes.operator;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.Controller;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.StackReadings;
import io.ttes.operator.bootstrap.ClusterBootstrapLedger;
import io.ttes.operator.bootstrap.TenantBootstrapReconciler;
import io.ttes.operator.cluster.TTESClusterReconciler;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.config.RootLogLevel;
import io.ttes.operator.opstask.BatchedTaskObserver;
import io.ttes.operator.opstask.HistoryRecorder;
import io.ttes.operator.opstask.OpsTaskFlow;
import io.ttes.operator.opstask.OpsTaskReconciler;
import io.ttes.operator.opstask.OwnedOpsTasks;
import io.ttes.operator.opstask.TaskSlots;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.status.EventRecorder;
import io.ttes.operator.status.Retrying;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator: reads its settings, builds the AWS clients once, registers the reconcilers and
 * serves health and metrics. Everything is wired here by constructors, so tests and the embedded
 * demo start the same operator against an in-process Kubernetes API and the AWS emulator.
 */
public final class TtesOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TtesOperator.class);

  private final Operator operator;
  private final HttpEndpoints http;
  private final PrometheusMeterRegistry registry;
  private final AwsServicesFactory aws;
  private final LeaseState lease;
  private final OperatorMetrics metrics;

  private TtesOperator(
      Operator operator,
      HttpEndpoints http,
      PrometheusMeterRegistry registry,
      AwsServicesFactory aws,
      LeaseState lease,
      OperatorMetrics metrics) {
    this.operator = operator;
    this.http = http;
    this.registry = registry;
    this.aws = aws;
    this.lease = lease;
    this.metrics = metrics;
  }

  /**
   * Whether this instance holds the Lease, and whether it is closing (so losing it is expected).
   */
  private static final class LeaseState {
    final AtomicBoolean leading = new AtomicBoolean();
    final AtomicBoolean closing = new AtomicBoolean();

    LeaderCallbacks callbacks() {
      return new LeaderCallbacks(
          () -> leading.set(true),
          () -> {
            leading.set(false);
            // The SDK does not stop the controllers of a replica that lost its Lease, so a leader
            // that could not renew must exit, or two replicas would reconcile at once. A leader
            // that is being closed stops here too, and must not take the JVM with it.
            if (!closing.get()) {
              log.error("lost the leader Lease; exiting so that only one replica reconciles");
              System.exit(1);
            }
          },
          leader -> {});
    }
  }

  /** Everything the operator needs from outside, so tests can give in-process stand-ins. */
  public record Dependencies(
      OperatorConfig config,
      KubernetesClient client,
      AwsServicesFactory aws,
      PrometheusMeterRegistry registry,
      Clock clock) {}

  public static void main(String[] args) throws Exception {
    OperatorConfig config = OperatorConfig.load(System.getenv(), args);
    if (config.jsonLogs()) {
      useJsonLogs();
    }
    RootLogLevel.apply(config.logLevel());
    List<String> ignored = OperatorConfig.unknownEnvironment(System.getenv());
    if (!ignored.isEmpty()) {
      log.warn("ignoring environment variables that name no setting: {}", ignored);
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KubernetesClient client = new KubernetesClientBuilder().build();
    AwsServicesFactory aws = AwsWiring.sdkFactory(config, registry);
    TtesOperator operator =
        start(new Dependencies(config, client, aws, registry, Clock.systemUTC()));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  operator.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }

  /**
   * Reconfigures logback from logback-json.xml. Setting logback.configurationFile here would be too
   * late: this class's static logger has configured logback from logback.xml before main runs.
   */
  static void useJsonLogs() throws JoranException {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(TtesOperator.class.getResource("/logback-json.xml"));
  }

  /** Builds and starts the operator; the caller closes it. */
  public static TtesOperator start(Dependencies deps) throws IOException {
    OperatorConfig config = deps.config();
    log.info("starting ttes-operator: {}", String.join(", ", config.describe()));
    String leaseNamespace = System.getenv().getOrDefault("POD_NAMESPACE", config.leaseNamespace());
    LeaseState lease = new LeaseState();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(deps.client())
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(true)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  // Per-resource metrics would label series with resource names: unbounded
                  // (every OpsTask is a new name), so only per-controller series are kept.
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(deps.registry()));
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        config.leaseName(),
                        leaseNamespace,
                        config.lease().duration(),
                        config.lease().renewDeadline(),
                        config.lease().retryPeriod(),
                        config.leaseIdentity(),
                        lease.callbacks(),
                        false));
              }
            });
    ConditionWriter conditions = new ConditionWriter(deps.clock());
    EventRecorder events = new EventRecorder(deps.client(), deps.clock());
    for (Reconciler<?> reconciler : reconcilers(deps, conditions, events)) {
      RegisteredController<?> controller = register(operator, reconciler, config);
      StalledResourceMetrics.register(
          deps.registry(),
          controller.getConfiguration().getResourceClass().getSimpleName(),
          () -> cached((Controller<?>) controller),
          deps.clock());
    }
    BooleanSupplier standby = () -> config.leaderElection() && !lease.leading.get();
    OperatorMetrics metrics = new OperatorMetrics(deps.registry(), () -> !standby.getAsBoolean());
    operator.start();
    HttpEndpoints http =
        new HttpEndpoints(
            config.httpPort(),
            deps.registry(),
            () ->
                OperatorHealth.liveness(
                    OperatorHealth.facts(operator.getRuntimeInfo(), standby.getAsBoolean())),
            () ->
                OperatorHealth.readiness(
                    OperatorHealth.facts(operator.getRuntimeInfo(), standby.getAsBoolean())));
    log.info("operator started; health and metrics on port {}", http.port());
    return new TtesOperator(operator, http, deps.registry(), deps.aws(), lease, metrics);
  }

  /** The custom resources in a controller's informer cache (empty until its informers run). */
  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> Stream<R> cached(
      Controller<R> controller) {
    return controller.getEventSourceManager().getControllerEventSource().list(r -> true);
  }

  private static List<Reconciler<?>> reconcilers(
      Dependencies deps, ConditionWriter conditions, EventRecorder events) {
    List<Reconciler<?>> list = new ArrayList<>();
    // Every stack reading and change set execution is seen by all kinds (StackReadings).
    StackReadings aws = new StackReadings(deps.aws(), deps.clock());
    list.add(new TTESClusterReconciler(aws, conditions, events, deps.config()));
    TaskSlots slots = new TaskSlots(deps.clock(), Duration.ofMinutes(10));
    list.add(
        new OpsTaskReconciler(
            new OpsTaskFlow(
                OpsTaskFlow.Settings.from(deps.config()),
                deps.clock(),
                slots,
                new BatchedTaskObserver(deps.clock())),
            slots,
            aws,
            events,
            deps.registry(),
            HistoryRecorder.from(deps.config())));
    list.add(
        new TenantBootstrapReconciler(
            aws,
            conditions,
            events,
            deps.config(),
            new OwnedOpsTasks(deps.client()),
            new ClusterBootstrapLedger(deps.client(), deps.clock())));
    list.add(
        new io.ttes.operator.upgrade.StackUpgradeReconciler(
            aws,
            conditions,
            events,
            deps.config(),
            new OwnedOpsTasks(deps.client()),
            new io.ttes.operator.upgrade.UpgradeLock(deps.client()),
            deps.clock(),
            new io.ttes.operator.upgrade.UpgradeMetrics(deps.registry())));
    return list;
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata>
      RegisteredController<R> register(
          Operator operator, Reconciler<R> reconciler, OperatorConfig config) {
    return operator.register(
        reconciler,
        o -> {
          // Transient errors are retried forever with capped backoff, never left for hours.
          o.withRetry(Retrying.policy(config.fastPoll(), config.slowPoll()));
          if (!config.watchNamespaces().isEmpty()) {
            o.settingNamespaces(config.watchNamespaces());
          }
          if (config.labelSelector() != null) {
            o.withLabelSelector(config.labelSelector());
          }
        });
  }

  public int httpPort() {
    return http.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Operator operator() {
    return operator;
  }

  /** Whether this instance holds the leader Lease (always false without leader election). */
  public boolean isLeader() {
    return lease.leading.get();
  }

  @Override
  public void close() {
    lease.closing.set(true);
    try {
      operator.stop();
    } catch (RuntimeException e) {
      log.warn("operator stop: {}", e.getMessage());
    }
    http.close();
    metrics.close();
    aws.close();
  }

  /** Grace period kept in one place: the Deployment's terminationGracePeriodSeconds is above. */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);
}
