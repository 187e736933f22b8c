package io.ttes.operator.cluster;

import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code OpsRunTaskArguments} output of the 5-2-ecs-ops stack: five space-separated words,
 * {@code TASK_DEFINITION CLUSTER_NAME SUBNET_ONE SUBNET_TWO SECURITY_GROUP}: where every ops task
 * runs (docs/runbook.md, "The ops task target").
 */
public record OpsRunTaskArguments(
    String taskDefinition, String cluster, List<String> subnets, List<String> securityGroups) {
  private static final Pattern SUBNET = Pattern.compile("^subnet-[0-9a-f]{8,17}$");
  private static final Pattern SECURITY_GROUP = Pattern.compile("^sg-[0-9a-f]{8,17}$");
  private static final Pattern NAME_OR_ARN = Pattern.compile("^[-a-zA-Z0-9_:/.]{1,255}$");

  /**
   * Parses the output value; {@code field} names where it came from for the error message.
   *
   * @throws SpecProblem with reason OpsOutputMissing or OpsOutputMalformed
   */
  public static OpsRunTaskArguments parse(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new SpecProblem(
          Reasons.OPS_OUTPUT_MISSING, field, "the ops stack has no such output, or it is empty");
    }
    String[] words = value.trim().split("\\s+");
    if (words.length != 5) {
      throw new SpecProblem(
          Reasons.OPS_OUTPUT_MALFORMED,
          field,
          "expected 5 words 'TASK_DEFINITION CLUSTER_NAME SUBNET_ONE SUBNET_TWO SECURITY_GROUP',"
              + " found "
              + words.length);
    }
    check(NAME_OR_ARN, words[0], field, "task definition");
    check(NAME_OR_ARN, words[1], field, "cluster name");
    check(SUBNET, words[2], field, "first subnet");
    check(SUBNET, words[3], field, "second subnet");
    check(SECURITY_GROUP, words[4], field, "security group");
    return new OpsRunTaskArguments(
        words[0], words[1], List.of(words[2], words[3]), List.of(words[4]));
  }

  private static void check(Pattern pattern, String word, String field, String what) {
    if (!pattern.matcher(word).matches()) {
      throw new SpecProblem(
          Reasons.OPS_OUTPUT_MALFORMED,
          field,
          "the " + what + " '" + abbreviate(word) + "' is not valid");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
