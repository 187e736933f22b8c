package io.ttes.operator.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ParameterDeclaration;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AttributeBooleanValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * A TTES-shaped deployment built inside moto from the CloudFormation templates under {@code
 * src/test/resources/fixtures/templates/<version>/}, so tests and the demo can observe it, run ops
 * tasks against it and upgrade it through change sets. See that folder's README.md for what moto
 * can and cannot do with the templates.
 */
public final class TtesFixture {
  public static final String REGION = "eu-west-1";
  public static final String BUCKET = "ttes-fixture-templates";

  /**
   * Virtual-hosted S3 URL, the shape of the real TTES bucket's URLs. moto serves it from its own S3
   * for CreateStack, CreateChangeSet and GetTemplateSummary: a host not starting with "s3" is read
   * as {@code <bucket>.<anything>} and the path as the key.
   */
  public static final String URL_PATTERN =
      "https://" + BUCKET + ".s3.amazonaws.com/public/cloud/{version}/{template}.gen.template";

  public static final List<String> VERSIONS =
      List.of("3.23.2", "3.24.2", "3.25.1", "3.33.1", "3.33.2", "3.34.0");

  /** Every template of the ECS platform in template order (5-3a, not 5-3b). */
  public static final List<String> ALL_TEMPLATES =
      List.of(
          "1-1-vpc",
          "1-2-bastion",
          "2-1-db-aurora-master",
          "2-2-db-aurora-replica",
          "2-3-db-redis",
          "2-4a-is-s3",
          "2-4b-routing-s3",
          "2-5-db-timescale-master",
          "2-6-db-timescale-replica",
          "2-7-queue-sqs",
          "3-1-security-group-rules",
          "3-2-load-balancer-rules",
          "4-1-secrets",
          "4-2a-configuration",
          "4-2b-configuration-rate-limiting",
          "4-2c-configuration-resource-limiting",
          "5-1-ecs-cluster",
          "5-2-ecs-ops",
          "5-3a-ecs-is-service",
          "5-3c-ecs-tbs-service",
          "5-4-ecs-services",
          "5-5-tenant-resource-monitoring",
          "5-6-ecs-monitoring",
          "5-7-ecs-proxy",
          "5-8a-certs-le",
          "5-8b-ecs-certbot-scheduled-task");

  /** The small deployment most tests use; also the only templates that exist in 3.34.0. */
  public static final Set<String> FIVE_TEMPLATES =
      Set.of("1-1-vpc", "2-1-db-aurora-master", "4-1-secrets", "5-2-ecs-ops", "5-4-ecs-services");

  /** The single stack of platform AMI. */
  public static final String AMI_TEMPLATE = "0-1-ami";

  public static final String OPS_TEMPLATE = "5-2-ecs-ops";
  public static final String VPC_TEMPLATE = "1-1-vpc";
  public static final String OPS_OUTPUT = "OpsRunTaskArguments";
  public static final String IMAGE_PARAMETER = "Image";

  private static final Duration STACK_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final ObjectMapper JSON = new ObjectMapper();

  private TtesFixture() {}

  /** TemplateURL of one template version in the fixture bucket. */
  public static String templateUrl(String version, String template) {
    return URL_PATTERN.replace("{version}", version).replace("{template}", template);
  }

  /** Image a 5-x stack of that version uses by default. */
  public static String image(String version) {
    return "docker.io/thethingsindustries/lorawan-stack:" + version + "-aws";
  }

  /**
   * Client id and secret of an OAuth client, as stored in Secrets Manager. The secret stays out of
   * toString so a failing assertion never prints it.
   */
  public record OAuthClient(String clientId, String clientSecret) {
    public OAuthClient {
      Objects.requireNonNull(clientId, "clientId");
      Objects.requireNonNull(clientSecret, "clientSecret");
    }

    @Override
    public String toString() {
      return "OAuthClient[clientId=" + clientId + ", clientSecret=***]";
    }
  }

