package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.AwsException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every call the fakes received, by operation name ("ECS.RunTask",
 * "CloudFormation.CreateChangeSet"), and the failures tests inject. Shared by all fakes of one
 * {@link FakeAws}, so a test can say "no mutating call was made" across services. Thread-safe.
 */
public final class CallLog {
  /** Same rule as the SDK call metrics: operations with these prefixes change something on AWS. */
  private static final String[] MUTATING = {
    "Create", "Run", "Execute", "Delete", "Stop", "Send", "Update", "Put", "Cancel", "Register"
  };

  private final List<String> calls = new ArrayList<>();
  private final Map<String, Deque<AwsException>> queued = new HashMap<>();
  private final Map<String, AwsException> always = new HashMap<>();

  /**
   * Records a call of {@code operation}, then throws the failure injected for it, if any. A failed
   * call is still recorded: AWS received it.
   */
  public synchronized void call(String operation) {
    calls.add(operation);
    Deque<AwsException> next = queued.get(operation);
    if (next != null && !next.isEmpty()) {
      throw next.poll();
    }
    AwsException failure = always.get(operation);
    if (failure != null) {
      throw failure;
    }
  }

  /** How many times {@code operation} was called. */
  public synchronized int count(String operation) {
    return (int) calls.stream().filter(operation::equals).count();
  }

  /** Every call, in order. */
  public synchronized List<String> all() {
    return List.copyOf(calls);
  }

  /** The calls that change something on AWS, in order. */
  public synchronized List<String> mutatingCalls() {
    return calls.stream().filter(CallLog::isMutating).toList();
  }

  /** Forgets the calls (not the injected failures). */
  public synchronized void clear() {
    calls.clear();
  }

  /** The next call of {@code operation} throws {@code failure}. */
  public void failNext(String operation, AwsException failure) {
    failTimes(operation, 1, failure);
  }

  /** The next {@code times} calls of {@code operation} throw {@code failure}. */
  public synchronized void failTimes(String operation, int times, AwsException failure) {
    Deque<AwsException> next = queued.computeIfAbsent(operation, k -> new ArrayDeque<>());
    for (int i = 0; i < times; i++) {
      next.add(failure);
    }
  }

  /** Every call of {@code operation} throws {@code failure} until {@link #clearFailures()}. */
  public synchronized void failAlways(String operation, AwsException failure) {
    always.put(operation, failure);
  }

  public synchronized void clearFailures() {
    queued.clear();
    always.clear();
  }

  public static boolean isMutating(String operation) {
    String name = operation.substring(operation.indexOf('.') + 1);
    for (String prefix : MUTATING) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Throttling, as AWS answers under load. */
  public static AwsException throttling(String operation) {
    return new AwsException(
        AwsException.Kind.RETRYABLE, operation, "ThrottlingException", "Rate exceeded");
  }

  /** An IAM denial. */
  public static AwsException accessDenied(String operation) {
    return new AwsException(
        AwsException.Kind.ACCESS_DENIED,
        operation,
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/ttes-operator/op is not authorized to perform"
            + " this operation");
  }

  /** A rejection of the input. */
  public static AwsException invalid(String operation, String message) {
    return new AwsException(
        AwsException.Kind.INVALID_INPUT, operation, "InvalidParameterException", message);
  }

  /** A missing resource. */
  public static AwsException notFound(String operation, String message) {
    return new AwsException(AwsException.Kind.NOT_FOUND, operation, "NotFound", message);
  }
}
