package io.ttes.operator.config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import lombok.With;

/**
 * Operator settings, read from environment variables, each overridable by a {@code --flag=value}
 * argument of the same name in kebab case (TTES_WATCH_NAMESPACES = --watch-namespaces).
 *
 * @param watchNamespaces namespaces to watch; empty means all namespaces
 * @param labelSelector only reconcile custom resources matching this selector (several operator
 *     deployments may share a Kubernetes cluster this way)
 * @param jsonLogs log JSON lines (with the custom resource's namespace/name) instead of text
 * @param logLevel level of the root logger: TRACE, DEBUG, INFO, WARN or ERROR
 * @param httpPort port of /healthz, /readyz and /metrics
 * @param awsEndpoint endpoint override for every AWS service (tests, emulators); null in
 *     production, where the SDK also honours AWS_ENDPOINT_URL by itself
 * @param fastPoll poll interval while something moves on AWS
 * @param slowPoll poll interval when everything is stable
 * @param leaderElection whether to take a Lease before reconciling
 * @param leaseNamespace namespace of the Lease
 * @param leaseName name of the Lease
 * @param reconcileThreads concurrent reconciles per controller
 * @param leaseIdentity holder identity in the Lease; null lets the SDK use HOSTNAME (the pod name)
 *     or a random id, so only tests that run two operators in one JVM need to set it
 * @param lease how long a Lease is held without renewal, when the leader gives up renewing, and how
 *     often everyone retries: a standby takes over at most duration + retryPeriod after the leader
 *     stops renewing
 * @param opsTaskTtlSeconds how long a finished OpsTask without owner and without its own TTL is
 *     kept; null: forever
 * @param historyLimit how many finished OpsTasks each TTESCluster lists in status.operations; 0
 *     turns the history off
 */
