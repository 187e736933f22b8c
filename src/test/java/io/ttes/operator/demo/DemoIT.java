package io.ttes.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keeps the README's second command working: the embedded demo converges on the examples. */
class DemoIT {
  @Test
  void theExamplesConvergeOnTheEmbeddedDefault() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    EmbeddedDemo.Result result =
        EmbeddedDemo.run(out, Path.of("deploy/examples"), Duration.ofMinutes(3), true);
    String printed = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
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