  /**
   * What the caller can choose about a deployment.
   *
   * @param cluster third part of resource and secret names ({@code
   *     <network>-<environment>-<cluster>})
   * @param console the {@code ...-console-oauth-client} secret's values
   * @param noc the {@code ...-noc-oauth-client} secret's values
   * @param parameters stack parameters by name, given to every stack that declares them (for
   *     example the required parameter of 3.34.0)
   */
  public record Options(
      String cluster, OAuthClient console, OAuthClient noc, Map<String, String> parameters) {
    public Options {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(console, "console");
      Objects.requireNonNull(noc, "noc");
      parameters = Map.copyOf(parameters);
    }

    public static Options defaults() {
      return new Options(
          "c1",
          new OAuthClient("console", "fixture-console-secret"),
          new OAuthClient("noc", "fixture-noc-secret"),
          Map.of());
    }

    public Options withCluster(String value) {
      return new Options(value, console, noc, parameters);
    }

    public Options withSecrets(OAuthClient consoleClient, OAuthClient nocClient) {
      return new Options(cluster, consoleClient, nocClient, parameters);
    }

    public Options withParameters(Map<String, String> values) {
      return new Options(cluster, console, noc, values);
    }
  }

  /**
   * A deployed ECS-platform fixture.
   *
   * @param stacks stack name by template, in template order
   * @param opsStack stack of {@code 5-2-ecs-ops}; null when not deployed (same for the ops fields)
   * @param opsRunTaskArguments the five words of the ops stack's output
   */
  public record Deployment(
      URI endpoint,
      String region,
      String prefix,
      String network,
      String environment,
      String cluster,
      String version,
      Map<String, String> stacks,
      String vpcId,
      List<String> subnets,
      String securityGroup,
      String opsStack,
      String ecsCluster,
      String taskDefinitionFamily,
      String opsRunTaskArguments,
      String consoleSecretName,
      String nocSecretName,
      String urlPattern) {

    public String stackName(String template) {
      String name = stacks.get(template);
      if (name == null) {
        throw new IllegalArgumentException(template + " is not part of this deployment");
      }
      return name;
    }

    /** Secrets Manager prefix {@code <network>-<environment>-<cluster>}. */
    public String secretPrefix() {
      return network + "-" + environment + "-" + cluster;
    }

    /** The TTESCluster spec that points at this deployment and at the fixture templates. */
    public TTESClusterSpec clusterSpec() {
      TTESClusterSpec spec = new TTESClusterSpec();
      spec.setRegion(region);
      spec.setPlatform(Platform.ECS);
      spec.setNaming(new TTESClusterSpec.Naming(network, environment, cluster));
      spec.setDomain(domain(prefix));
      List<TTESClusterSpec.StackRef> refs = new ArrayList<>();
      stacks.forEach((template, name) -> refs.add(new TTESClusterSpec.StackRef(name, template)));
      spec.setStacks(refs);
      if (opsStack != null) {
        TTESClusterSpec.Ecs ecs = new TTESClusterSpec.Ecs();
        ecs.setStack(opsStack);
        spec.getOps().setEcs(ecs);
      }
      spec.getTemplates().setUrlPattern(urlPattern);
      return spec;
    }

    /** A TTESCluster manifest equal to {@link #clusterSpec()}, as a person would write it. */
    public String clusterYaml(String name, String namespace) {
      StringBuilder yaml = new StringBuilder();
      yaml.append("apiVersion: ops.ttes.io/v1alpha1\n")
          .append("kind: TTESCluster\n")
          .append("metadata:\n")
          .append("  name: ")
          .append(name)
          .append('\n')
          .append("  namespace: ")
          .append(namespace)
          .append('\n')
          .append("spec:\n")
          .append("  region: ")
          .append(region)
          .append('\n')
          .append("  platform: ECS\n")
          .append("  naming: {network: ")
          .append(network)
          .append(", environment: ")
          .append(environment)
          .append(", cluster: ")
          .append(cluster)
          .append("}\n")
          .append("  domain: ")
          .append(domain(prefix))
          .append('\n')
          .append("  stacks:\n");
      stacks.forEach(
          (template, stack) ->
              yaml.append("    - {name: ")
                  .append(stack)
                  .append(", template: ")
                  .append(template)
                  .append("}\n"));
      if (opsStack != null) {
        yaml.append("  ops:\n    ecs: {stack: ").append(opsStack).append("}\n");
      }
      yaml.append("  templates:\n    urlPattern: ").append(urlPattern).append('\n');
      return yaml.toString();
    }
  }

