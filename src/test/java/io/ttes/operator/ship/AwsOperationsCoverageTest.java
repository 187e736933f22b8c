package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every AWS operation the operator's SDK code calls is granted by deploy/iam-policy.json, and the
 * policy grants nothing the code never calls.
 *
 * <p>The calls are read from the source of {@code aws/sdk}, the only place SDK clients exist:
 * variables and fields declared with an SDK client type ({@code EcsClient ecs}), then every {@code
 * ecs.runTask(} / {@code cfn.describeStacksPaginator(} on them, mapped to {@code ecs:RunTask} /
 * {@code cloudformation:DescribeStacks}. Limits of a static scan: a client passed through a
 * variable of another name or type (a parameter typed {@code SdkClient}, a lambda argument) or
 * called by reflection would be missed; the scan fails when it finds a client type it has no IAM
 * prefix for, so a new service cannot slip past unmapped.
 */
class AwsOperationsCoverageTest {
  static final Path SDK_SOURCES = Path.of("src/main/java/io/ttes/operator/aws/sdk");

  /** SDK client type → IAM service prefix. */
  static final Map<String, String> IAM_PREFIX =
      Map.of(
          "CloudFormationClient", "cloudformation",
          "EcsClient", "ecs",
          "SsmClient", "ssm",
          "CloudWatchLogsClient", "logs",
          "RdsClient", "rds",
          "ElastiCacheClient", "elasticache",
          "Ec2Client", "ec2",
          "SecretsManagerClient", "secretsmanager",
          "StsClient", "sts");

  /** Client methods that are not AWS operations. */
  static final Set<String> NOT_OPERATIONS =
      Set.of("close", "serviceName", "serviceClientConfiguration", "utilities", "waiter");

  /**
   * Actions AWS evaluates for a call that names another: RunTask with a task definition that has a
   * task or execution role needs iam:PassRole for it. No call in the code names PassRole.
   */
  static final Set<String> IMPLIED_BY_AWS = Set.of("iam:PassRole");

  private static final Pattern CLIENT_DECLARATION =
      Pattern.compile("\\b(\\w+Client)\\s+(\\w+)\\s*[;=,)]");
  private static final Pattern SERVICE_CLIENT_IMPORT =
      Pattern.compile("import\\s+software\\.amazon\\.awssdk\\.services\\.\\w+\\.(\\w+Client)\\s*;");

  @Test
  void everyCalledOperationIsInThePolicyAndThePolicyGrantsNothingElse() throws IOException {
    Map<String, Set<String>> calls = calledActions();
    Set<String> called = new TreeSet<>(calls.keySet());
    Set<String> granted = policyActions();

    Set<String> missing = new TreeSet<>(called);
    missing.removeAll(granted);
    assertThat(missing)
        .as("called (where: %s) but not in %s", calls, IamPolicyTest.POLICY)
        .isEmpty();

    Set<String> neverCalled = new TreeSet<>(granted);
    neverCalled.removeAll(called);
    neverCalled.removeAll(IMPLIED_BY_AWS);
    assertThat(neverCalled).as("granted by %s but never called", IamPolicyTest.POLICY).isEmpty();

    assertThat(ExpectedPermissions.AWS_ACTIONS)
        .as("ExpectedPermissions.AWS_ACTIONS")
        .containsExactlyInAnyOrderElementsOf(union(called, IMPLIED_BY_AWS));
  }

  @Test
  void theScanFindsTheCallsItIsMeantToFind() throws IOException {
    Map<String, Set<String>> calls = calledActions();
    // One of each shape: a plain call, a paginator, a chained call on the next line, a call made
    // through the SDK's credentials provider, a tag applied while creating.
    assertThat(calls)
        .containsKeys(
            "ecs:RunTask",
            "cloudformation:DescribeStacks",
            "ssm:ListCommands",
            "sts:AssumeRole",
            "ec2:CreateTags");
    assertThat(calls.get("ecs:RunTask")).contains("SdkEcsTasks.java");
  }

  @Test
  void theScannerReadsSourceShapes() {
    Map<String, Set<String>> found = new TreeMap<>();
    scan(
        "X.java",
        """
        import software.amazon.awssdk.services.ecs.EcsClient;
        private final EcsClient ecs;
        void f(CloudFormationClient cfn) {
          // ecs.deleteCluster( in a comment is not a call
          String s = "ecs.deleteService(";
          ecs.runTask(b -> b.cluster("c"));
          cfn
              .describeStackEventsPaginator(r -> {}).stackEvents();
          ecs.close();
        }
        """,
        found);
    assertThat(found.keySet())
        .containsExactlyInAnyOrder("ecs:RunTask", "cloudformation:DescribeStackEvents");
  }

  /** IAM action → files calling it. */
  static Map<String, Set<String>> calledActions() throws IOException {
    Map<String, Set<String>> found = new TreeMap<>();
    try (Stream<Path> files = Files.list(SDK_SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        scan(file.getFileName().toString(), Files.readString(file), found);
      }
    }
    assertThat(found).as("operations found in %s", SDK_SOURCES).isNotEmpty();
    return found;
  }

  static void scan(String fileName, String source, Map<String, Set<String>> found) {
    String code = withoutCommentsAndStrings(source);
    Matcher types = SERVICE_CLIENT_IMPORT.matcher(code);
    while (types.find()) {
      String type = types.group(1);
      assertThat(IAM_PREFIX)
          .as("IAM prefix of %s used in %s (add it to IAM_PREFIX)", type, fileName)
          .containsKey(type);
    }
    Map<String, String> variables = new TreeMap<>();
    Matcher declarations = CLIENT_DECLARATION.matcher(code);
    while (declarations.find()) {
      variables.put(declarations.group(2), IAM_PREFIX.get(declarations.group(1)));
    }
    for (Map.Entry<String, String> variable : variables.entrySet()) {
      Matcher call =
          Pattern.compile("\\b" + Pattern.quote(variable.getKey()) + "\\s*\\.\\s*(\\w+)\\s*\\(")
              .matcher(code);
      while (call.find()) {
        String method = call.group(1);
        if (NOT_OPERATIONS.contains(method)) {
          continue;
        }
        String operation = method.replaceFirst("Paginator$", "");
        String action =
            variable.getValue()
                + ":"
                + Character.toUpperCase(operation.charAt(0))
                + operation.substring(1);
        found.computeIfAbsent(action, k -> new TreeSet<>()).add(fileName);
      }
    }
    // Calls the SDK makes for the code: the credentials provider assumes the cluster's role, and
    // tags given at creation are authorised as ec2:CreateTags.
    if (code.contains("StsAssumeRoleCredentialsProvider")) {
      found.computeIfAbsent("sts:AssumeRole", k -> new TreeSet<>()).add(fileName);
    }
    if (variables.containsValue("ec2") && code.contains(".tagSpecifications(")) {
      found.computeIfAbsent("ec2:CreateTags", k -> new TreeSet<>()).add(fileName);
    }
  }

  /** Replaces comments and string/text-block contents, so a call in either is not counted. */
  static String withoutCommentsAndStrings(String source) {
    String s = source.replaceAll("(?s)\"\"\".*?\"\"\"", "\"\"");
    s = s.replaceAll("\"(\\\\.|[^\"\\\\\\n])*\"", "\"\"");
    s = s.replaceAll("(?s)/\\*.*?\\*/", " ");
    return s.replaceAll("//[^\\n]*", " ");
  }

  static Set<String> policyActions() throws IOException {
    JsonNode policy = new ObjectMapper().readTree(IamPolicyTest.POLICY.toFile());
    Set<String> actions = new TreeSet<>();
    for (JsonNode statement : policy.path("Statement")) {
      JsonNode action = statement.path("Action");
      if (action.isArray()) {
        action.forEach(a -> actions.add(a.asText()));
      } else {
        actions.add(action.asText());
      }
    }
    return actions;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
