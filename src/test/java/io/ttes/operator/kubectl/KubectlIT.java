package io.ttes.operator.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.testing.Kubectl;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start as a user does it, with the real kubectl against the embedded API and
 * the operator on the AWS emulator: apply the examples, wait for Ready, read the printer columns,
 * the events in describe, the schema's text in explain, and every kind through the {@code ttes}
 * category. Fails (never skips) where kubectl is not installed.
 */
class KubectlIT {
  private static final String NS = "default";

  @Test
  void kubectlSeesTheKindsAsOnARealApiServer() throws Exception {
    try (MotoServer moto = MotoServer.start();
        OperatorTestBed bed =
            OperatorTestBed.builder().namespace(NS).sdkAws(moto.endpoint()).notStarted().start()) {
      TtesFixture.uploadTemplates(moto.endpoint());
      TtesFixture.uploadTemplates(moto.endpoint(), "thethingsindustries");
      TtesFixture.deploy(moto.endpoint(), "prod-eu1", "3.33.1", TtesFixture.FIVE_TEMPLATES);
      Kubectl kubectl = Kubectl.forApi(bed.api.url(), NS, Path.of("target", "kubectl-it"));
      bed.startOperator();
      String applied = kubectl.run("apply", "--validate=false", "-f", "deploy/examples/").ok();
      assertThat(applied)
          .contains(
              "ttescluster.ops.ttes.io/prod-eu1 created",
              "opstask.ops.ttes.io/is-db-migrate created",
              "tenantbootstrap.ops.ttes.io/acme created",
              "stackupgrade.ops.ttes.io/prod-eu1-to-3.33.2 created");

      // An invalid manifest is refused as an API server refuses it: schema, unknown fields, CEL.
      Kubectl.Result refused =
          kubectl.run("apply", "-f", "src/test/resources/bad-input/09-ttc-ecs-with-ami-block.yaml");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr())
          .contains("The TTESCluster \"bad-ttc-9\" is invalid")
          .contains("spec.ops.ami is for platform AMI; this cluster is ECS");
      Kubectl.Result unknown =
          kubectl.run("apply", "-f", "src/test/resources/bad-input/18-ttc-unknown-field.yaml");
      assertThat(unknown.exitCode()).isNotZero();
      assertThat(unknown.stderr()).contains("unknown field \"spec.regoin\"");
      Path changedTask = Path.of("target", "kubectl-it", "changed-task.yaml");
      Files.writeString(
          changedTask,
          Files.readString(Path.of("deploy/examples/30-opstask-migrate.yaml"))
              .replace("command: [is-db, migrate]", "command: [is-db, create-admin-user]"));
      Kubectl.Result changed = kubectl.run("apply", "-f", changedTask.toString());
      assertThat(changed.exitCode()).isNotZero();
      assertThat(changed.stderr()).contains("an OpsTask's spec cannot change");

      // wait: the watch kubectl opens is answered, so nothing but the result is printed.
      Kubectl.Result waited =
          kubectl.run("wait", "--for=condition=Ready", "ttc/prod-eu1", "--timeout=60s");
      assertThat(waited.ok()).isEqualTo("ttescluster.ops.ttes.io/prod-eu1 condition met\n");
      assertThat(waited.stderr()).isEmpty();
      Kubectl.Result taskDone =
          kubectl.run("wait", "--for=condition=Ready", "ot/is-db-migrate", "--timeout=60s");
      assertThat(taskDone.ok()).contains("condition met");
      assertThat(taskDone.stderr()).isEmpty();

      // get: the printer columns, in the CRD's order, with values.
      String ttc = kubectl.run("get", "ttc").ok();
      System.out.println("kubectl get ttc\n" + ttc);
      List<String> table = lines(ttc);
      assertThat(words(table.get(0)))
          .containsExactly(
              "NAME", "READY", "REASON", "REGION", "PLATFORM", "VERSION", "UPGRADE", "AGE");
      assertThat(words(table.get(1)))
          .startsWith("prod-eu1", "True", "StacksStable", "eu-west-1", "ECS", "3.33.1");
      List<String> tasks = lines(kubectl.run("get", "ot", "is-db-migrate").ok());
      assertThat(words(tasks.get(0)))
          .containsExactly("NAME", "PHASE", "REASON", "EXIT", "CLUSTER", "AGE");
      assertThat(words(tasks.get(1)))
          .startsWith("is-db-migrate", "Succeeded", "Completed", "0", "prod-eu1");

      // describe: the events of the object, found by involvedObject field selectors.
      String described = kubectl.run("describe", "ot", "is-db-migrate").ok();
      String events = described.substring(described.indexOf("\nEvents:"));
      assertThat(events).doesNotContain("<none>").contains("Normal").contains("started ECS task");

      // explain: the field's description from the CRD schema, through OpenAPI v3.
      String explained = kubectl.run("explain", "opstask.spec.command").ok();
      assertThat(explained)
          .contains("FIELD: command <[]string>")
          .contains("The command after the binary");
      assertThat(kubectl.run("explain", "ttc").ok()).contains("One TTES deployment on AWS");

      // The ttes category names all four kinds.
      String all = kubectl.run("get", "ttes").ok();
      System.out.println("kubectl get ttes\n" + all);
      assertThat(all)
          .contains(
              "ttescluster.ops.ttes.io/prod-eu1",
              "opstask.ops.ttes.io/is-db-migrate",
              "tenantbootstrap.ops.ttes.io/acme",
              "stackupgrade.ops.ttes.io/prod-eu1-to-3.33.2");

      // delete waits for the object to go, through a watch of it by name.
      Kubectl.Result deleted = kubectl.run("delete", "ot", "is-db-migrate", "--timeout=30s");
      assertThat(deleted.ok()).contains("opstask.ops.ttes.io \"is-db-migrate\" deleted");
      assertThat(deleted.stderr()).isEmpty();
    }
  }

  private static List<String> lines(String out) {
    return out.lines().toList();
  }

  private static List<String> words(String line) {
    return Arrays.asList(line.trim().split("\\s{2,}|\\s+"));
  }
}
