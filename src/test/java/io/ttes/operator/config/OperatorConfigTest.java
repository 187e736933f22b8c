package io.ttes.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.testing.LogCapture;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class OperatorConfigTest {
  /** What Kubernetes puts into every pod of a namespace with the chart's Service ttes-operator. */
  private static final Map<String, String> SERVICE_LINKS =
      Map.of(
          "TTES_OPERATOR_SERVICE_HOST", "10.96.0.12",
          "TTES_OPERATOR_SERVICE_PORT", "8080",
          "TTES_OPERATOR_SERVICE_PORT_HTTP_METRICS", "8080",
          "TTES_OPERATOR_PORT", "tcp://10.96.0.12:8080",
          "TTES_OPERATOR_PORT_8080_TCP", "tcp://10.96.0.12:8080",
          "TTES_OPERATOR_PORT_8080_TCP_PROTO", "tcp",
          "TTES_OPERATOR_PORT_8080_TCP_PORT", "8080",
          "TTES_OPERATOR_PORT_8080_TCP_ADDR", "10.96.0.12");

  @Test
  void serviceLinkVariablesAreNamedForAWarningNotRefused() {
    Map<String, String> env = new java.util.HashMap<>(SERVICE_LINKS);
    env.put("TTES_HTTP_PORT", "9090");
    env.put("PATH", "/usr/bin");

    OperatorConfig config = OperatorConfig.load(env, new String[0]);

    assertThat(config.httpPort()).isEqualTo(9090);
    assertThat(OperatorConfig.unknownEnvironment(env))
        .containsExactlyElementsOf(SERVICE_LINKS.keySet().stream().sorted().toList());
  }

  @Test
  void unknownFlagsStillFailNamingTheFlag() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of(), new String[] {"--http-prot=1"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown setting --http-prot;")
        .hasMessageContaining("http-port");
  }

  @Test
  void logLevelFromEnvironmentOrFlag() {
    assertThat(OperatorConfig.load(Map.of(), new String[0]).logLevel()).isEqualTo("INFO");
    assertThat(OperatorConfig.load(Map.of("TTES_LOG_LEVEL", "debug"), new String[0]).logLevel())
        .isEqualTo("DEBUG");
    assertThat(
            OperatorConfig.load(
                    Map.of("TTES_LOG_LEVEL", "debug"), new String[] {"--log-level=warn"})
                .logLevel())
        .isEqualTo("WARN");
  }

  @Test
  void historyLimitDefaultsTo50ZeroIsOffAndNonsenseFailsNamingTheSetting() {
    assertThat(OperatorConfig.load(Map.of(), new String[0]).historyLimit()).isEqualTo(50);
    assertThat(OperatorConfig.load(Map.of("TTES_HISTORY_LIMIT", "0"), new String[0]).historyLimit())
        .isZero();
    assertThat(OperatorConfig.load(Map.of(), new String[] {"--history-limit=200"}).historyLimit())
        .isEqualTo(200);
    for (String bad : new String[] {"-1", "1001", "many"}) {
      assertThatThrownBy(
              () -> OperatorConfig.load(Map.of("TTES_HISTORY_LIMIT", bad), new String[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "history-limit (TTES_HISTORY_LIMIT) must be a whole number from 0 (off) to 1000, got "
                  + bad);
    }
  }

  @Test
  void invalidLogLevelFailsNamingTheSetting() {
    assertThatThrownBy(
            () -> OperatorConfig.load(Map.of("TTES_LOG_LEVEL", "verbose"), new String[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "log-level (TTES_LOG_LEVEL) must be one of [trace, debug, info, warn, error], got"
                + " verbose");
  }

  @Test
  void rootLogLevelDecidesWhetherDebugLinesAreLogged() {
    org.slf4j.Logger log = LoggerFactory.getLogger("io.ttes.operator.config.Probe");
    try (LogCapture capture = LogCapture.attach()) {
      RootLogLevel.apply(OperatorConfig.load(Map.of(), new String[0]).logLevel());
      log.debug("debug line at the default level");
      log.info("info line at the default level");
      RootLogLevel.apply(
          OperatorConfig.load(Map.of(), new String[] {"--log-level=debug"}).logLevel());
      log.debug("debug line at level debug");

      assertThat(capture.all())
          .contains("info line at the default level", "debug line at level debug")
          .doesNotContain("debug line at the default level");
    } finally {
      RootLogLevel.apply("INFO");
    }
  }
}
