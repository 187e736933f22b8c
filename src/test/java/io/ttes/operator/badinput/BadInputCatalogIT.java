package io.ttes.operator.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskPhase;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TenantBootstrap;
import io.ttes.operator.aws.fake.FakeAws;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.CrdSchemas;
import io.ttes.operator.testing.FakeDeployment;
import io.ttes.operator.testing.OperatorTestBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The bad-input catalogue (src/test/resources/bad-input): malformed or hostile manifests, each with
 * the outcome it must get in its header. {@code schema}: the CRD's OpenAPI schema (what the API
 * server enforces) or strict field validation rejects it. {@code Stalled <Reason> <field>}: the
 * schema admits it, the operator stalls it with that reason and a message naming the field, records
 * a Warning event, and makes no mutating AWS call. A {@code # cel: <message>} header adds that the
 * CRD's CEL rule rejects it on an API server that runs CEL rules (1.25 and later), with that
 * message; the in-process API does not run them, so the operator's own check, for servers that do
 * not, is tested on it too. Meanwhile the operator keeps serving good resources.
 */
class BadInputCatalogIT {
  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "TTESCluster", TTESCluster.class,
          "OpsTask", OpsTask.class,
          "TenantBootstrap", TenantBootstrap.class,
          "StackUpgrade", StackUpgrade.class);

  record Case(String file, String why, String expect, String cel, String yaml) {}

  @Test
  void everyBadManifestIsRejectedOrStalledAndNothingReachesAws() throws IOException {
    List<Case> cases = load(Path.of("src/test/resources/bad-input"));
    assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
    CrdSchemas schemas = new CrdSchemas(Path.of("crds"));

    // The validator accepts the shipped examples: a rejection below means something.
    try (Stream<Path> examples = Files.list(Path.of("deploy/examples"))) {
      for (Path example : examples.toList()) {
        for (String doc : Files.readString(example).split("(?m)^---$")) {
          assertThat(schemas.violations(CrdSchemas.parse(doc))).as(example.toString()).isEmpty();
        }
      }
    }

    FakeAws aws = new FakeAws();
    FakeDeployment.seed(aws, "prod-eu1", "3.33.1");
    aws.stacks().stack("prod-eu1-5-2-ecs-ops").output("OpsHint", "three word value");
    try (OperatorTestBed bed = new OperatorTestBed("bad", aws)) {
      FakeDeployment.create(
          bed.client(), "bad", FakeDeployment.clusterYaml("prod-eu1", "prod-eu1", true, 4));
      FakeDeployment.create(
          bed.client(),
          "bad",
          FakeDeployment.clusterYaml("nodomain", "prod-eu1", true, 4)
              .replace("  domain: eu1.example.com\n", ""));
      FakeDeployment.create(
          bed.client(),
          "bad",
          FakeDeployment.clusterYaml("lonely", "prod-eu1", true, 4)
              .replace("cluster: c1}", "cluster: c9}"));
      bed.secret("acme-admin", Map.of("password", "catalogue-marker-secret"));
      for (String c : List.of("prod-eu1", "nodomain", "lonely")) {
        bed.awaitClusterReady(c);
      }
      int mutatingBefore = aws.calls().mutatingCalls().size();

      Map<Case, CustomResource<?, ?>> created = new LinkedHashMap<>();
      int schemaRejected = 0;
      for (Case c : cases) {
        JsonNode manifest = CrdSchemas.parse(c.yaml());
        List<String> violations = schemas.violations(manifest);
        if (c.cel() != null) {
          assertThat(schemas.structuralViolations(manifest))
              .as(c.file() + " passes the OpenAPI schema; only its CEL rule rejects it")
              .isEmpty();
          assertThat(violations)
              .as(c.file() + " (" + c.why() + ") must be rejected by a CEL rule")
              .anyMatch(v -> v.contains(c.cel()));
          schemaRejected++;
        }
        if (c.expect().equals("schema")) {
          assertThat(violations)
              .as(c.file() + " (" + c.why() + ") must be rejected by the schema")
              .isNotEmpty();
          schemaRejected++;
        } else {
          assertThat(c.cel() != null ? schemas.structuralViolations(manifest) : violations)
              .as(c.file() + " must pass the schema to test the operator")
              .isEmpty();
          Class<? extends CustomResource<?, ?>> type = KINDS.get(manifest.path("kind").asText());
          CustomResource<?, ?> obj =
              bed.client().getKubernetesSerialization().unmarshal(c.yaml(), type);
          created.put(c, bed.client().resource(obj).inNamespace("bad").create());
        }
      }

      List<String> report = new ArrayList<>();
      for (var e : created.entrySet()) {
        Case c = e.getKey();
        String[] expect = c.expect().split(" ", 3);
        String name = e.getValue().getMetadata().getName();
        @SuppressWarnings("unchecked")
        Class<CustomResource<?, ?>> type = (Class<CustomResource<?, ?>>) e.getValue().getClass();
        CustomResource<?, ?> stalled =
            bed.await(type, name, Duration.ofSeconds(30), r -> stalledCondition(r) != null);
        Condition cond = stalledCondition(stalled);
        assertThat(cond.getReason()).as(c.file() + " reason").isEqualTo(expect[1]);
        assertThat(cond.getMessage()).as(c.file() + " message names the field").contains(expect[2]);
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(bed.events(name))
                        .as(c.file() + " Warning event")
                        .anyMatch(
                            ev ->
                                "Warning".equals(ev.getType())
                                    && expect[1].equals(ev.getReason())));
        report.add(String.format("%-36s %-28s %s", c.file(), cond.getReason(), cond.getMessage()));
      }
      assertThat(aws.calls().mutatingCalls())
          .as("mutating AWS calls caused by bad input")
          .hasSize(mutatingBefore);

      // The operator still serves good resources after all that.
      bed.create(
          """
          apiVersion: ops.ttes.io/v1alpha1
          kind: OpsTask
          metadata: {name: good-after-bad}
          spec: {clusterRef: {name: prod-eu1}, command: [is-db, migrate]}
          """,
          OpsTask.class);
      OpsTask good =
          bed.await(
              OpsTask.class,
              "good-after-bad",
              Duration.ofSeconds(30),
              t -> t.getStatus() != null && t.getStatus().getPhase() == OpsTaskPhase.Succeeded);
      assertThat(good.getStatus().getExitCode()).isZero();
      assertThat(bed.everythingAsText()).doesNotContain("catalogue-marker-secret");
      System.out.printf(
          "bad-input catalogue: %d manifests, %d rejected by the schema (CEL rules included), %d"
              + " stalled by the operator,"
              + " %d mutating AWS calls%n",
          cases.size(),
          schemaRejected,
          created.size(),
          aws.calls().mutatingCalls().size() - mutatingBefore - 1);
      report.forEach(System.out::println);
    }
  }

  private static Condition stalledCondition(CustomResource<?, ?> r) {
    if (!(r.getStatus() instanceof KindStatus s)) {
      return null;
    }
    Condition c = ConditionWriter.find(s, "Stalled");
    return c != null && "True".equals(c.getStatus()) ? c : null;
  }

  private static List<Case> load(Path dir) throws IOException {
    List<Case> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String text = Files.readString(f);
        String why = header(text, "# why: ");
        String expect = header(text, "# expect: ");
        String cel =
            text.lines().anyMatch(l -> l.startsWith("# cel: ")) ? header(text, "# cel: ") : null;
        out.add(new Case(f.getFileName().toString(), why, expect, cel, text));
      }
    }
    return out;
  }

  private static String header(String text, String prefix) {
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow()
        .substring(prefix.length())
        .trim();
  }
}
