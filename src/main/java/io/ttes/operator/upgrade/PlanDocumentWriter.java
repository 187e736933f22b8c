package io.ttes.operator.upgrade;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.StackUpgrade;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.status.EventRecorder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the ConfigMap {@code <upgrade>-plan} equal to the recorded plan ({@link PlanDocument}). It
 * is derived data: {@link #prepare} names it in status.plan.document with the plan, and {@link
 * #write} creates or replaces it once that status is stored; the annotation {@link #HASH} says
 * which plan it holds, so a reconcile after a crash, a deleted ConfigMap or a new plan hash writes
 * it again. A ConfigMap of that name the upgrade does not control is never touched.
 */
final class PlanDocumentWriter {
  private static final Logger log = LoggerFactory.getLogger(PlanDocumentWriter.class);

  /** The plan hash the ConfigMap holds. */
  static final String HASH = ApiGroup.GROUP + "/plan-hash";

  /** The upgrade whose plan the ConfigMap holds. */
  static final String UPGRADE_LABEL = ApiGroup.GROUP + "/upgrade";

  static final String WRITTEN = "PlanWritten";
  private static final String INFORMER = "upgrade-plan-documents";
  static final String CLASH = "PlanConfigMapClash";

  private final EventRecorder events;
  private final PlanDocument document = new PlanDocument();

  PlanDocumentWriter(EventRecorder events) {
    this.events = events;
  }

  /** What {@link #prepare} found: the ConfigMap to replace (null: to create). */
  record Due(ConfigMap existing) {}

  /**
   * Before the status write: names the ConfigMap in status.plan.document, or clears it when a
   * ConfigMap of that name belongs to something else. The ConfigMap is looked up in the informer's
   * cache first ({@code cached}: only labelled plan ConfigMaps are there); only when the cache has
   * none is it read from the API, for a ConfigMap of that name the upgrade does not control. So an
   * upgrade whose plan is written costs no request per reconcile.
   *
   * @return what to write once the status is stored, or null when nothing is to be written
   */
  Due prepare(
      KubernetesClient client,
      StackUpgrade su,
      StackUpgradeStatus status,
      Optional<ConfigMap> cached) {
    Plan plan = status == null ? null : status.getPlan();
    if (plan == null || plan.getHash() == null || !UpgradePlan.recorded(plan)) {
      return null;
    }
    String ns = su.getMetadata().getNamespace();
    String name = PlanDocument.configMapName(su.getMetadata().getName());
    ConfigMap existing = cached.filter(cm -> controlledBy(cm, su)).orElse(null);
    if (existing == null) {
      try {
        existing = client.configMaps().inNamespace(ns).withName(name).get();
      } catch (KubernetesClientException e) {
        // The upgrade goes on; the next reconcile looks again.
        log.warn("plan ConfigMap {}/{} not read: HTTP {}", ns, name, e.getCode());
        return null;
      }
    }
    if (existing != null && !controlledBy(existing, su)) {
      plan.setDocument(null);
      events.warning(
          su,
          CLASH,
          "ConfigMap "
              + name
              + " exists and is not owned by this upgrade; the plan is not written to it (read"
              + " status.plan, or remove or rename that ConfigMap)");
      return null;
    }
    plan.setDocument(name);
    return existing == null || !plan.getHash().equals(annotation(existing))
        ? new Due(existing)
        : null;
  }

  /**
   * After the status write: creates or replaces the ConfigMap with the plan's text. A replace
   * carries the resourceVersion {@link #prepare} saw, so a ConfigMap changed in between (or taken
   * over) is not overwritten: the 409 leaves it to the next reconcile.
   */
  void write(Context<StackUpgrade> context, StackUpgrade su, StackUpgradeStatus status, Due due) {
    Plan plan = status.getPlan();
    String ns = su.getMetadata().getNamespace();
    String name = PlanDocument.configMapName(su.getMetadata().getName());
    var configMaps = context.getClient().configMaps().inNamespace(ns);
    var informer = informerOf(context);
    ResourceID id = new ResourceID(name, ns);
    try {
      ConfigMap next = build(su, status, name);
      // What is written goes into the cache at once, so the next reconcile does not see it stale.
      if (due.existing() == null) {
        informer.handleRecentResourceCreate(id, configMaps.resource(next).create());
      } else {
        next.getMetadata().setResourceVersion(due.existing().getMetadata().getResourceVersion());
        informer.handleRecentResourceUpdate(id, configMaps.resource(next).update(), due.existing());
      }
    } catch (KubernetesClientException e) {
      // Written again by the next reconcile: the annotation still names the old hash.
      log.warn("plan ConfigMap {}/{} not written: HTTP {}", ns, name, e.getCode());
      return;
    }
    events.normal(su, WRITTEN, summary(plan, ns, su.getMetadata().getName()));
  }

  private static InformerEventSource<ConfigMap, StackUpgrade> informerOf(
      Context<StackUpgrade> context) {
    return (InformerEventSource<ConfigMap, StackUpgrade>)
        context.eventSourceRetriever().getEventSourceFor(ConfigMap.class, INFORMER);
  }

  /** The plan ConfigMap of {@code su} in the informer's cache, if it is there. */
  static Optional<ConfigMap> cached(StackUpgrade su, Context<StackUpgrade> context) {
    return informerOf(context)
        .get(
            new ResourceID(
                PlanDocument.configMapName(su.getMetadata().getName()),
                su.getMetadata().getNamespace()));
  }

  /**
   * The informer of the plan ConfigMaps: only those labelled with their upgrade are cached, and
   * each maps to its upgrade by its owner reference.
   */
  static InformerEventSource<ConfigMap, StackUpgrade> informer(
      EventSourceContext<StackUpgrade> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ConfigMap.class, StackUpgrade.class)
            .withName(INFORMER)
            .withLabelSelector(UPGRADE_LABEL)
            .withNamespacesInheritedFromController()
            .build(),
        context);
  }

  /** The event: what changes, and the one command that prints the plan. */
  static String summary(Plan plan, String ns, String upgradeName) {
    List<PlannedStack> changing =
        plan.getStacks().stream()
            .filter(ps -> Disposition.Changes.name().equals(ps.getDisposition()))
            .toList();
    long parameters = changing.stream().mapToLong(ps -> ps.getParameters().size()).sum();
    long risks = changing.stream().mapToLong(ps -> ps.getDataRisks().size()).sum();
    return "Plan "
        + plan.getHash()
        + ": "
        + changing.size()
        + " stacks change, "
        + parameters
        + " parameters, "
        + risks
        + " data risks, read it with "
        + PlanDocument.readCommand(ns, upgradeName);
  }

  private ConfigMap build(StackUpgrade su, StackUpgradeStatus status, String name) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(UPGRADE_LABEL, su.getMetadata().getName());
    labels.put(ApiGroup.CLUSTER_LABEL, su.getSpec().getClusterRef().getName());
    labels.put(ApiGroup.OWNER_KIND_LABEL, su.getKind());
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(su.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(Map.of(HASH, status.getPlan().getHash()))
        .withOwnerReferences(owner(su))
        .endMetadata()
        .withData(Map.of(PlanDocument.KEY, document.render(su, status)))
        .build();
  }

  private static OwnerReference owner(StackUpgrade su) {
    return new OwnerReferenceBuilder()
        .withApiVersion(su.getApiVersion())
        .withKind(su.getKind())
        .withName(su.getMetadata().getName())
        .withUid(su.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(false)
        .build();
  }

  private static boolean controlledBy(ConfigMap cm, StackUpgrade su) {
    return cm.getMetadata().getOwnerReferences().stream()
        .anyMatch(
            o ->
                Boolean.TRUE.equals(o.getController())
                    && Objects.equals(o.getUid(), su.getMetadata().getUid()));
  }

  private static String annotation(ConfigMap cm) {
    Map<String, String> annotations = cm.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(HASH);
  }
}
