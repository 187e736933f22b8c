package io.ttes.operator.status;

/** Condition reasons shared across kinds; the README's troubleshooting table explains each. */
public final class Reasons {
  // Spec problems (Stalled).
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String CLUSTER_NOT_FOUND = "ClusterNotFound";
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String SECRET_KEY_NOT_FOUND = "SecretKeyNotFound";
  public static final String STACK_NOT_FOUND = "StackNotFound";
  public static final String OPS_OUTPUT_MISSING = "OpsOutputMissing";
  public static final String OPS_OUTPUT_MALFORMED = "OpsOutputMalformed";
  public static final String PLATFORM_MISMATCH = "PlatformMismatch";
  public static final String ACCESS_DENIED = "AccessDenied";
  public static final String AWS_REJECTED = "AwsRejected";
  public static final String IMMUTABLE_SPEC = "ImmutableSpec";
  public static final String SECRETS_MANAGER_SECRET_NOT_FOUND = "SecretsManagerSecretNotFound";
  public static final String SECRETS_MANAGER_SECRET_INVALID = "SecretsManagerSecretInvalid";

  // Progress (Reconciling).
  public static final String WAITING_FOR_CLUSTER = "WaitingForCluster";
  public static final String WAITING_FOR_SLOT = "WaitingForSlot";
  public static final String STARTING = "Starting";
  public static final String RUNNING = "Running";
  public static final String STACKS_IN_PROGRESS = "StacksInProgress";
  public static final String AWS_UNAVAILABLE = "AwsUnavailable";
  public static final String KUBERNETES_API_UNAVAILABLE = "KubernetesApiUnavailable";
  public static final String RECONCILE_ERROR = "ReconcileError";
  public static final String WAITING_FOR_CLUSTER_STEPS = "WaitingForClusterSteps";
  public static final String STEP_RUNNING = "StepRunning";

  // Results.
  public static final String COMPLETED = "Completed";
  public static final String STACKS_STABLE = "StacksStable";
  public static final String NON_ZERO_EXIT = "NonZeroExit";
  public static final String TIMEOUT = "Timeout";
  public static final String STOPPED_BY_AWS = "StoppedByAws";
  public static final String STACK_FAILED = "StackFailed";
  public static final String STEP_FAILED = "StepFailed";
  public static final String BOOTSTRAPPED = "Bootstrapped";

  // CloudFormation as documented (StackUpgrade): a stack policy that denies the update, a plan
  // that would change a sticky snapshot parameter, a just-in-time change set that differs from the
  // approved plan.
  public static final String STACK_POLICY_DENIED = "StackPolicyDenied";
  public static final String SNAPSHOT_PARAMETER_CHANGED = "SnapshotParameterChanged";
  public static final String PLAN_CHANGED = "PlanChanged";

  private Reasons() {}

  // OpsTask against AWS as documented (ECS MISSING, RunTask failures[], SSM invocations).
  /** DescribeTasks answered MISSING: the task stopped over an hour ago; its result is unknown. */
  public static final String TASK_MISSING = "TaskMissing";

  /** RunTask answered failures[] that do not go away by waiting (MISSING, ATTRIBUTE, ...). */
  public static final String RUN_TASK_FAILED = "RunTaskFailed";

  /** RunTask answered failures[] of capacity (RESOURCE:*, AGENT): retried with backoff. */
  public static final String WAITING_FOR_CAPACITY = "WaitingForCapacity";

  /** SSM never showed an invocation of the command on the instance within the grace period. */
  public static final String INVOCATION_NOT_FOUND = "InvocationNotFound";
}
