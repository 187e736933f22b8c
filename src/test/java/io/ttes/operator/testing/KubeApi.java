package io.ttes.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API (Fabric8's mock server in CRUD mode) with the operator's CRDs
 * installed from crds/, so the status subresource and discovery documents behave as on a real API
 * server. Towards kubectl it also answers as an API server does: Tables from the CRDs' printer
 * columns ({@link PrinterTable}), field selectors ({@link FieldSelector}), OpenAPI v3 documents
 * ({@link OpenApiV3}), watches over plain HTTP ({@link HttpWatch}) and, for writes that ask for it
 * as kubectl apply does, strict field validation with the CRD schemas and CEL rules ({@link
 * StrictValidation}); a PUT with a stale resourceVersion is a 409 Conflict, as optimistic
 * concurrency on an API server answers it; {@code KubectlIT} runs the real kubectl against it.
 * Server-side apply is not supported by it (415), which is why the operator uses JSON/merge patches
 * everywhere.
 */
public final class KubeApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final KubernetesMockServer server;
  private final MockWebServer web;
  private final NamespacedKubernetesClient client;
  private volatile boolean closed;

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
    List<JsonNode> crds = readCrds(Path.of("crds"));
    MockWebServer web = new MockWebServer();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            web,
            new HashMap<>(),
            new ApiServerDispatcher(crds, new CrdSchemas(Path.of("crds"))),
            https);
    server.init(InetAddress.getLoopbackAddress(), port);
    KubeApi api = new KubeApi(server, web);
    api.installCrds(crds);
    return api;
  }

  /**
   * The CRUD store, plus what a real API server does that the store does not (see the class
   * comment), plus the one authorization API the operator calls: leader election asks with a
   * SelfSubjectRulesReview whether it may use Leases, which the store cannot answer. It answers as
   * for a cluster admin, so RBAC itself is checked by the chart tests, not here.
   */
  private static final class ApiServerDispatcher extends KubernetesCrudDispatcher {
    private final List<JsonNode> crds;
    private final Discovery discovery;
    private final OpenApiV3 openApi;
    private final StrictValidation strict;
    private final Object writes = new Object();

    ApiServerDispatcher(List<JsonNode> crds, CrdSchemas schemas) {
      super(List.of());
      this.crds = crds;
      this.discovery = new Discovery(crds);
      this.openApi = new OpenApiV3(crds);
      this.strict = new StrictValidation(schemas);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.method() != HttpMethod.GET) {
        MockResponse refused = validate(request);
        if (refused != null) {
          return refused;
        }
        // One write at a time, so that the resourceVersion checked is the one the write replaces.
        synchronized (writes) {
          MockResponse stale = StaleUpdates.conflict(request, super::handleGet);
          return stale != null ? stale : super.dispatch(request);
        }
      }
      String path = request.getPath();
      String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
      // Discovery and OpenAPI documents: the store alone answers these paths with a list of
      // everything it holds.
      String doc = discovery.document(bare);
      if (doc == null) {
        doc = openApi.document(bare);
      }
      if (doc != null) {
        return json(200, doc);
      }
      if (bare.equals("/openapi/v2")) {
        // Only v3 is served; kubectl falls back to v2 only when v3 is missing.
        return json(404, status(404, "NotFound", "only /openapi/v3 is served"));
      }
      if (HttpWatch.isHttpWatch(path, request.getHeader("Upgrade"))) {
        JsonNode watched = crdOf(bare);
        return HttpWatch.respond(
            path,
            watched == null ? null : watched.at("/spec/names/kind").asText(),
            p -> read(super.handleGet(p)));
      }
      MockResponse response = handleGet(path);
      String accept = request.getHeader("Accept");
      JsonNode crd = crdOf(bare);
      if (accept != null && accept.contains("as=Table") && crd != null && response.code() == 200) {
        Map<String, String> query = HttpWatch.query(path);
        return json(
            200,
            PrinterTable.render(
                crd.at("/spec/versions/0/additionalPrinterColumns"),
                read(response),
                query.get("includeObject"),
                Instant.now()));
      }
      return response;
    }

    /**
     * A 422 for a write of one of our kinds that asks for strict field validation and would store
     * an invalid object; null to let the store take the write.
     */
    private MockResponse validate(RecordedRequest request) {
      String path = request.getPath();
      String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
      JsonNode crd = crdOf(bare);
      HttpMethod method = request.method();
      if (crd == null
          || !"Strict".equals(HttpWatch.query(path).get("fieldValidation"))
          || !(method == HttpMethod.POST
              || method == HttpMethod.PUT
              || method == HttpMethod.PATCH)) {
        return null;
      }
      String contentType = String.valueOf(request.getHeader("Content-Type"));
      if (method == HttpMethod.PATCH && !contentType.contains("merge-patch")) {
        return null; // a JSON patch or apply patch: not computed here
      }
      JsonNode stored = null;
      if (method != HttpMethod.POST) {
        MockResponse current = super.handleGet(bare);
        stored = current.code() == 200 ? read(current) : null;
      }
      // getUtf8Body() would drain the body the store still has to read.
      String body =
          request.getBody() == null
              ? ""
              : new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
      List<String> violations = strict.violations(body, stored, method == HttpMethod.PATCH);
      if (violations.isEmpty()) {
        return null;
      }
      String name =
          stored != null
              ? stored.at("/metadata/name").asText()
              : read(body).at("/metadata/name").asText();
      return json(
          422, StrictValidation.invalid(crd.at("/spec/names/kind").asText(), name, violations));
    }

    /** A list with a fieldSelector: the store's list, filtered as the API server would. */
    @Override
    public MockResponse handleGet(String path) {
      FieldSelector selector =
          FieldSelector.fromQuery(
              path.contains("?") ? path.substring(path.indexOf('?') + 1) : null);
      if (selector == null || HttpWatch.query(path).containsKey("watch")) {
        return super.handleGet(path);
      }
      MockResponse response = super.handleGet(withoutFieldSelector(path));
      JsonNode body = read(response);
      if (response.code() != 200 || !body.has("items")) {
        return response;
      }
      ArrayNode kept = JSON.createArrayNode();
      body.get("items")
          .forEach(
              item -> {
                if (selector.matches(item)) {
                  kept.add(item);
                }
              });
      ((ObjectNode) body).set("items", kept);
      if (kept.size() > 0 && body.path("kind").asText().equals("List")) {
        // Typed clients (kubectl describe reads events with one) decode only an <Kind>List.
        ((ObjectNode) body).put("kind", kept.get(0).path("kind").asText() + "List");
      }
      return json(200, body.toString());
    }

    private static String withoutFieldSelector(String path) {
      int q = path.indexOf('?');
      String kept =
          java.util.Arrays.stream(path.substring(q + 1).split("&"))
              .filter(p -> !p.startsWith("fieldSelector="))
              .collect(Collectors.joining("&"));
      return path.substring(0, q) + (kept.isEmpty() ? "" : "?" + kept);
    }

    /** The CRD whose resources a path addresses (a list or one object), or null. */
    private JsonNode crdOf(String path) {
      String[] parts = path.split("/");
      // /apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]
      if (parts.length < 5 || !parts[1].equals("apis")) {
        return null;
      }
      int plural = parts.length > 5 && parts[4].equals("namespaces") ? 6 : 4;
      if (parts.length <= plural || parts.length > plural + 2) {
        return null;
      }
      for (JsonNode crd : crds) {
        if (crd.at("/spec/group").asText().equals(parts[2])
            && crd.at("/spec/names/plural").asText().equals(parts[plural])) {
          return crd;
        }
      }
      return null;
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
      return json(201, body);
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  private static String status(int code, String reason, String message) {
    return JSON.createObjectNode()
        .put("kind", "Status")
        .put("apiVersion", "v1")
        .put("status", "Failure")
        .put("reason", reason)
        .put("message", message)
        .put("code", code)
        .toString();
  }

  private static JsonNode read(MockResponse response) {
    try {
      byte[] bytes = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
      return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static List<JsonNode> readCrds(Path dir) {
    List<JsonNode> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        crds.add(YAML.readTree(file.toFile()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read CRDs from " + dir.toAbsolutePath(), e);
    }
    return List.copyOf(crds);
  }

  private void installCrds(List<JsonNode> crds) {
    for (JsonNode node : crds) {
      CustomResourceDefinition crd =
          client.getKubernetesSerialization().convertValue(node, CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
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

  /** Stops the server; a second close (a test that stopped it on purpose) does nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    client.close();
    server.destroy();
  }
}