  /** A deployed AMI-platform fixture: one stack with the EC2 instance ops commands run on. */
  public record AmiDeployment(
      URI endpoint,
      String region,
      String prefix,
      String network,
      String environment,
      String cluster,
      String version,
      String stackName,
      String instanceId,
      String urlPattern) {

    public TTESClusterSpec clusterSpec() {
      TTESClusterSpec spec = new TTESClusterSpec();
      spec.setRegion(region);
      spec.setPlatform(Platform.AMI);
      spec.setNaming(new TTESClusterSpec.Naming(network, environment, cluster));
      spec.setDomain(domain(prefix));
      spec.setStacks(List.of(new TTESClusterSpec.StackRef(stackName, AMI_TEMPLATE)));
      spec.getOps().setBinary("ttn-lw-stack");
      spec.getOps()
          .setAmi(
              new TTESClusterSpec.Ami(
                  instanceId, new ArrayList<>(List.of("docker", "exec", "lorawan-stack"))));
      spec.getTemplates().setUrlPattern(urlPattern);
      return spec;
    }

    public String clusterYaml(String name, String namespace) {
      return "apiVersion: ops.ttes.io/v1alpha1\n"
          + "kind: TTESCluster\n"
          + "metadata:\n"
          + ("  name: " + name + "\n")
          + ("  namespace: " + namespace + "\n")
          + "spec:\n"
          + ("  region: " + region + "\n")
          + "  platform: AMI\n"
          + ("  naming: {network: " + network + ", environment: " + environment)
          + (", cluster: " + cluster + "}\n")
          + ("  domain: " + domain(prefix) + "\n")
          + "  stacks:\n"
          + ("    - {name: " + stackName + ", template: " + AMI_TEMPLATE + "}\n")
          + "  ops:\n"
          + "    binary: ttn-lw-stack\n"
          + ("    ami: {instanceId: "
              + instanceId
              + ", commandPrefix: [docker, exec, lorawan-stack]}\n")
          + "  templates:\n"
          + ("    urlPattern: " + urlPattern + "\n");
    }
  }

  /** Deploys {@code templates} at {@code version} with {@link Options#defaults()}. */
  public static Deployment deploy(
      URI endpoint, String prefix, String version, Set<String> templates) {
    return deploy(endpoint, prefix, version, templates, Options.defaults());
  }

  /** Deploys every template of the ECS platform (26 stacks, see {@link #ALL_TEMPLATES}). */
  public static Deployment deploy20(URI endpoint, String prefix, String version) {
    return deploy(endpoint, prefix, version, Set.copyOf(ALL_TEMPLATES), Options.defaults());
  }

  /**
   * Uploads the templates (once per moto state), creates the stacks {@code <prefix>-<template>} in
   * template order, each waited for CREATE_COMPLETE, then the OAuth client secrets.
   *
   * @param prefix {@code <network>-<environment>}, for example {@code demo-eu1}
   */
  public static Deployment deploy(
      URI endpoint, String prefix, String version, Set<String> templates, Options options) {
    String[] naming = splitPrefix(prefix);
    List<String> ordered = inTemplateOrder(templates);
    try (Clients aws = new Clients(endpoint)) {
      uploadTemplates(aws.s3);
      Map<String, String> stacks = new LinkedHashMap<>();
      Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
      for (String template : ordered) {
        String stackName = prefix + "-" + template;
        Stack stack =
            createStack(aws.cfn, stackName, version, template, naming[0], naming[1], options);
        stacks.put(template, stackName);
        outputs.put(template, outputsOf(stack));
        if (template.equals(VPC_TEMPLATE)) {
          enableDnsHostnames(aws.ec2, outputs.get(template).get("VpcId"));
        }
      }
      String secretPrefix = naming[0] + "-" + naming[1] + "-" + options.cluster();
      String consoleSecret = secretPrefix + "-console-oauth-client";
      String nocSecret = secretPrefix + "-noc-oauth-client";
      putSecret(aws.secrets, consoleSecret, options.console());
      putSecret(aws.secrets, nocSecret, options.noc());

      Map<String, String> vpc = outputs.getOrDefault(VPC_TEMPLATE, Map.of());
      List<String> subnets = new ArrayList<>();
      if (vpc.containsKey("SubnetOne")) {
        subnets.add(vpc.get("SubnetOne"));
        subnets.add(vpc.get("SubnetTwo"));
      }
      String runTaskArguments = outputs.getOrDefault(OPS_TEMPLATE, Map.of()).get(OPS_OUTPUT);
      String[] words = runTaskArguments == null ? null : runTaskArguments.split(" ");
      return new Deployment(
          endpoint,
          REGION,
          prefix,
          naming[0],
          naming[1],
          options.cluster(),
          version,
          Collections.unmodifiableMap(stacks),
          vpc.get("VpcId"),
          List.copyOf(subnets),
          vpc.get("SecurityGroup"),
          stacks.get(OPS_TEMPLATE),
          words == null ? null : words[1],
          words == null ? null : words[0],
          runTaskArguments,
          consoleSecret,
          nocSecret,
          URL_PATTERN);
    }
  }

