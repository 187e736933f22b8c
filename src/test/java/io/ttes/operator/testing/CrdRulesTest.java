package io.ttes.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Each CEL rule of the CRDs, evaluated as an API server does (create, and update for the transition
 * rule), on a manifest that keeps it and one that breaks it. The bad-input catalogue covers the
 * same rules against the operator.
 */
class CrdRulesTest {
  private final CrdSchemas schemas = new CrdSchemas(Path.of("crds"));

  private static final String ECS =
      """
      apiVersion: ops.ttes.io/v1alpha1
      kind: TTESCluster
      metadata: {name: c}
      spec:
        region: eu-west-1
        naming: {network: prod, environment: eu1, cluster: c1}
        stacks:
          - {name: prod-eu1-1-1-vpc, template: 1-1-vpc}
          - {name: prod-eu1-5-2-ecs-ops, template: 5-2-ecs-ops}
        ops: {ecs: {stack: prod-eu1-5-2-ecs-ops}}
      """;
  private static final String AMI =
      """
      apiVersion: ops.ttes.io/v1alpha1
      kind: TTESCluster
      metadata: {name: c}
      spec:
        region: eu-west-1
        platform: AMI
        naming: {network: prod, environment: eu1, cluster: c1}
        stacks: [{name: prod-eu1-0-1-ami, template: 0-1-ami}]
        ops: {ami: {instanceId: i-0123456789abcdef0}}
      """;
  private static final String TASK =
      """
      apiVersion: ops.ttes.io/v1alpha1
      kind: OpsTask
      metadata: {name: t}
      spec:
        clusterRef: {name: c}
        command: [is-db, migrate]
        secretArgs: [{name: PW, secretKeyRef: {name: s, key: password}}]
      """;

  @Test
  void theExamplesAndBothPlatformsKeepEveryRule() throws Exception {
    assertThat(schemas.violations(CrdSchemas.parse(ECS))).isEmpty();
    assertThat(schemas.violations(CrdSchemas.parse(AMI))).isEmpty();
    assertThat(schemas.violations(CrdSchemas.parse(TASK))).isEmpty();
    for (Path example : Files.list(Path.of("deploy/examples")).toList()) {
      for (String doc : Files.readString(example).split("(?m)^---$")) {
        assertThat(schemas.violations(CrdSchemas.parse(doc))).as(example.toString()).isEmpty();
      }
    }
  }

  @Test
  void platformAmiNeedsItsInstanceAndNoEcsFields() {
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    AMI.replace("ops: {ami: {instanceId: i-0123456789abcdef0}}", "ops: {}"))))
        .containsExactly(
            "spec: platform AMI runs ops commands on an EC2 instance: set spec.ops.ami.instanceId");
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    AMI.replace("ops: {ami:", "ops: {ecs: {stack: prod-eu1-0-1-ami}, ami:"))))
        .containsExactly("spec: spec.ops.ecs is for platform ECS; this cluster is AMI");
  }

  @Test
  void platformEcsTakesNoAmiFields() {
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    ECS.replace(
                        "ops: {ecs:", "ops: {ami: {instanceId: i-0123456789abcdef0}, ecs:"))))
        .containsExactly("spec: spec.ops.ami is for platform AMI; this cluster is ECS");
  }

  @Test
  void stackNamesAndTemplatesAreUnique() {
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    ECS.replace(
                        "prod-eu1-1-1-vpc, template: 1-1-vpc",
                        "prod-eu1-5-2-ecs-ops, template: 1-1-vpc"))))
        .containsExactly("spec.stacks: spec.stacks lists a stack name twice");
    assertThat(
            schemas.violations(
                CrdSchemas.parse(ECS.replace("template: 1-1-vpc", "template: 5-2-ecs-ops"))))
        .containsExactly("spec.stacks: spec.stacks lists a template twice");
  }

  @Test
  void aSecretArgHasExactlyOneSource() {
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    TASK.replace(
                        "secretKeyRef: {name: s, key: password}",
                        "secretKeyRef: {name: s, key: password}, secretsManagerKeyRef: {secretId: x, key: y}"))))
        .containsExactly(
            "spec.secretArgs[0]: set exactly one of secretKeyRef and secretsManagerKeyRef");
    assertThat(
            schemas.violations(
                CrdSchemas.parse(
                    TASK.replace(
                        "{name: PW, secretKeyRef: {name: s, key: password}}", "{name: PW}"))))
        .containsExactly(
            "spec.secretArgs[0]: set exactly one of secretKeyRef and secretsManagerKeyRef");
  }

  @Test
  void anOpsTaskSpecCannotChangeButItsMetadataCan() {
    JsonNode created = CrdSchemas.parse(TASK);
    assertThat(
            schemas.updateViolations(
                created,
                CrdSchemas.parse(
                    TASK.replace(
                        "command: [is-db, migrate]", "command: [is-db, create-admin-user]"))))
        .containsExactly(
            "spec: an OpsTask's spec cannot change: create a new OpsTask to run another command");
    assertThat(
            schemas.updateViolations(
                created,
                CrdSchemas.parse(
                    TASK.replace("metadata: {name: t}", "metadata: {name: t, labels: {a: b}}"))))
        .isEmpty();
    // A transition rule does not run on create.
    assertThat(schemas.violations(created)).isEmpty();
  }

  @Test
  void aSuspendedOpsTaskSpecMayChangeUntilItIsLetGo() {
    String suspended =
        TASK.replace("command: [is-db, migrate]", "command: [is-db, migrate]\n  suspend: true");
    String edited =
        suspended.replace("command: [is-db, migrate]", "command: [is-db, create-admin-user]");
    String released = edited.replace("suspend: true", "suspend: false");

    assertThat(schemas.updateViolations(CrdSchemas.parse(suspended), CrdSchemas.parse(edited)))
        .as("held: the spec may change")
        .isEmpty();
    assertThat(schemas.updateViolations(CrdSchemas.parse(edited), CrdSchemas.parse(released)))
        .as("letting it go is a change made while held")
        .isEmpty();
    assertThat(
            schemas.updateViolations(
                CrdSchemas.parse(released),
                CrdSchemas.parse(released.replace("create-admin-user", "migrate"))))
        .as("once let go it is immutable again")
        .containsExactly(
            "spec: an OpsTask's spec cannot change: create a new OpsTask to run another command");
    assertThat(
            schemas.updateViolations(
                CrdSchemas.parse(released), CrdSchemas.parse(released.replace("false", "true"))))
        .as("nor can it be held again")
        .containsExactly(
            "spec: an OpsTask's spec cannot change: create a new OpsTask to run another command");
  }

  @Test
  void conditionStatusIsTrueFalseOrUnknown() {
    String withStatus =
        TASK
            + """
            status:
              conditions:
                - {type: Ready, status: "%s", reason: Done, message: ok,
                   lastTransitionTime: "2026-01-01T00:00:00Z"}
            """;
    assertThat(schemas.violations(CrdSchemas.parse(withStatus.formatted("True")))).isEmpty();
    assertThat(schemas.violations(CrdSchemas.parse(withStatus.formatted("Yes"))))
        .singleElement()
        .asString()
        .contains("status.conditions[0].status");
  }
}
