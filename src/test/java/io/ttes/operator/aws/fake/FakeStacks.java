package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.Stacks;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudFormation stacks in memory. Tests set them up with {@link #stack}; {@link FakeChangeSets}
 * moves them through an update: UPDATE_IN_PROGRESS for a number of describes (default one), then
 * the scripted outcome (default UPDATE_COMPLETE; see {@link #nextUpdateEnds}). Thread-safe.
 */
public final class FakeStacks implements Stacks {
  public static final String DESCRIBE_STACKS = "CloudFormation.DescribeStacks";
  public static final String DESCRIBE_STACK_EVENTS = "CloudFormation.DescribeStackEvents";

  private final CallLog calls;
  private final Clock clock;
  private final Map<String, FakeStack> stacks = new LinkedHashMap<>();
  private final Map<String, Outcome> nextOutcome = new HashMap<>();
  private int describesWhileUpdating = 1;

  public FakeStacks(CallLog calls, Clock clock) {
    this.calls = calls;
    this.clock = clock;
  }

  /** The stack of that name, created (CREATE_COMPLETE, no parameters) when new. */
  public synchronized FakeStack stack(String name) {
    return stacks.computeIfAbsent(name, FakeStack::new);
  }

  public synchronized void remove(String name) {
    stacks.remove(name);
  }

  public synchronized boolean exists(String name) {
    return stacks.containsKey(name);
  }

  /** Describes during which an update stays UPDATE_IN_PROGRESS. */
  public synchronized FakeStacks describesWhileUpdating(int describes) {
    this.describesWhileUpdating = describes;
    return this;
  }

  /**
   * The next update of {@code stackName} ends in {@code finalStatus} (UPDATE_ROLLBACK_COMPLETE,
   * UPDATE_ROLLBACK_FAILED, ...) with a resource event {@code UPDATE_FAILED} for {@code logicalId}
   * giving {@code reason}. A rolled back update keeps the previous parameters.
   */
  public synchronized FakeStacks nextUpdateEnds(
      String stackName, String finalStatus, String logicalId, String reason) {
    nextOutcome.put(stackName, new Outcome(finalStatus, logicalId, reason));
    return this;
  }

  @Override
  public Map<String, StackInfo> describe(Collection<String> names) {
    calls.call(DESCRIBE_STACKS);
    synchronized (this) {
      Map<String, StackInfo> result = new LinkedHashMap<>();
      for (String name : names) {
        FakeStack stack = stacks.get(name);
        if (stack != null) {
          stack.advance();
          result.put(name, stack.info());
        }
      }
      return result;
    }
  }

  @Override
  public List<StackEvent> events(String stackName, int max) {
    calls.call(DESCRIBE_STACK_EVENTS);
    synchronized (this) {
      FakeStack stack = stacks.get(stackName);
      if (stack == null) {
        throw CallLog.invalid(DESCRIBE_STACK_EVENTS, "Stack [" + stackName + "] does not exist");
      }
      return List.copyOf(stack.events.subList(0, Math.min(max, stack.events.size())));
    }
  }

  /** Starts an update with these parameters and tags (called by {@link FakeChangeSets}). */
  synchronized void beginUpdate(
      String name, Map<String, String> parameters, Map<String, String> tags) {
    FakeStack stack = stacks.get(name);
    Outcome outcome = nextOutcome.remove(name);
    stack.update =
        new Update(
            describesWhileUpdating,
            outcome == null ? new Outcome("UPDATE_COMPLETE", null, null) : outcome,
            new LinkedHashMap<>(stack.parameters),
            new LinkedHashMap<>(stack.tags));
    stack.parameters.clear();
    stack.parameters.putAll(parameters);
    if (tags != null) {
      stack.tags.putAll(tags);
    }
    stack.setStatus("UPDATE_IN_PROGRESS", "User Initiated");
  }

  private record Outcome(String status, String logicalId, String reason) {}

  private static final class Update {
    int describesLeft;
    final Outcome outcome;
    final Map<String, String> previousParameters;
    final Map<String, String> previousTags;

    Update(int describes, Outcome outcome, Map<String, String> params, Map<String, String> tags) {
      this.describesLeft = describes;
      this.outcome = outcome;
      this.previousParameters = params;
      this.previousTags = tags;
    }
  }

  /** One stack; setters return it for chaining. */
  public final class FakeStack {
    private final String name;
    private final String stackId;
    private String status = "CREATE_COMPLETE";
    private String statusReason;
    private Instant lastUpdated;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Map<String, String> outputs = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final List<StackEvent> events = new ArrayList<>();
    private Update update;

    private FakeStack(String name) {
      this.name = name;
      this.stackId =
          "arn:aws:cloudformation:eu-west-1:123456789012:stack/"
              + name
              + "/"
              + String.format("%08x-0000-4000-8000-000000000000", name.hashCode());
      this.lastUpdated = clock.instant();
    }

    public FakeStack status(String status) {
      synchronized (FakeStacks.this) {
        setStatus(status, null);
      }
      return this;
    }

    public FakeStack parameter(String key, String value) {
      synchronized (FakeStacks.this) {
        parameters.put(key, value);
      }
      return this;
    }

    public FakeStack output(String key, String value) {
      synchronized (FakeStacks.this) {
        outputs.put(key, value);
      }
      return this;
    }

    public FakeStack tag(String key, String value) {
      synchronized (FakeStacks.this) {
        tags.put(key, value);
      }
      return this;
    }

    /** Adds an event as the newest. */
    public FakeStack event(String logicalId, String resourceType, String status, String reason) {
      synchronized (FakeStacks.this) {
        events.add(0, new StackEvent(clock.instant(), logicalId, resourceType, status, reason));
      }
      return this;
    }

    /** The stack as DescribeStacks would say now, without recording a call. */
    public StackInfo info() {
      synchronized (FakeStacks.this) {
        return new StackInfo(
            name,
            stackId,
            status,
            statusReason,
            lastUpdated,
            Map.copyOf(parameters),
            Map.copyOf(outputs),
            Map.copyOf(tags));
      }
    }

    public String name() {
      return name;
    }

    private void setStatus(String newStatus, String reason) {
      status = newStatus;
      statusReason = reason;
      lastUpdated = clock.instant();
      events.add(
          0, new StackEvent(lastUpdated, name, "AWS::CloudFormation::Stack", newStatus, reason));
    }

    private void advance() {
      if (update == null || update.describesLeft-- > 0) {
        return;
      }
      Outcome outcome = update.outcome;
      if (outcome.logicalId() != null) {
        events.add(
            0,
            new StackEvent(
                clock.instant(), outcome.logicalId(), "", "UPDATE_FAILED", outcome.reason()));
      }
      if (outcome.status().startsWith("UPDATE_ROLLBACK")) {
        parameters.clear();
        parameters.putAll(update.previousParameters);
        tags.clear();
        tags.putAll(update.previousTags);
      }
      update = null;
      setStatus(outcome.status(), outcome.logicalId() == null ? null : outcome.reason());
    }
  }
}
