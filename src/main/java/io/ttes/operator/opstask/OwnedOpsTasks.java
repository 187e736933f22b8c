package io.ttes.operator.opstask;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.OpsTask;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.digest.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpsTasks that StackUpgrade and TenantBootstrap create to run their commands. Idempotent by name:
 * the name is derived from the owner and the step, and an OpsTask of that name that exists already
 * is returned instead of creating a second one, so a crash between creating the task and recording
 * it in the owner's status never runs the command twice.
 */
public final class OwnedOpsTasks {
  private final KubernetesClient client;

  public OwnedOpsTasks(KubernetesClient client) {
    this.client = client;
  }

  /** What to run. The spec holds references to secrets, never their values. */
  public record Request(
      String namespace,
      String name,
      String cluster,
      List<String> command,
      List<OpsTaskSpec.SecretArg> secretArgs,
      String timeout,
      Map<String, String> labels,
      boolean allowDuringUpgrade) {
    /** A request whose task waits while an upgrade of its cluster is half done. */
    public Request(
        String namespace,
        String name,
        String cluster,
        List<String> command,
        List<OpsTaskSpec.SecretArg> secretArgs,
        String timeout,
        Map<String, String> labels) {
      this(namespace, name, cluster, command, secretArgs, timeout, labels, false);
    }
  }

  /** Returns the OpsTask of that name, creating it owned by {@code owner} when absent. */
  public OpsTask ensure(HasMetadata owner, Request request) {
    var ops = client.resources(OpsTask.class).inNamespace(request.namespace());
    OpsTask existing = ops.withName(request.name()).get();
    if (existing != null) {
      return existing;
    }
    OpsTask task = new OpsTask();
    Map<String, String> labels = new LinkedHashMap<>(request.labels());
    labels.put(ApiGroup.CLUSTER_LABEL, request.cluster());
    labels.put(ApiGroup.OWNER_KIND_LABEL, owner.getKind());
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName(request.name())
            .withNamespace(request.namespace())
            .withLabels(labels)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(owner.getApiVersion())
                    .withKind(owner.getKind())
                    .withName(owner.getMetadata().getName())
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(false)
                    .build())
            .build());
    OpsTaskSpec spec = new OpsTaskSpec();
    spec.setClusterRef(new ClusterRef(request.cluster()));
    spec.setCommand(new ArrayList<>(request.command()));
    spec.setSecretArgs(new ArrayList<>(request.secretArgs()));
    spec.setAllowDuringUpgrade(request.allowDuringUpgrade());
    if (request.timeout() != null) {
      spec.setTimeout(request.timeout());
    }
    task.setSpec(spec);
    try {
      return ops.resource(task).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return ops.withName(request.name()).get();
      }
      throw e;
    }
  }

  /**
   * The informer of the OpsTasks an owner kind creates: an owned OpsTask that changes phase wakes
   * its owner up, and the owner reads its tasks from the cache instead of the API. It watches only
   * the OpsTasks labelled with that owner kind ({@link #ensure} labels every task it creates), so
   * an OpsTask is cached by the OpsTask controller and at most one owner's informer, and one a
   * person created only once: without the selector each of the two owner kinds cached every OpsTask
   * of the namespace again.
   */
  public static <P extends HasMetadata> InformerEventSource<OpsTask, P> informer(
      EventSourceContext<P> context, Class<P> ownerType, String name) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(OpsTask.class, ownerType)
            .withName(name)
            .withNamespacesInheritedFromController()
            .withLabelSelector(ownedBy(ownerType))
            .build(),
        context);
  }

  /** The label selector of the OpsTasks {@link #ensure} created for owners of that kind. */
  public static String ownedBy(Class<? extends HasMetadata> ownerType) {
    return ApiGroup.OWNER_KIND_LABEL + "=" + HasMetadata.getKind(ownerType);
  }

  /** A DNS-1123 name of at most 63 characters from the parts; long names end in a digest. */
  public static String name(String... parts) {
    String joined =
        String.join("-", parts).toLowerCase().replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-");
    joined = joined.replaceAll("^-|-$", "");
    if (joined.length() <= 63) {
      return joined;
    }
    return joined.substring(0, 52).replaceAll("-$", "") + "-" + digest(joined);
  }

  private static String digest(String s) {
    return Sha256.hex(s, 10);
  }
}
