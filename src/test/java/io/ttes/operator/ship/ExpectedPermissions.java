package io.ttes.operator.ship;

import java.util.List;
import java.util.Set;

/**
 * Every Kubernetes and AWS permission the operator needs, and nothing more. The chart's RBAC and
 * deploy/iam-policy.json are checked against these lists; whoever adds an API call to the operator
 * adds it here first, and the tests then say which file to change.
 */
final class ExpectedPermissions {
  private ExpectedPermissions() {}

  static final String GROUP = "ops.ttes.io";
  static final List<String> KINDS =
      List.of("TTESCluster", "StackUpgrade", "TenantBootstrap", "OpsTask");
  static final List<String> PLURALS =
      List.of("ttesclusters", "stackupgrades", "tenantbootstraps", "opstasks");

  /** One allowed (apiGroup, resource, verb, resourceName) in a watched namespace; "" = any name. */
  record Rule(String apiGroup, String resource, String verb, String resourceName) {
    @Override
    public String toString() {
      return (apiGroup.isEmpty() ? "core" : apiGroup)
          + "/"
          + resource
          + " "
          + verb
          + (resourceName.isEmpty() ? "" : " [" + resourceName + "]");
    }
  }

  /** Rules granted where the custom resources live (cluster-wide, or per watched namespace). */
  static Set<Rule> watchedNamespaceRules() {
    var rules = new java.util.LinkedHashSet<Rule>();
    for (String plural : PLURALS) {
      for (String verb : List.of("get", "list", "watch", "patch", "update")) {
        rules.add(new Rule(GROUP, plural, verb, ""));
      }
      for (String verb : List.of("get", "patch", "update")) {
        rules.add(new Rule(GROUP, plural + "/status", verb, ""));
      }
      rules.add(new Rule(GROUP, plural + "/finalizers", "update", ""));
    }
    // StackUpgrade and TenantBootstrap own the OpsTasks they create.
    rules.add(new Rule(GROUP, "opstasks", "create", ""));
    rules.add(new Rule(GROUP, "opstasks", "delete", ""));
    rules.add(new Rule("", "secrets", "get", ""));
    for (String verb : List.of("create", "get", "update", "patch")) {
      rules.add(new Rule("", "events", verb, ""));
    }
    // A StackUpgrade writes its plan to the ConfigMap <name>-plan it owns, and watches those
    // labelled with their upgrade to write one deleted by hand again.
    for (String verb : List.of("get", "list", "watch", "create", "update", "patch")) {
      rules.add(new Rule("", "configmaps", verb, ""));
    }
    return Set.copyOf(rules);
  }

  /** Rules granted in the release namespace only, for the leader-election Lease. */
  static Set<Rule> leaseRules(String leaseName) {
    return Set.of(
        new Rule("coordination.k8s.io", "leases", "create", ""),
        new Rule("coordination.k8s.io", "leases", "get", leaseName),
        new Rule("coordination.k8s.io", "leases", "update", leaseName));
  }

  /** Every AWS action the operator calls (IAM action names). */
  static final Set<String> AWS_ACTIONS =
      Set.of(
          "cloudformation:DescribeStacks",
          "cloudformation:DescribeStackEvents",
          "cloudformation:DetectStackDrift",
          "cloudformation:DescribeStackDriftDetectionStatus",
          "cloudformation:DescribeStackResourceDrifts",
          "cloudformation:GetTemplateSummary",
          "cloudformation:CreateChangeSet",
          "cloudformation:DescribeChangeSet",
          "cloudformation:ExecuteChangeSet",
          "cloudformation:DeleteChangeSet",
          "ecs:RunTask",
          "ecs:DescribeTasks",
          "ecs:ListTasks",
          "ecs:StopTask",
          "ecs:DescribeTaskDefinition",
          "iam:PassRole",
          "ssm:SendCommand",
          "ssm:ListCommands",
          "ssm:GetCommandInvocation",
          "ssm:CancelCommand",
          "logs:GetLogEvents",
          "rds:CreateDBClusterSnapshot",
          "rds:DescribeDBClusterSnapshots",
          "rds:CreateDBSnapshot",
          "rds:DescribeDBSnapshots",
          "elasticache:CreateSnapshot",
          "elasticache:DescribeSnapshots",
          "ec2:CreateSnapshot",
          "ec2:DescribeSnapshots",
          "ec2:CreateTags",
          "secretsmanager:GetSecretValue",
          "sts:AssumeRole");

  /**
   * Actions for which AWS supports no resource-level scoping (or the call is evaluated against "*"
   * whenever it is made without a resource), so the policy may grant them on Resource "*".
   */
  static final Set<String> UNSCOPABLE_AWS_ACTIONS =
      Set.of(
          "cloudformation:GetTemplateSummary",
          "cloudformation:DescribeStackDriftDetectionStatus",
          "ecs:DescribeTaskDefinition",
          "ecs:ListTasks",
          "ssm:ListCommands",
          "ssm:GetCommandInvocation",
          "ssm:CancelCommand",
          "ec2:DescribeSnapshots",
          "rds:DescribeDBClusterSnapshots",
          "rds:DescribeDBSnapshots",
          "elasticache:DescribeSnapshots");
}