@With
public record OperatorConfig(
    Set<String> watchNamespaces,
    String labelSelector,
    boolean jsonLogs,
    String logLevel,
    int httpPort,
    URI awsEndpoint,
    Duration fastPoll,
    Duration slowPoll,
    boolean leaderElection,
    String leaseNamespace,
    String leaseName,
    int reconcileThreads,
    String leaseIdentity,
    LeaseTimings lease,
    Integer opsTaskTtlSeconds,
    int historyLimit) {

  /** Lease timings, as in client-go's leader election (defaults 15s / 10s / 2s). */
  public record LeaseTimings(Duration duration, Duration renewDeadline, Duration retryPeriod) {
    public static final LeaseTimings DEFAULT =
        new LeaseTimings(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

    public LeaseTimings {
      // The leader must give up before its Lease can expire, or two leaders could overlap.
      if (retryPeriod.isNegative()
          || retryPeriod.isZero()
          || renewDeadline.compareTo(retryPeriod) <= 0
          || duration.compareTo(renewDeadline) <= 0) {
        throw new IllegalArgumentException(
            "lease timings must satisfy duration > renew-deadline > retry-period > 0, got "
                + duration
                + " / "
                + renewDeadline
                + " / "
                + retryPeriod);
      }
    }
  }

  public static OperatorConfig defaults() {
    return new OperatorConfig(
        Set.of(),
        null,
        false,
        "INFO",
        8080,
        null,
        Duration.ofSeconds(5),
        Duration.ofMinutes(5),
        false,
        "default",
        "ttes-operator-leader",
        10,
        null,
        LeaseTimings.DEFAULT,
        null,
        50);
  }

  private static final Set<String> KNOWN =
      Set.of(
          "watch-namespaces",
          "label-selector",
          "log-format",
          "log-level",
          "http-port",
          "aws-endpoint",
          "fast-poll",
          "slow-poll",
          "leader-election",
          "lease-namespace",
          "lease-name",
          "lease-identity",
          "lease-duration",
          "lease-renew-deadline",
          "lease-retry-period",
          "reconcile-threads",
          "opstask-ttl-seconds",
          "history-limit");

  /** Entries of status.operations at most: about 500 bytes each, well within an object's size. */
  public static final int MAX_HISTORY = 1000;

  private static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  /**
   * Reads the environment, then the flags, which win. Unknown flags are an error; unknown {@code
   * TTES_*} variables are not (see {@link #unknownEnvironment}).
   */
  public static OperatorConfig load(Map<String, String> env, String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          String key = settingName(k);
          if (key != null && KNOWN.contains(key)) {
            values.put(key, v);
          }
        });
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      int eq = arg.indexOf('=');
      String key = arg.substring(2, eq);
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException(
            "unknown setting --" + key + "; known: " + KNOWN.stream().sorted().toList());
      }
      values.put(key, arg.substring(eq + 1));
    }
    OperatorConfig d = defaults();
    String format = values.getOrDefault("log-format", "text");
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("log-format must be text or json, got " + format);
    }
    String level = values.getOrDefault("log-level", d.logLevel()).trim().toUpperCase();
    if (!LOG_LEVELS.contains(level)) {
      throw new IllegalArgumentException(
          "log-level (TTES_LOG_LEVEL) must be one of "
              + LOG_LEVELS.stream().map(String::toLowerCase).toList()
              + ", got "
              + values.get("log-level"));
    }
    return new OperatorConfig(
        split(values.get("watch-namespaces")),
        blankToNull(values.get("label-selector")),
        format.equals("json"),
        level,
        Integer.parseInt(values.getOrDefault("http-port", String.valueOf(d.httpPort()))),
        values.containsKey("aws-endpoint") ? URI.create(values.get("aws-endpoint")) : null,
        duration(values.get("fast-poll"), d.fastPoll()),
        duration(values.get("slow-poll"), d.slowPoll()),
        Boolean.parseBoolean(values.getOrDefault("leader-election", "false")),
        values.getOrDefault("lease-namespace", d.leaseNamespace()),
        values.getOrDefault("lease-name", d.leaseName()),
        Integer.parseInt(
            values.getOrDefault("reconcile-threads", String.valueOf(d.reconcileThreads()))),
        blankToNull(values.get("lease-identity")),
        new LeaseTimings(
            duration(values.get("lease-duration"), d.lease().duration()),
            duration(values.get("lease-renew-deadline"), d.lease().renewDeadline()),
            duration(values.get("lease-retry-period"), d.lease().retryPeriod())),
        ttlSeconds(values.get("opstask-ttl-seconds")),
        historyLimit(values.get("history-limit"), d.historyLimit()));
  }

  /**
   * The {@code TTES_*} variables of {@code env} that name no setting, sorted, to be warned about
   * (by name only: their values are not ours to print). They are not an error because Kubernetes
   * puts variables into every pod that the operator does not choose: the service links of a Service
   * named ttes-operator are {@code TTES_OPERATOR_SERVICE_HOST}, {@code TTES_OPERATOR_PORT}, {@code
   * TTES_OPERATOR_PORT_8080_TCP_ADDR} and so on.
   */
  public static List<String> unknownEnvironment(Map<String, String> env) {
    return env.keySet().stream()
        .filter(k -> settingName(k) != null && !KNOWN.contains(settingName(k)))
        .sorted()
        .toList();
  }

  /** TTES_LEASE_NAME -> lease-name; null for variables that are not ours. */
  private static String settingName(String variable) {
    return variable.startsWith("TTES_")
        ? variable.substring(5).toLowerCase().replace('_', '-')
        : null;
  }

  // withAwsEndpoint, withHttpPort, withFastPoll, ... are generated (@With); these set several.

  public OperatorConfig withPolling(Duration fast, Duration slow) {
    return withFastPoll(fast).withSlowPoll(slow);
  }

  public OperatorConfig withLeaderElection(String namespace, String name) {
    return withLeaderElection(true).withLeaseNamespace(namespace).withLeaseName(name);
  }

  public OperatorConfig withLease(String identity, LeaseTimings timings) {
    return withLeaseIdentity(identity).withLease(timings);
  }

  /** Parses durations like 5s, 2m, 1h30m, 500ms. */
  public static Duration duration(String text, Duration fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    String t = text.trim();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    return Duration.parse("PT" + t.toUpperCase());
  }

  /** TTES_OPSTASK_TTL_SECONDS: a whole number of seconds, at least 0; empty: off. */
  private static Integer ttlSeconds(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      int seconds = Integer.parseInt(text.trim());
      if (seconds >= 0) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "opstask-ttl-seconds (TTES_OPSTASK_TTL_SECONDS) must be a whole number of seconds >= 0,"
            + " got "
            + text);
  }

  /** TTES_HISTORY_LIMIT: a whole number from 0 (off) to 1000; empty: the default. */
  private static int historyLimit(String text, int fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      int limit = Integer.parseInt(text.trim());
      if (limit >= 0 && limit <= MAX_HISTORY) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "history-limit (TTES_HISTORY_LIMIT) must be a whole number from 0 (off) to "
            + MAX_HISTORY
            + ", got "
            + text);
  }

  private static Set<String> split(String csv) {
    if (csv == null || csv.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(csv.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** For log lines: the settings that matter, no secrets (there are none here). */
  public List<String> describe() {
    return List.of(
        "watchNamespaces=" + (watchNamespaces.isEmpty() ? "<all>" : watchNamespaces),
        "logLevel=" + logLevel,
        "labelSelector=" + labelSelector,
        "httpPort=" + httpPort,
        "awsEndpoint=" + awsEndpoint,
        "fastPoll=" + fastPoll,
        "slowPoll=" + slowPoll,
        "leaderElection=" + leaderElection,
        "lease=" + lease,
        "opsTaskTtlSeconds=" + (opsTaskTtlSeconds == null ? "off" : opsTaskTtlSeconds),
        "historyLimit=" + (historyLimit == 0 ? "off" : historyLimit));
  }
}
