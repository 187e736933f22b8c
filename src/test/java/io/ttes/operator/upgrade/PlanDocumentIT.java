package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.ParameterChange;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.ConditionWriter;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.OperatorTestBed;
import io.ttes.operator.testing.TtesFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plan a reviewer reads: the five-stack fixture at 3.33.1 upgraded to 3.33.2 against moto, and
 * the ConfigMap {@code <upgrade>-plan} as {@code kubectl get configmap} shows it.
 */
class PlanDocumentIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);

  /** The fixture's NoEcho parameter of 5-4-ecs-services. */
  private static final String NO_ECHO = "CookieHashKey";

  private static MotoServer moto;
  private static OperatorTestBed bed;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    bed = OperatorTestBed.onMoto(moto, null);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {bed, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void thePlanConfigMapNamesEachChangedParameterIsOwnedAndIsReplacedWithANewPlan() {
    deployAndApplyCluster("doc-eu1", "doc");
    String name = "doc-eu1-to-3.33.2";
    // A dry run: its change sets are gone when the spec changes. (Voiding a Manual plan deletes
    // its change sets, and moto 5.2.1 answered that DeleteChangeSet with HTTP 500 here.)
    createUpgrade("doc", "doc-eu1", name, "dryRun: true");
    StackUpgrade waiting = awaitPhase("doc", name, UpgradePhase.Planned);
    String hash = waiting.getStatus().getPlan().getHash();
    assertThat(waiting.getStatus().getPlan().getDocument()).isEqualTo(name + "-plan");

    ConfigMap cm = awaitPlanConfigMap("doc", name, hash);
    String text = cm.getData().get("plan.txt");
    assertThat(text)
        .startsWith("Plan " + hash + " of StackUpgrade doc/" + name + "\n")
        .contains("Version:  3.33.1 → 3.33.2")
        .contains("Approval: none, this is a dry run");
    List<PlannedStack> changing =
        waiting.getStatus().getPlan().getStacks().stream()
            .filter(ps -> "Changes".equals(ps.getDisposition()))
            .toList();
    assertThat(changing).isNotEmpty();
    int changed = 0;
    for (PlannedStack ps : changing) {
      assertThat(text)
          .contains("== Stack " + ps.getName() + " (" + ps.getTemplate() + "): changes");
      for (ParameterChange c : ps.getParameters()) {
        String from = c.getFrom() == null ? "(new)" : c.getFrom();
        String to = c.getTo() == null ? "(removed)" : c.getTo();
        assertThat(text).contains("  " + c.getKey() + ": " + from + " → " + to);
        changed++;
      }
    }
    assertThat(changed).isPositive();
    // The acceptance case: the image parameter with its old and new value, as a reviewer reads it.
    assertThat(text)
        .contains(
            "  "
                + TtesFixture.IMAGE_PARAMETER
                + ": "
                + TtesFixture.image("3.33.1")
                + " → "
                + TtesFixture.image("3.33.2"));
    OwnerReference owner = cm.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getUid()).isEqualTo(waiting.getMetadata().getUid());
    assertThat(owner.getKind()).isEqualTo("StackUpgrade");
    assertThat(owner.getController()).isTrue();
    assertThat(cm.getMetadata().getLabels()).containsEntry("ops.ttes.io/upgrade", name);
    assertThat(bed.objects("doc").events(name))
        .extracting(Event::getMessage)
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith("Plan " + hash + ": " + changing.size() + " stacks change, ")
                    .endsWith(
                        "read it with kubectl get configmap "
                            + name
                            + "-plan -n doc -o jsonpath='{.data.plan\\.txt}'"));

    // A spec change makes a new plan with a new hash: the ConfigMap follows it.
    String replanned = replanWith("doc", name, Map.of("EnableUDPGSRateLimiting", "true"), hash);
    ConfigMap again = awaitPlanConfigMap("doc", name, replanned);
    assertThat(again.getData().get("plan.txt"))
        .startsWith("Plan " + replanned + " ")
        .contains("  EnableUDPGSRateLimiting: (new) → true  [Override]");
    assertThat(again.getMetadata().getUid()).isEqualTo(cm.getMetadata().getUid());

    // Deleted by hand: written again.
    bed.client().configMaps().inNamespace("doc").withName(name + "-plan").delete();
    awaitPlanConfigMap("doc", name, replanned);
  }

  @Test
  void aNoEchoParameterReadsMaskedInThePlanAndItsValueIsNowhereInStatusOrEvents() throws Exception {
    String kept = "kept-cookie-key-7f3a";
    String next = "next-cookie-key-91bc";
    TtesFixture.Deployment d =
        TtesFixture.deploy(
            moto.endpoint(),
            "mask-eu1",
            "3.33.1",
            TtesFixture.FIVE_TEMPLATES,
            TtesFixture.Options.defaults().withParameters(Map.of(NO_ECHO, kept)));
    applyCluster(d, "mask-eu1", "mask");
    String name = "mask-eu1-to-3.33.2";
    // The NoEcho value changes: an override sets it (moto answers the stack's value unmasked,
    // AWS answers ****; either way the plan shows ****).
    createUpgrade(
        "mask", "mask-eu1", name, "dryRun: true\n  parameters: {" + NO_ECHO + ": " + next + "}");
    StackUpgrade changing = awaitPhase("mask", name, UpgradePhase.Planned);
    String text =
        awaitPlanConfigMap("mask", name, changing.getStatus().getPlan().getHash())
            .getData()
            .get("plan.txt");
    assertThat(text).contains("  " + NO_ECHO + ": **** → ****  [Override]");
    assertNowhere(name, text, kept, next);

    // The NoEcho value is kept: sent with UsePreviousValue, not listed as a change.
    String keptHash = replanWith("mask", name, Map.of(), changing.getStatus().getPlan().getHash());
    String keptText = awaitPlanConfigMap("mask", name, keptHash).getData().get("plan.txt");
    assertThat(keptText)
        .contains("== Stack mask-eu1-5-4-ecs-services")
        .doesNotContain(NO_ECHO + ":");
    assertThat(upgrade("mask", name).getStatus().getPlan().getStacks())
        .flatExtracting(PlannedStack::getSentParameters)
        .filteredOn(p -> p.getKey().equals(NO_ECHO))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getUsePreviousValue()).isTrue();
              assertThat(p.getNoEcho()).isTrue();
            });
    assertNowhere(name, keptText, kept, next);
  }

  /** Neither value in the plan text, the upgrade's status or any event of the namespace. */
  private static void assertNowhere(String name, String text, String... values) throws Exception {
    String status = new ObjectMapper().writeValueAsString(upgrade("mask", name).getStatus());
    List<String> events =
        bed.client().v1().events().inNamespace("mask").list().getItems().stream()
            .map(e -> e.getReason() + " " + e.getMessage())
            .toList();
    assertThat(events).isNotEmpty();
    for (String v : values) {
      assertThat(text).doesNotContain(v);
      assertThat(status).doesNotContain(v);
      assertThat(events).noneMatch(e -> e.contains(v));
    }
  }

  @Test
  void aConfigMapOfThatNameTheUpgradeDoesNotOwnIsLeftAlone() {
    deployAndApplyCluster("clash-eu1", "clash");
    String name = "clash-eu1-to-3.33.2";
    bed.client()
        .configMaps()
        .inNamespace("clash")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name + "-plan")
                .endMetadata()
                .withData(Map.of("mine", "keep"))
                .build())
        .create();

    createUpgrade("clash", "clash-eu1", name, "dryRun: true");
    StackUpgrade planned = awaitPhase("clash", name, UpgradePhase.Planned);

    assertThat(planned.getStatus().getPlan().getDocument()).isNull();
    ConfigMap cm = bed.client().configMaps().inNamespace("clash").withName(name + "-plan").get();
    assertThat(cm.getData()).containsExactly(Map.entry("mine", "keep"));
    assertThat(cm.getMetadata().getOwnerReferences()).isEmpty();
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(bed.objects("clash").events(name))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo(PlanDocumentWriter.CLASH);
                          assertThat(e.getMessage()).contains(name + "-plan", "not owned");
                        }));
  }

  // ---- helpers

  /** Sets spec.parameters and waits for the plan that replaces {@code hash}; its hash. */
  private static String replanWith(
      String namespace, String name, Map<String, String> parameters, String hash) {
    bed.client()
        .resources(StackUpgrade.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(
            u -> {
              u.getSpec().setParameters(parameters);
              return u;
            });
    return await()
        .atMost(CONVERGE)
        .until(
            () -> {
              var plan = upgrade(namespace, name).getStatus().getPlan();
              return plan == null ? null : plan.getHash();
            },
            h -> h != null && !h.equals(hash));
  }

  private static ConfigMap awaitPlanConfigMap(String namespace, String upgrade, String hash) {
    return await()
        .atMost(CONVERGE)
        .until(
            () ->
                bed.client().configMaps().inNamespace(namespace).withName(upgrade + "-plan").get(),
            cm ->
                cm != null
                    && hash.equals(cm.getMetadata().getAnnotations().get(PlanDocumentWriter.HASH)));
  }

  private static void deployAndApplyCluster(String prefix, String namespace) {
    applyCluster(
        TtesFixture.deploy(moto.endpoint(), prefix, "3.33.1", TtesFixture.FIVE_TEMPLATES),
        prefix,
        namespace);
  }

  private static void applyCluster(TtesFixture.Deployment d, String prefix, String namespace) {
    bed.api.createNamespace(namespace);
    bed.objects(namespace).create(d.clusterYaml(prefix, namespace), TTESCluster.class);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              TTESCluster c = bed.objects(namespace).get(TTESCluster.class, prefix);
              assertThat(ConditionWriter.isReady(c.getStatus(), c.getMetadata().getGeneration()))
                  .isTrue();
            });
  }

  private static void createUpgrade(String namespace, String cluster, String name, String line) {
    String yaml =
        """
        apiVersion: ops.ttes.io/v1alpha1
        kind: StackUpgrade
        metadata: {name: %s, namespace: %s}
        spec:
          clusterRef: {name: %s}
          targetVersion: 3.33.2
          %s
        """
            .formatted(name, namespace, cluster, line);
    bed.objects(namespace).create(yaml, StackUpgrade.class);
  }

  private static StackUpgrade awaitPhase(String namespace, String name, UpgradePhase phase) {
    return bed.objects(namespace)
        .await(
            StackUpgrade.class,
            name,
            CONVERGE,
            u -> u.getStatus() != null && u.getStatus().getPhase() == phase);
  }

  private static StackUpgrade upgrade(String namespace, String name) {
    return bed.objects(namespace).get(StackUpgrade.class, name);
  }
}
