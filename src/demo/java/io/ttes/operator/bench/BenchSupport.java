package io.ttes.operator.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the benchmark mains share: the migrations they run and how they count. */
final class BenchSupport {
  /** The five database migrations of a TTES upgrade, the OpsTasks the benchmarks run. */
  static final List<List<String>> MIGRATIONS =
      List.of(
          List.of("is-db", "migrate"),
          List.of("ns-db", "migrate"),
          List.of("as-db", "migrate"),
          List.of("noc-db", "migrate"),
          List.of("dcs-db", "migrate"));

  private BenchSupport() {}

  /** The parsed command line, or null once {@code --help} has printed the usage. */
  static BenchArgs argsOrUsage(String[] args, BenchArgs.Spec spec) {
    BenchArgs a = BenchArgs.parse(args, spec);
    if (a.help()) {
      System.out.print(a.usage());
      return null;
    }
    return a;
  }

  /** Benchmarks print figures, not the operator's and the mock API's request logs. */
  static void quietLogs() throws java.io.IOException {
    try (var in = BenchSupport.class.getResourceAsStream("/jul.properties")) {
      if (in != null) {
        java.util.logging.LogManager.getLogManager().readConfiguration(in);
      }
    }
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
  }

  /**
   * Per key, what {@code after} counts more than {@code before}; keys without a change left out.
   */
  static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> diff = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          long d = v - before.getOrDefault(k, 0L);
          if (d != 0) {
            diff.put(k, d);
          }
        });
    return diff;
  }

  static long millisSince(Instant start) {
    return Duration.between(start, Instant.now()).toMillis();
  }
}
