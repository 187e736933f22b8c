package io.ttes.operator.upgrade;

import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;

/**
 * What a complete change set's ExecutionStatus means for the step about to execute it
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html):
 * AVAILABLE can be executed; UNAVAILABLE cannot yet (still being created, or its stack is in an
 * *_IN_PROGRESS state such as UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), so the step waits; OBSOLETE
 * (the stack was updated since) and EXECUTE_FAILED (executed, rolled back) can never be executed,
 * so the change set is re-planned just in time; EXECUTE_IN_PROGRESS / EXECUTE_COMPLETE were
 * executed already, and the step follows the stack.
 */
enum ExecutionReadiness {
  EXECUTE,
  WAIT,
  REPLAN,
  EXECUTED;

  /** The Reconciling message while a change set cannot be executed yet. */
  static String waiting(ChangeSetInfo cs) {
    return "change set "
        + cs.name()
        + " is "
        + cs.executionStatus()
        + " (stack "
        + cs.stackName()
        + " is busy or the change set is not ready); waiting";
  }

  static ExecutionReadiness of(ChangeSetInfo cs) {
    String s = cs.executionStatus();
    if (s == null) {
      return WAIT;
    }
    return switch (s) {
      case "AVAILABLE" -> EXECUTE;
      case "EXECUTE_IN_PROGRESS", "EXECUTE_COMPLETE" -> EXECUTED;
      case "OBSOLETE", "EXECUTE_FAILED" -> REPLAN;
      default -> WAIT;
    };
  }
}
