package io.ttes.operator.testing;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ttes.operator.TtesOperator;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.AwsServicesFactory;
import io.ttes.operator.aws.sdk.AwsCallMetrics;
import io.ttes.operator.aws.sdk.SdkAwsServicesFactory;
import io.ttes.operator.config.OperatorConfig;
import io.ttes.operator.status.ConditionWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What an operator-level test stands on: an in-process Kubernetes API, the real operator on a given
 * AWS (started, stopped and restarted as a crash would), and the objects of the test's namespace
 * ({@link KubeObjects}: create / get / await / events). {@link #builder()} says how the operator is
 * started: which AWS, configuration and clock, whether each start has a Kubernetes client of its
 * own (as a new pod has), and whether it starts at once. Closing the bed closes every operator it
 * started, their clients and the API.
 */
public final class OperatorTestBed implements AutoCloseable {
  public final KubeApi api;

  /** The test's namespace (created by the bed), or null when the test makes its own. */
  public final String namespace;

  private final Builder how;
  private final List<AutoCloseable> started = new ArrayList<>();
  private TtesOperator operator;
  private AwsServicesFactory aws;
  private int starts;

  /** A bed on this AWS with the test configuration, the operator started. */
  public OperatorTestBed(String namespace, AwsServicesFactory aws) {
    this(builder().namespace(namespace).aws(aws));
  }

  private OperatorTestBed(Builder how) {
    this.how = how;
    this.namespace = how.namespace;
    this.api = KubeApi.start();
    try {
      if (namespace != null) {
        api.createNamespace(namespace);
      }
      if (how.startNow) {
        startOperator();
      }
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
  }

  /**
   * The operator through the AWS SDK on moto, polling every 500 ms (2 s when idle), started; the
   * bed of the emulator suites. {@code namespace} may be null when each test makes its own.
   */
  public static OperatorTestBed onMoto(MotoServer moto, String namespace) {
    return builder()
        .namespace(namespace)
        .sdkAws(moto.endpoint())
        .config(c -> c.withPolling(Duration.ofMillis(500), Duration.ofSeconds(2)))
        .start();
  }

  /** How to start the operator; {@link Builder#start()} makes the bed. */
  public static Builder builder() {
    return new Builder();
  }

  /** The choices of {@link OperatorTestBed#builder()}; each has the default its Javadoc says. */
  public static final class Builder {
    private String namespace;
    private Function<MeterRegistry, AwsServicesFactory> aws;
    private URI awsEndpoint;
    private UnaryOperator<OperatorConfig> config = UnaryOperator.identity();
    private Clock clock = Clock.systemUTC();
    private boolean clientPerStart;
    private boolean startNow = true;

    private Builder() {}

    /** The test's namespace, created with the API; none by default. */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /** The same AWS for every start (a fake keeps its state across restarts). */
    public Builder aws(AwsServicesFactory aws) {
      Objects.requireNonNull(aws, "aws");
      this.aws = registry -> aws;
      return this;
    }

    /**
     * AWS through the SDK at this endpoint (an emulator, or a proxy in front of one): every start
     * gets a new factory reporting to that operator's registry, so closing the operator closes its
     * AWS clients as a crash would, and {@link #awsCalls()} counts from that start on.
     */
    public Builder sdkAws(URI endpoint) {
      this.awsEndpoint = endpoint;
      this.aws = registry -> new SdkAwsServicesFactory(endpoint, registry);
      return this;
    }

    /** Changes to {@link RunningOperator#testConfig()} (fast polls, a free HTTP port). */
    public Builder config(UnaryOperator<OperatorConfig> config) {
      this.config = config;
      return this;
    }

    /** The operator's clock; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Every start gets a Kubernetes client of its own, as a restarted pod has: no watch or cache of
     * the previous incarnation survives. By default all starts share the API's client.
     */
    public Builder clientPerStart() {
      this.clientPerStart = true;
      return this;
    }

    /** The test starts the operator itself ({@link #startOperator()}), e.g. after seeding. */
    public Builder notStarted() {
      this.startNow = false;
      return this;
    }

    public OperatorTestBed start() {
      Objects.requireNonNull(aws, "aws: call aws(...) or sdkAws(...)");
      return new OperatorTestBed(this);
    }
  }

  public KubernetesClient client() {
    return api.client();
  }

  /** The running operator, or null while it is stopped. */
  public TtesOperator operator() {
    return operator;
  }

  /** The AWS of the running (or last) operator. */
  public AwsServicesFactory aws() {
    return aws;
  }

  /** AWS calls of the running (or last) operator; only with {@link Builder#sdkAws}. */
  public AwsCallMetrics awsCalls() {
    if (aws instanceof SdkAwsServicesFactory sdk) {
      return sdk.metrics();
    }
    throw new IllegalStateException("awsCalls() counts SDK calls: build the bed with sdkAws(...)");
  }

  /** How many times an operator was started (the first start and every restart). */
  public int starts() {
    return starts;
  }

  /** Starts the operator the builder describes. */
  public void startOperator() {
    if (operator != null) {
      throw new IllegalStateException("the operator is running");
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    aws = how.aws.apply(registry);
    operator = start(operatorConfig(), kubernetesClient(), registry, aws);
    starts++;
  }

  /** Stops the operator, as a crash between two reconciles would; a no-op when stopped. */
  public void stopOperator() {
    if (operator != null) {
      TtesOperator o = operator;
      operator = null;
      o.close();
    }
  }

  /** Stops the operator (as a crash would, between two reconciles) and starts a new one. */
  public void restartOperator() {
    stopOperator();
    startOperator();
  }

  /**
   * Starts one more operator on the same AWS with its own Kubernetes client, as a second replica of
   * the Deployment has (each replica needs its own lease identity in {@code config}). Closed with
   * the bed unless the test closes it first.
   */
  public TtesOperator replica(UnaryOperator<OperatorConfig> config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AwsServicesFactory replicaAws = how.aws.apply(registry);
    KubernetesClient client = api.newClient();
    started.add(client);
    TtesOperator replica = start(config.apply(operatorConfig()), client, registry, replicaAws);
    started.add(replica);
    return replica;
  }

  /** Stops a replica as its pod going away would; its client stays open until the bed closes. */
  public void stopReplica(TtesOperator replica) {
    if (started.remove(replica)) {
      replica.close();
    }
  }

  private OperatorConfig operatorConfig() {
    OperatorConfig base = RunningOperator.testConfig();
    if (how.awsEndpoint != null) {
      base = base.withAwsEndpoint(how.awsEndpoint);
    }
    return how.config.apply(base);
  }

  private KubernetesClient kubernetesClient() {
    if (!how.clientPerStart) {
      return api.client();
    }
    KubernetesClient client = api.newClient();
    started.add(client);
    return client;
  }

  private TtesOperator start(
      OperatorConfig config,
      KubernetesClient client,
      PrometheusMeterRegistry registry,
      AwsServicesFactory aws) {
    try {
      return TtesOperator.start(
          new TtesOperator.Dependencies(config, client, aws, registry, how.clock));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the objects of the test's namespace

  /** The objects of the test's namespace. */
  public KubeObjects objects() {
    if (namespace == null) {
      throw new IllegalStateException("this bed has no namespace of its own: use objects(ns)");
    }
    return objects(namespace);
  }

  /** The objects of another namespace of the same API. */
  public KubeObjects objects(String ns) {
    return new KubeObjects(api.client(), ns);
  }

  public <T extends HasMetadata> T create(String yaml, Class<T> type) {
    return objects().create(yaml, type);
  }

  public void secret(String name, Map<String, String> data) {
    objects().secret(name, data);
  }

  public <T extends HasMetadata> T get(Class<T> type, String name) {
    return objects().get(type, name);
  }

  public <T extends HasMetadata> T await(
      Class<T> type, String name, Duration timeout, Predicate<T> condition) {
    return objects().await(type, name, timeout, condition);
  }

  /** The cluster once Ready for its current generation (30 s at the most). */
  public TTESCluster awaitClusterReady(String name) {
    return awaitClusterReady(name, Duration.ofSeconds(30));
  }

  public TTESCluster awaitClusterReady(String name, Duration timeout) {
    return await(TTESCluster.class, name, timeout, KubeObjects::ready);
  }

  public static String condition(KindStatus status, String type, boolean reason) {
    var c = ConditionWriter.find(status, type);
    if (c == null) {
      return null;
    }
    return reason ? c.getReason() : c.getStatus();
  }

  /** Events on the named object. */
  public List<Event> events(String name) {
    return objects().events(name);
  }

  /** All events, statuses and specs of the namespace as text, for leak checks. */
  public String everythingAsText() {
    StringBuilder b = new StringBuilder();
    var ser = api.client().getKubernetesSerialization();
    api.client()
        .v1()
        .events()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(e -> b.append(ser.asYaml(e)));
    for (Class<? extends HasMetadata> type :
        List.of(
            io.ttes.operator.api.v1alpha1.OpsTask.class,
            io.ttes.operator.api.v1alpha1.TenantBootstrap.class,
            io.ttes.operator.api.v1alpha1.StackUpgrade.class,
            TTESCluster.class)) {
      api.client()
          .resources(type)
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(o -> b.append(ser.asYaml(o)));
    }
    b.append(operator.registry().scrape());
    return b.toString();
  }

  @Override
  public void close() {
    try {
      stopOperator();
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception e) {
          // already closed by the test; the rest still closes
        }
      }
    } finally {
      api.close();
    }
  }
}
