package io.ttes.operator.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Starts the pods of a rendered Deployment the way a kubelet would: the container's command from
 * the image config (command/args of the pod spec override Entrypoint/Cmd), its environment ({@link
 * PodEnvironment}), its user and group from the security context, its volumes, the service account
 * token mounted at /var/run/secrets/kubernetes.io/serviceaccount, and its probes ({@link Pod}).
 * What a mutating webhook would add (the AWS settings of EKS's pod identity webhook) comes in as a
 * {@link Webhook}.
 */
final class Kubelet {
  static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  /**
   * The kubelet restarts a crashed container after 10 s, doubling to 5 min. Tests compress this
   * (the order of events is what matters, not the wait), see docs/pod-harness.md.
   */
  record RestartBackoff(Duration initial, Duration max) {
    static final RestartBackoff KUBELET =
        new RestartBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5));
  }

  private final PodImage image;
  private final ApiServer api;
  private final Path workDir;
  private final RestartBackoff backoff;
  private final Webhook webhook;

  /** What a mutating admission webhook adds to the pod: env and read-only file mounts. */
  record Webhook(Map<String, String> env, List<Bubblewrap.Mount> mounts) {}

  /** The cluster side a pod sees: the API's address (host name its certificate names) and CA. */
  record ApiServer(String host, int port, Path caCertificate, String token) {}

  Kubelet(PodImage image, ApiServer api, Path workDir, RestartBackoff backoff, Webhook webhook) {
    this.image = image;
    this.api = api;
    this.workDir = workDir;
    this.backoff = backoff;
    this.webhook = webhook;
  }

  /** Starts one pod of the chart's Deployment under the given name (ReplicaSet hash + suffix). */
  Pod start(RenderedChart chart, String podName) {
    Deployment deployment = chart.deployment();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    if (pod.getContainers().size() != 1
        || pod.getInitContainers() != null && !pod.getInitContainers().isEmpty()) {
      throw new IllegalStateException("the harness runs one container and no init containers");
    }
    Container container = pod.getContainers().get(0);
    String namespace = deployment.getMetadata().getNamespace();
    PodEnvironment.PodIdentity identity =
        new PodEnvironment.PodIdentity(
            podName, namespace, UUID.randomUUID().toString(), "127.0.0.1");
    try {
      Path dir = workDir.resolve(podName);
      PodImage.delete(dir);
      Files.createDirectories(dir);
      Map<String, String> env =
          new LinkedHashMap<>(
              PodEnvironment.of(
                  image, pod, container, identity, chart.services(), api.host(), api.port()));
      env.putAll(webhook.env());
      List<Bubblewrap.Mount> mounts = new ArrayList<>(volumeMounts(pod, container, dir));
      mounts.addAll(webhook.mounts());
      if (automountToken(pod, chart)) {
        mounts.add(new Bubblewrap.Mount(serviceAccount(dir, namespace), SERVICE_ACCOUNT_DIR, true));
      }
      long[] ids = ids(pod.getSecurityContext(), container.getSecurityContext());
      SecurityContext sc = container.getSecurityContext();
      boolean readOnlyRoot = sc != null && Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem());
      List<String> command =
          Bubblewrap.command(
              ids[0],
              ids[1],
              podName,
              readOnlyRoot,
              image.root(),
              mounts,
              image.workingDir(),
              argv(container));
      long grace =
          pod.getTerminationGracePeriodSeconds() == null
              ? 30
              : pod.getTerminationGracePeriodSeconds();
      Pod p = new Pod(podName, container, command, env, dir, backoff, Duration.ofSeconds(grace));
      p.start();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** command replaces the image's Entrypoint (and drops its Cmd); args replace Cmd. */
  private List<String> argv(Container c) {
    List<String> argv = new ArrayList<>();
    boolean hasCommand = c.getCommand() != null && !c.getCommand().isEmpty();
    argv.addAll(hasCommand ? c.getCommand() : image.entrypoint());
    if (c.getArgs() != null && !c.getArgs().isEmpty()) {
      argv.addAll(c.getArgs());
    } else if (!hasCommand) {
      argv.addAll(image.cmd());
    }
    return argv;
  }

  /** runAsUser/runAsGroup: container, then pod, then the image's User; runAsNonRoot enforced. */
  private long[] ids(PodSecurityContext pod, SecurityContext container) {
    String[] user = image.user().isEmpty() ? new String[] {"0", "0"} : image.user().split(":");
    long uid = Long.parseLong(user[0]);
    long gid = user.length > 1 ? Long.parseLong(user[1]) : uid;
    if (pod != null && pod.getRunAsUser() != null) {
      uid = pod.getRunAsUser();
    }
    if (pod != null && pod.getRunAsGroup() != null) {
      gid = pod.getRunAsGroup();
    }
    if (container != null && container.getRunAsUser() != null) {
      uid = container.getRunAsUser();
    }
    if (container != null && container.getRunAsGroup() != null) {
      gid = container.getRunAsGroup();
    }
    boolean nonRoot =
        container != null && Boolean.TRUE.equals(container.getRunAsNonRoot())
            || pod != null && Boolean.TRUE.equals(pod.getRunAsNonRoot());
    if (nonRoot && uid == 0) {
      throw new IllegalStateException("runAsNonRoot, but the container would run as uid 0");
    }
    return new long[] {uid, gid};
  }

  /** emptyDir volumes: a fresh directory per pod, kept across container restarts. */
  private static List<Bubblewrap.Mount> volumeMounts(PodSpec pod, Container c, Path dir)
      throws IOException {
    List<Bubblewrap.Mount> mounts = new ArrayList<>();
    for (VolumeMount vm :
        c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
      Volume v =
          pod.getVolumes().stream()
              .filter(x -> x.getName().equals(vm.getName()))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no volume " + vm.getName()));
      if (v.getEmptyDir() == null) {
        throw new IllegalStateException(
            "volume " + v.getName() + ": the harness has only emptyDir");
      }
      Path source = Files.createDirectories(dir.resolve("volumes").resolve(v.getName()));
      mounts.add(
          new Bubblewrap.Mount(source, vm.getMountPath(), Boolean.TRUE.equals(vm.getReadOnly())));
    }
    return mounts;
  }

  private static boolean automountToken(PodSpec pod, RenderedChart chart) {
    if (pod.getAutomountServiceAccountToken() != null) {
      return pod.getAutomountServiceAccountToken();
    }
    var sa = chart.serviceAccount();
    return sa == null || !Boolean.FALSE.equals(sa.getAutomountServiceAccountToken());
  }

  /** token, ca.crt and namespace, as the projected service account volume holds them. */
  private Path serviceAccount(Path dir, String namespace) throws IOException {
    Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
    Files.writeString(sa.resolve("token"), api.token());
    Files.copy(api.caCertificate(), sa.resolve("ca.crt"));
    Files.writeString(sa.resolve("namespace"), namespace);
    return sa;
  }
}
