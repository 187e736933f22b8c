package io.ttes.operator.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** deploy/iam-policy.json grants the operator's AWS calls, each as narrowly as AWS allows. */
class IamPolicyTest {
  static final Path POLICY = Path.of("deploy/iam-policy.json");
  private static JsonNode policy;

  @BeforeAll
  static void read() throws IOException {
    policy = new ObjectMapper().readTree(POLICY.toFile());
  }

  @Test
  void grantsExactlyTheActionsTheOperatorCalls() {
    List<String> actions = new ArrayList<>();
    for (JsonNode statement : policy.path("Statement")) {
      values(statement.path("Action")).forEach(actions::add);
    }
    assertThat(actions).as("an action granted twice").doesNotHaveDuplicates();
    assertThat(actions).containsExactlyInAnyOrderElementsOf(ExpectedPermissions.AWS_ACTIONS);
  }

  @Test
  void isAValidAllowOnlyPolicyWithNamedStatements() {
    assertThat(policy.path("Version").asText()).isEqualTo("2012-10-17");
    Set<String> sids = new HashSet<>();
    for (JsonNode statement : policy.path("Statement")) {
      assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
      assertThat(statement.has("NotAction")).isFalse();
      assertThat(statement.has("NotResource")).isFalse();
      assertThat(sids.add(statement.path("Sid").asText()))
          .as("Sid %s unique and matching ^[A-Za-z0-9]+$", statement.path("Sid"))
          .isTrue();
      assertThat(statement.path("Sid").asText()).matches("[A-Za-z0-9]+");
      for (String action : values(statement.path("Action"))) {
        assertThat(action).as("no wildcard actions").doesNotContain("*");
      }
    }
  }

  @Test
  void onlyActionsWithoutResourceLevelPermissionsGetResourceStar() {
    for (JsonNode statement : policy.path("Statement")) {
      List<String> resources = values(statement.path("Resource"));
      assertThat(resources).as("%s has resources", statement.path("Sid")).isNotEmpty();
      if (resources.contains("*")) {
        assertThat(ExpectedPermissions.UNSCOPABLE_AWS_ACTIONS)
            .as("actions granted on Resource * in %s", statement.path("Sid"))
            .containsAll(values(statement.path("Action")));
      }
      for (String resource : resources) {
        assertThat(resource).matches("\\*|arn:aws:[a-z0-9-]+:.*");
      }
    }
  }

  @Test
  void passRoleOnlyToEcsTasks() {
    JsonNode statement = statementWith("iam:PassRole");
    assertThat(values(statement.path("Action"))).containsExactly("iam:PassRole");
    assertThat(statement.at("/Condition/StringEquals").path("iam:PassedToService").asText())
        .isEqualTo("ecs-tasks.amazonaws.com");
  }

  @Test
  void tagsOnlyOnSnapshotCreation() {
    JsonNode statement = statementWith("ec2:CreateTags");
    assertThat(values(statement.path("Action"))).containsExactly("ec2:CreateTags");
    assertThat(statement.at("/Condition/StringEquals").path("ec2:CreateAction").asText())
        .isEqualTo("CreateSnapshot");
    assertThat(values(statement.path("Resource"))).containsExactly("arn:aws:ec2:*::snapshot/*");
  }

  @Test
  void ecsTaskCallsAreScopedToTaskDefinitionsTasksAndClusters() {
    assertThat(values(statementWith("ecs:RunTask").path("Resource")))
        .containsExactly("arn:aws:ecs:*:*:task-definition/*");
    for (String action : List.of("ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks")) {
      assertThat(statementWith(action).at("/Condition/ArnLike").has("ecs:cluster"))
          .as("%s limited by cluster", action)
          .isTrue();
    }
    assertThat(values(statementWith("ecs:StopTask").path("Resource")))
        .containsExactly("arn:aws:ecs:*:*:task/*");
  }

  @Test
  void secretsManagerOnlyForOAuthClientSecrets() {
    assertThat(values(statementWith("secretsmanager:GetSecretValue").path("Resource")))
        .containsExactly("arn:aws:secretsmanager:*:*:secret:*-oauth-client-*");
  }

  private static JsonNode statementWith(String action) {
    for (JsonNode statement : policy.path("Statement")) {
      if (values(statement.path("Action")).contains(action)) {
        return statement;
      }
    }
    throw new AssertionError(action + " not granted");
  }

  private static List<String> values(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else if (node.isTextual()) {
      out.add(node.asText());
    }
    return out;
  }
}
