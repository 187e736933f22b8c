package io.ttes.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.aws.fake.FakeAws;
import java.util.List;
import java.util.Map;

/** A TTES deployment inside {@link FakeAws}: five stacks at a version, an ops task definition. */
public final class FakeDeployment {
  public static final List<String> TEMPLATES =
      List.of("1-1-vpc", "2-1-db-aurora-master", "4-1-secrets", "5-2-ecs-ops", "5-4-ecs-services");
  public static final String FAMILY = "prod-eu1-ops";
  public static final String ECS_CLUSTER = "prod-eu1-c1";
  public static final String SUBNET_A = "subnet-0a0a0a0a0a0a0a0a0";
  public static final String SUBNET_B = "subnet-0b0b0b0b0b0b0b0b0";
  public static final String SECURITY_GROUP = "sg-0c0c0c0c0c0c0c0c0";

  private FakeDeployment() {}

  /** Seeds stacks prefix-TEMPLATE, the ops output, task definition revisions 1..3. */
  public static void seed(FakeAws aws, String prefix, String version) {
    for (String template : TEMPLATES) {
      var stack = aws.stacks().stack(prefix + "-" + template).status("CREATE_COMPLETE");
      if (template.startsWith("5-")) {
        stack.parameter("Image", "docker.io/thethingsindustries/lorawan-stack:" + version + "-aws");
      }
      if (template.equals("5-2-ecs-ops")) {
        stack.output(
            "OpsRunTaskArguments",
            FAMILY + " " + ECS_CLUSTER + " " + SUBNET_A + " " + SUBNET_B + " " + SECURITY_GROUP);
      }
    }
    aws.ecs().taskDefinition(FAMILY, 1, 2, 3);
    aws.secrets()
        .put(
            "prod-eu1-c1-console-oauth-client",
            Map.of("client_id", "console", "client_secret", "console-secret-marker-7f3a"));
    aws.secrets()
        .put(
            "prod-eu1-c1-noc-oauth-client",
            Map.of("client_id", "noc", "client_secret", "noc-secret-marker-91bc"));
  }

  /** The TTESCluster manifest for the seeded deployment. */
  public static String clusterYaml(
      String name, String prefix, boolean multiTenant, int maxConcurrentTasks) {
    StringBuilder stacks = new StringBuilder();
    for (String t : TEMPLATES) {
      stacks.append("    - {name: ").append(prefix).append('-').append(t);
      stacks.append(", template: ").append(t).append("}\n");
    }
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: TTESCluster
        metadata: {name: %s}
        spec:
          region: eu-west-1
          naming: {network: prod, environment: eu1, cluster: c1}
          domain: eu1.example.com
          multiTenant: %s
          stacks:
        %s  ops:
            ecs: {stack: %s-5-2-ecs-ops}
            maxConcurrentTasks: %d
        """
        .formatted(name, multiTenant, stacks, prefix, maxConcurrentTasks);
  }

  public static TTESCluster create(KubernetesClient client, String namespace, String yaml) {
    TTESCluster c = client.getKubernetesSerialization().unmarshal(yaml, TTESCluster.class);
    return client.resources(TTESCluster.class).inNamespace(namespace).resource(c).create();
  }
}
