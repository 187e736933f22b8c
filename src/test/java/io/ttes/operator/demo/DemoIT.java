package io.ttes.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Keeps the README's second command working: the embedded demo converges on the examples. */
class DemoIT {
  @Test
  void theExamplesConvergeOnTheEmbeddedDefault() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    List<String> requestLog = new ArrayList<>();
    java.util.logging.Logger requests =
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
    Handler counter =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            requestLog.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    requests.addHandler(counter);
    // As under exec:java, where no jul.properties quiets the request log: the demo must.
    java.util.logging.Level levelBefore = requests.getLevel();
    requests.setLevel(java.util.logging.Level.INFO);
    EmbeddedDemo.Result result;
    List<String> logged;
    try (LogCapture logs = LogCapture.attach()) {
      result =
          EmbeddedDemo.run(out, Path.of("deploy/examples"), Duration.ofMinutes(3), true, false);
      logged = logs.lines();
    } finally {
      requests.removeHandler(counter);
      requests.setLevel(levelBefore);
    }
    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    // By default the demo prints the converging resources and nothing else: no operator log, no
    // request log of the in-process API.
    assertThat(logged).as("operator log lines printed by default").isEmpty();
    assertThat(requestLog).as("request log lines printed by default").isEmpty();
    List<String> lines = printed.lines().toList();
    assertThat(lines)
        .as(printed)
        .allMatch(
            l ->
                l.startsWith("== ") || l.startsWith("   ") || l.matches("^\\d\\d:\\d\\d:\\d\\d .*"))
        .hasSizeLessThan(150);
    assertThat(result.converged()).as(printed).isTrue();
    assertThat(result.finalStates())
        .containsKeys(
            "TTESCluster/prod-eu1",
            "OpsTask/is-db-migrate",
            "TenantBootstrap/acme",
            "StackUpgrade/prod-eu1-to-3.33.2");
    // The example upgrade moved the deployment: the cluster reports the new version.
    assertThat(result.finalStates().get("TTESCluster/prod-eu1")).startsWith("Ready 3.33.2");
    assertThat(result.finalStates().get("StackUpgrade/prod-eu1-to-3.33.2"))
        .startsWith("Ready Succeeded");
    assertThat(result.awsCalls()).containsKey("CloudFormation.ExecuteChangeSet");
    assertThat(printed).contains("converged").doesNotContain("example-only-change-me");
    assertThat(result.awsCalls()).containsKey("Ecs.RunTask");
  }
}