  /** Deploys the single AMI-platform stack {@code <prefix>-0-1-ami} with one EC2 instance. */
  public static AmiDeployment deployAmi(URI endpoint, String prefix, String version) {
    String[] naming = splitPrefix(prefix);
    Options options = Options.defaults();
    try (Clients aws = new Clients(endpoint)) {
      uploadTemplates(aws.s3);
      String stackName = prefix + "-" + AMI_TEMPLATE;
      Stack stack =
          createStack(aws.cfn, stackName, version, AMI_TEMPLATE, naming[0], naming[1], options);
      return new AmiDeployment(
          endpoint,
          REGION,
          prefix,
          naming[0],
          naming[1],
          options.cluster(),
          version,
          stackName,
          outputsOf(stack).get("InstanceId"),
          URL_PATTERN);
    }
  }

  /**
   * Puts every fixture template into the fixture bucket. Skipped when the bucket exists already
   * (moto keeps it until {@link MotoServer#reset()}), so a second deployment costs nothing here.
   */
  public static void uploadTemplates(URI endpoint) {
    uploadTemplates(endpoint, BUCKET);
  }

  /**
   * Puts every fixture template into {@code bucket}; with {@code thethingsindustries} the default
   * template URL pattern of a TTESCluster finds them in moto's S3 (the embedded demo does this).
   */
  public static void uploadTemplates(URI endpoint, String bucket) {
    try (Clients aws = new Clients(endpoint)) {
      uploadTemplates(aws.s3, bucket);
    }
  }

  private static void uploadTemplates(S3Client s3) {
    uploadTemplates(s3, BUCKET);
  }

