package io.ttes.operator.aws.sdk;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts every AWS call by service, operation and outcome ({@code ttes.aws.calls}) and the HTTP
 * attempts the SDK's retry strategy added ({@code ttes.aws.retries}). One instance is registered on
 * every client, so the counts are what the operator costs on AWS.
 */
public final class AwsCallMetrics implements ExecutionInterceptor {
  public static final String CALLS = "ttes.aws.calls";
  public static final String RETRIES = "ttes.aws.retries";

  private static final ExecutionAttribute<AtomicInteger> ATTEMPTS =
      new ExecutionAttribute<>("ttes.aws.attempts");

  /** Prefixes of operations that change something on AWS. */
  private static final String[] MUTATING = {
    "Create", "Run", "Execute", "Delete", "Stop", "Send", "Update", "Put", "Cancel", "Register"
  };

  private final MeterRegistry registry;
  private final Map<String, LongAdder> byOperation = new ConcurrentHashMap<>();

  public AwsCallMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void beforeExecution(
      Context.BeforeExecution context, ExecutionAttributes executionAttributes) {
    executionAttributes.putAttribute(ATTEMPTS, new AtomicInteger());
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    AtomicInteger attempts = executionAttributes.getAttribute(ATTEMPTS);
    if (attempts != null) {
      attempts.incrementAndGet();
    }
  }

  @Override
  public void afterExecution(
      Context.AfterExecution context, ExecutionAttributes executionAttributes) {
    record(executionAttributes, "success");
  }

  @Override
  public void onExecutionFailure(
      Context.FailedExecution context, ExecutionAttributes executionAttributes) {
    record(executionAttributes, outcome(context.exception()));
  }

  static String outcome(Throwable e) {
    if (e instanceof SdkServiceException se) {
      if (AwsErrors.isThrottling(se)) {
        return "throttled";
      }
      return se.statusCode() >= 500 ? "server_error" : "client_error";
    }
    return "network_error";
  }

  private void record(ExecutionAttributes attributes, String outcome) {
    String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    service = service == null ? "unknown" : service;
    operation = operation == null ? "unknown" : operation;
    Counter.builder(CALLS)
        .tag("service", service)
        .tag("operation", operation)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    byOperation.computeIfAbsent(service + "." + operation, k -> new LongAdder()).increment();
    AtomicInteger attempts = attributes.getAttribute(ATTEMPTS);
    int retries = attempts == null ? 0 : attempts.get() - 1;
    if (retries > 0) {
      Counter.builder(RETRIES)
          .tag("service", service)
          .tag("operation", operation)
          .register(registry)
          .increment(retries);
    }
  }

  /** Calls made so far, keyed "Service.Operation", sorted by key. */
  public Map<String, Long> callsByOperation() {
    Map<String, Long> result = new TreeMap<>();
    byOperation.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  /** Calls whose operation changes something (Create*, Run*, Delete*, ...). */
  public long mutatingCalls() {
    long total = 0;
    for (Map.Entry<String, LongAdder> e : byOperation.entrySet()) {
      String operation = e.getKey().substring(e.getKey().indexOf('.') + 1);
      if (isMutating(operation)) {
        total += e.getValue().sum();
      }
    }
    return total;
  }

  static boolean isMutating(String operation) {
    for (String prefix : MUTATING) {
      if (operation.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
