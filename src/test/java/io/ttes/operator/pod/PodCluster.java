package io.ttes.operator.pod;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.testing.KubeApi;
import io.ttes.operator.testing.KubeObjects;
import io.ttes.operator.testing.MotoServer;
import io.ttes.operator.testing.TtesFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pods of a test run against: the in-process Kubernetes API over HTTPS (the pods reach it
 * through in-cluster configuration), the AWS emulator behind a call recorder, and a kubelet. The
 * chart is rendered with default values except where {@link #values} says otherwise.
 */
final class PodCluster implements AutoCloseable {
  static final String ROLE_ARN = "arn:aws:iam::123456789012:role/ttes-operator";
  private static final String IRSA_ANNOTATION =
      "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn";

  final MotoServer moto;
  final AwsCallRecorder aws;
  final KubeApi api;
  final Kubelet kubelet;
  private final List<Pod> pods = new ArrayList<>();

  PodCluster(String testName, Kubelet.RestartBackoff backoff) {
    Bubblewrap.binary();
    PodImage image = PodImage.load();
    moto = MotoServer.start();
    try {
      aws = new AwsCallRecorder(moto.endpoint());
      api = KubeApi.start(0, true);
      api.createNamespace(RenderedChart.NAMESPACE);
      Path dir = Path.of("target", "pods", testName).toAbsolutePath();
      PodImage.delete(dir);
      Files.createDirectories(dir);
      Path eks = Files.createDirectories(dir.resolve("eks-serviceaccount"));
      Files.writeString(
          eks.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.pod-harness.web-identity-token");
      kubelet =
          new Kubelet(
              image,
              // The mock API's self-signed certificate names the host "localhost" (no IP SAN), so
              // the pods reach it by that name; on a cluster it is the kubernetes Service's IP.
              new Kubelet.ApiServer(
                  "localhost", api.port(), api.certificatePem(), "pod-harness-sa-token"),
              dir,
              backoff,
              eksWebhook(eks));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What EKS's pod identity webhook adds for a service account annotated with a role (IRSA): the
   * role, the web identity token (a projected volume) and the region
   * (https://docs.aws.amazon.com/eks/latest/userguide/pod-configuration.html). STS is the
   * emulator's, which accepts any token; only AWS_ENDPOINT_URL_STS is not the webhook's.
   */
  private Kubelet.Webhook eksWebhook(Path tokenDir) {
    String mountPath = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ROLE_ARN", ROLE_ARN);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", mountPath + "/token");
    env.put("AWS_REGION", MotoServer.REGION);
    env.put("AWS_DEFAULT_REGION", MotoServer.REGION);
    env.put("AWS_STS_REGIONAL_ENDPOINTS", "regional");
    env.put("AWS_ENDPOINT_URL_STS", aws.endpoint().toString());
    return new Kubelet.Webhook(env, List.of(new Bubblewrap.Mount(tokenDir, mountPath, true)));
  }

  /** Chart values of every pod: the AWS endpoint, a free port, fast polls. */
  Map<String, Object> values(Map<String, Object> extra) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("aws.endpoint", aws.endpoint().toString());
    // Pods share the host's network namespace here, so two pods of a rollout would both bind
    // 8080; each render gets a free port instead (a pod has its own network namespace).
    v.put("service.port", freePort());
    v.put("polling.fast", "500ms");
    v.put("polling.slow", "5s");
    v.put(IRSA_ANNOTATION, ROLE_ARN);
    v.putAll(extra);
    return v;
  }

  RenderedChart render(Map<String, Object> extra) {
    return RenderedChart.render(values(extra));
  }

  Pod start(RenderedChart chart, String podName) {
    Pod pod = kubelet.start(chart, podName);
    synchronized (pods) {
      pods.add(pod);
    }
    return pod;
  }

  KubernetesClient client() {
    return api.client();
  }

  /** A five-stack TTES deployment at 3.33.1 on the emulator, and its TTESCluster in {@code ns}. */
  TtesFixture.Deployment deployCluster(String prefix, String ns) {
    TtesFixture.uploadTemplates(moto.endpoint());
    TtesFixture.Deployment d =
        TtesFixture.deploy(moto.endpoint(), prefix, "3.33.1", TtesFixture.FIVE_TEMPLATES);
    api.createNamespace(ns);
    create(d.clusterYaml(prefix, ns), TTESCluster.class, ns);
    return d;
  }

  /** The objects of a namespace, for create / get / await / events. */
  KubeObjects objects(String ns) {
    return new KubeObjects(client(), ns);
  }

  <T extends HasMetadata> T create(String yaml, Class<T> type, String ns) {
    return objects(ns).create(yaml, type);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    synchronized (pods) {
      pods.forEach(Pod::delete);
    }
    api.close();
    aws.close();
    moto.close();
  }
}