  private static void uploadTemplates(S3Client s3, String bucket) {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      return;
    } catch (NoSuchBucketException e) {
      // first deployment in this moto state
    }
    s3.createBucket(
        b ->
            b.bucket(bucket)
                .createBucketConfiguration(
                    c -> c.locationConstraint(BucketLocationConstraint.fromValue(REGION))));
    List<String> names = new ArrayList<>(ALL_TEMPLATES);
    names.add(AMI_TEMPLATE);
    for (String version : VERSIONS) {
      for (String template : names) {
        String body = resource(version, template);
        if (body != null) {
          s3.putObject(
              b -> b.bucket(bucket).key(key(version, template)).contentType("text/yaml"),
              RequestBody.fromString(body));
        }
      }
    }
  }

  static String key(String version, String template) {
    return "public/cloud/" + version + "/" + template + ".gen.template";
  }

  /** The template text from the test resources, or null when that version has no such template. */
  public static String resource(String version, String template) {
    String path = "/fixtures/templates/" + version + "/" + template + ".gen.template";
    try (InputStream in = TtesFixture.class.getResourceAsStream(path)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }

  private static Stack createStack(
      CloudFormationClient cfn,
      String stackName,
      String version,
      String template,
      String network,
      String environment,
      Options options) {
    String url = templateUrl(version, template);
    List<ParameterDeclaration> declared =
        cfn.getTemplateSummary(b -> b.templateURL(url)).parameters();
    Map<String, String> given = new LinkedHashMap<>(options.parameters());
    given.put("Network", network);
    given.put("Environment", environment);
    given.put("Cluster", options.cluster());
    // Every declared parameter is passed, defaults too: moto reports "no changes" only when an
    // update passes the same parameter names the stack was created with, and a planner passes
    // all parameters of the template.
    List<Parameter> parameters = new ArrayList<>();
    for (ParameterDeclaration p : declared) {
      String value =
          given.containsKey(p.parameterKey()) ? given.get(p.parameterKey()) : p.defaultValue();
      if (value == null) {
        throw new IllegalArgumentException(
            template
                + " "
                + version
                + " needs parameter "
                + p.parameterKey()
                + " (no default): pass it in Options.parameters");
      }
      parameters.add(
          Parameter.builder().parameterKey(p.parameterKey()).parameterValue(value).build());
    }
    cfn.createStack(b -> b.stackName(stackName).templateURL(url).parameters(parameters));
    return awaitStatus(cfn, stackName, StackStatus.CREATE_COMPLETE);
  }

  /**
   * Polls DescribeStacks every 50 ms (the SDK waiter waits 30 s between reads) until the stack has
   * {@code wanted}; fails on any other settled status.
   */
  public static Stack awaitStatus(CloudFormationClient cfn, String stackName, StackStatus wanted) {
    Stack stack =
        await()
            .pollDelay(Duration.ZERO)
            .pollInterval(POLL)
            .atMost(STACK_TIMEOUT)
            .until(
                () -> cfn.describeStacks(b -> b.stackName(stackName)).stacks().get(0),
                // moto's stacks start as CREATE_PENDING, a status AWS does not have
                s ->
                    !s.stackStatusAsString().endsWith("_IN_PROGRESS")
                        && !s.stackStatusAsString().equals("CREATE_PENDING"));
    if (stack.stackStatus() != wanted) {
      throw new IllegalStateException(
          stackName
              + " is "
              + stack.stackStatusAsString()
              + " ("
              + stack.stackStatusReason()
              + "), wanted "
              + wanted);
    }
    return stack;
  }

  private static Map<String, String> outputsOf(Stack stack) {
    Map<String, String> outputs = new LinkedHashMap<>();
    for (Output o : stack.outputs()) {
      outputs.put(o.outputKey(), o.outputValue());
    }
    return outputs;
  }

  /**
   * moto's CloudFormation ignores the VPC's EnableDnsHostnames property, and RunTask of an awsvpc
   * task definition answers HTTP 500 in a VPC without DNS hostnames.
   */
  private static void enableDnsHostnames(Ec2Client ec2, String vpcId) {
    ec2.modifyVpcAttribute(
        b ->
            b.vpcId(vpcId).enableDnsHostnames(AttributeBooleanValue.builder().value(true).build()));
    ec2.modifyVpcAttribute(
        b -> b.vpcId(vpcId).enableDnsSupport(AttributeBooleanValue.builder().value(true).build()));
  }

  private static void putSecret(SecretsManagerClient secrets, String name, OAuthClient client) {
    String json;
    try {
      json =
          JSON.writeValueAsString(
              Map.of("client_id", client.clientId(), "client_secret", client.clientSecret()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the secret " + name);
    }
    try {
      secrets.putSecretValue(b -> b.secretId(name).secretString(json));
    } catch (ResourceNotFoundException e) {
      secrets.createSecret(b -> b.name(name).secretString(json));
    }
  }

  private static String[] splitPrefix(String prefix) {
    int dash = prefix.indexOf('-');
    if (dash <= 0 || dash == prefix.length() - 1) {
      throw new IllegalArgumentException(
          "prefix must be <network>-<environment>, for example demo-eu1: " + prefix);
    }
    return new String[] {prefix.substring(0, dash), prefix.substring(dash + 1)};
  }

  private static List<String> inTemplateOrder(Set<String> templates) {
    List<String> unknown = new ArrayList<>(templates);
    unknown.removeAll(ALL_TEMPLATES);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("no fixture template " + unknown);
    }
    return ALL_TEMPLATES.stream().filter(templates::contains).toList();
  }

  private static String domain(String prefix) {
    return prefix + ".ttes.example.com";
  }

  /** The SDK clients of one fixture call, pointed at moto with dummy credentials. */
  private static final class Clients implements AutoCloseable {
    final CloudFormationClient cfn;
    final S3Client s3;
    final Ec2Client ec2;
    final SecretsManagerClient secrets;

    Clients(URI endpoint) {
      cfn = configure(CloudFormationClient.builder(), endpoint).build();
      s3 = configure(S3Client.builder(), endpoint).forcePathStyle(true).build();
      ec2 = configure(Ec2Client.builder(), endpoint).build();
      secrets = configure(SecretsManagerClient.builder(), endpoint).build();
    }

    @Override
    public void close() {
      cfn.close();
      s3.close();
      ec2.close();
      secrets.close();
    }
  }

  /** Points any SDK client builder at moto in the fixture region with dummy credentials. */
  public static <B extends AwsClientBuilder<B, ?>> B configure(B builder, URI endpoint) {
    return builder
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")));
  }
}
