package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The requests kubectl sends, answered by the in-process API without kubectl itself (KubectlIT runs
 * the real one): a Table, an events list by involvedObject field selectors, the OpenAPI v3
 * documents, an HTTP watch, and a strictly validated create.
 */
class KubeApiProtocolTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aStaleUpdateIsAConflictAsOnAnApiServer() {
    try (KubeApi api = KubeApi.start()) {
      api.createNamespace("p");
      var client = api.client();
      TTESCluster c =
          client
              .getKubernetesSerialization()
              .unmarshal(FakeDeployment.clusterYaml("c1", "c1", true, 4), TTESCluster.class);
      c.getMetadata().setNamespace("p");
      client.resource(c).create();
      var cluster = client.resources(TTESCluster.class).inNamespace("p").withName("c1");
      TTESCluster first = cluster.get();
      TTESCluster second = cluster.get();
      first.setStatus(new io.ttes.operator.api.v1alpha1.TTESClusterStatus());
      first.getStatus().setVersion("3.33.1");
      client.resource(first).updateStatus();

      second.setStatus(new io.ttes.operator.api.v1alpha1.TTESClusterStatus());
      second.getStatus().setVersion("3.33.2");
      assertThatThrownBy(() -> client.resource(second).updateStatus())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
      assertThat(cluster.get().getStatus().getVersion()).isEqualTo("3.33.1");

      // Written from the latest version it goes through.
      TTESCluster latest = cluster.get();
      latest.getStatus().setVersion("3.33.2");
      client.resource(latest).updateStatus();
      assertThat(cluster.get().getStatus().getVersion()).isEqualTo("3.33.2");
    }
  }

  @Test
  void answersKubectlsRequestsAsAnApiServer() throws Exception {
    try (KubeApi api = KubeApi.start()) {
      api.createNamespace("p");
      TTESCluster c =
          api.client()
              .getKubernetesSerialization()
              .unmarshal(
                  """
                  apiVersion: ops.ttes.io/v1alpha1
                  kind: TTESCluster
                  metadata: {name: c1, namespace: p}
                  spec:
                    region: eu-west-1
                    naming: {network: n, environment: e, cluster: c}
                  """,
                  TTESCluster.class);
      c = api.client().resource(c).create();
      String uid = c.getMetadata().getUid();
      String base = api.url() + "apis/ops.ttes.io/v1alpha1/namespaces/p/ttesclusters";

      JsonNode table = get(base, TABLE);
      assertThat(table.path("kind").asText()).isEqualTo("Table");
      List<String> columns = new ArrayList<>();
      table.path("columnDefinitions").forEach(d -> columns.add(d.path("name").asText()));
      assertThat(columns)
          .containsExactly(
              "Name", "Ready", "Reason", "Region", "Platform", "Version", "Upgrade", "Age");
      JsonNode cells = table.at("/rows/0/cells");
      assertThat(cells.get(0).asText()).isEqualTo("c1");
      assertThat(cells.get(1).isNull()).as("no status yet: <none>").isTrue();
      assertThat(cells.get(3).asText()).isEqualTo("eu-west-1");
      assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");

      for (String[] e : List.of(new String[] {"e1", "c1"}, new String[] {"e2", "other"})) {
        api.client()
            .v1()
            .events()
            .inNamespace("p")
            .resource(
                new EventBuilder()
                    .withNewMetadata()
                    .withName(e[0])
                    .endMetadata()
                    .withNewInvolvedObject()
                    .withKind("TTESCluster")
                    .withName(e[1])
                    .withNamespace("p")
                    .withUid(e[1].equals("c1") ? uid : "x")
                    .endInvolvedObject()
                    .withReason("R")
                    .build())
            .create();
      }
      JsonNode events =
          get(
              api.url()
                  + "api/v1/namespaces/p/events?fieldSelector=involvedObject.name%3Dc1%2C"
                  + "involvedObject.kind%3DTTESCluster%2CinvolvedObject.uid%3D"
                  + uid,
              "application/json");
      assertThat(events.path("kind").asText()).isEqualTo("EventList");
      assertThat(events.path("items")).hasSize(1);
      assertThat(events.at("/items/0/metadata/name").asText()).isEqualTo("e1");

      JsonNode index = get(api.url() + "openapi/v3", "application/json");
      String groupDoc = index.at("/paths/apis~1ops.ttes.io~1v1alpha1/serverRelativeURL").asText();
      JsonNode doc = get(api.url() + groupDoc.substring(1), "application/json");
      assertThat(
              doc.at(
                      "/components/schemas/io.ttes.ops.v1alpha1.OpsTask/properties/spec"
                          + "/properties/command/description")
                  .asText())
          .startsWith("The command after the binary");

      long version = Long.parseLong(c.getMetadata().getResourceVersion());
      String watch =
          getText(
              base
                  + "?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dc1"
                  + "&resourceVersion="
                  + (version - 1),
              "application/json");
      assertThat(watch.lines().toList())
          .hasSize(2)
          .satisfies(
              l -> {
                assertThat(JSON.readTree(l.get(0)).path("type").asText()).isEqualTo("MODIFIED");
                assertThat(JSON.readTree(l.get(1)).at("/object/kind").asText())
                    .isEqualTo("TTESCluster");
              });

      // A named object that is gone: the watch says DELETED (kubectl wait --for=delete ends).
      String deleted =
          getText(
              base + "?watch=true&fieldSelector=metadata.name%3Dgone&resourceVersion=" + version,
              "application/json");
      assertThat(JSON.readTree(deleted.lines().findFirst().orElseThrow()).path("type").asText())
          .isEqualTo("DELETED");

      HttpResponse<String> refused =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "?fieldValidation=Strict"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          """
                          {"apiVersion": "ops.ttes.io/v1alpha1", "kind": "TTESCluster",
                           "metadata": {"name": "c2", "namespace": "p"},
                           "spec": {"region": "eu-west-1", "platform": "AMI",
                                    "naming": {"network": "n", "environment": "e", "cluster": "c"}}}
                          """))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(422);
      assertThat(refused.body()).contains("set spec.ops.ami.instanceId");
      assertThat(api.client().resources(TTESCluster.class).inNamespace("p").withName("c2").get())
          .isNull();
    }
  }

  @Test
  void dateColumnsShowTheAge() {
    Instant now = Instant.parse("2026-01-10T12:00:00Z");
    assertThat(PrinterTable.age("2026-01-10T11:59:15Z", now)).isEqualTo("45s");
    assertThat(PrinterTable.age("2026-01-10T11:55:30Z", now)).isEqualTo("4m30s");
    assertThat(PrinterTable.age("2026-01-10T10:00:00Z", now)).isEqualTo("120m");
    assertThat(PrinterTable.age("2026-01-10T06:30:00Z", now)).isEqualTo("5h30m");
    assertThat(PrinterTable.age("2026-01-07T12:00:00Z", now)).isEqualTo("3d");
  }

  private JsonNode get(String url, String accept) throws Exception {
    return JSON.readTree(getText(url, accept));
  }

  private String getText(String url, String accept) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return r.body();
  }
}
