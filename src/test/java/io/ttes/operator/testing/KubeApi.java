package io.ttes.operator.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API (Fabric8's mock server in CRUD mode) with the operator's CRDs
 * installed from crds/, so the status subresource and discovery documents behave as on a real API
 * server. Server-side apply is not supported by it (415), which is why the operator uses JSON/merge
 * patches everywhere.
 */
public final class KubeApi implements AutoCloseable {
  private final KubernetesMockServer server;
  private final MockWebServer web;
  private final NamespacedKubernetesClient client;

  private KubeApi(KubernetesMockServer server, MockWebServer web) {
    this.server = server;
    this.web = web;
    this.client = server.createClient();
  }

  /** Starts on a free loopback port. */
  public static KubeApi start() {
    return start(0);
  }

  /** Starts on the given loopback port (0 = any free port). */
  public static KubeApi start(int port) {
    return start(port, false);
  }

  /**
   * Starts on the given loopback port, over HTTPS with a self-signed certificate for the host name
   * localhost when {@code https} (see {@link #certificatePem()}), as in-cluster clients expect.
   */
  public static KubeApi start(int port, boolean https) {
    MockWebServer web = new MockWebServer();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), web, new HashMap<>(), new AuthorizingCrudDispatcher(), https);
    server.init(InetAddress.getLoopbackAddress(), port);
    KubeApi api = new KubeApi(server, web);
    api.installCrds(Path.of("crds"));
    return api;
  }

  /**
   * The CRUD store, plus the one authorization API the operator calls: leader election asks with a
   * SelfSubjectRulesReview whether it may use Leases, which the store cannot answer. It answers as
   * for a cluster admin, so RBAC itself is checked by the chart tests, not here.
   */
  private static final class AuthorizingCrudDispatcher extends KubernetesCrudDispatcher {
    AuthorizingCrudDispatcher() {
      super(List.of());
    }

    /**
     * Discovery documents, so clients that discover (kubectl with --validate=false, the Fabric8
     * client's getApiGroups) see the API a real server would describe; the store alone answers
     * these paths with a list of everything it holds.
     */
    @Override
    public MockResponse handleGet(String path) {
      String doc =
          Discovery.document(path.contains("?") ? path.substring(0, path.indexOf('?')) : path);
      if (doc == null) {
        return super.handleGet(path);
      }
      return new MockResponse()
          .setResponseCode(200)
          .setHeader("Content-Type", "application/json")
          .setBody(doc);
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      if (!request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        return super.handleCreate(request);
      }
      String body =
          """
          {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
           "metadata": {}, "spec": {},
           "status": {"incomplete": false, "nonResourceRules": [],
                      "resourceRules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}}
          """;
      return new MockResponse()
          .setResponseCode(201)
          .setHeader("Content-Type", "application/json")
          .setBody(body);
    }
  }

  private void installCrds(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd =
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot install CRDs from " + dir.toAbsolutePath(), e);
    }
  }

  public NamespacedKubernetesClient client() {
    return client;
  }

  /** A fresh client of the same server (a second operator instance gets its own). */
  public NamespacedKubernetesClient newClient() {
    return server.createClient();
  }

  /** The PEM certificate an HTTPS server presents (its own CA: it is self-signed). */
  public Path certificatePem() {
    if (web.getSelfSignedCertificate() == null) {
      throw new IllegalStateException("started without HTTPS");
    }
    return Path.of(web.getSelfSignedCertificate().certificatePath());
  }

  public int port() {
    return server.getPort();
  }

  public String url() {
    return client.getMasterUrl().toString();
  }

  public void createNamespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
