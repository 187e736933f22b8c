package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.Stacks;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * CloudFormation stacks in memory. Tests set them up with {@link #stack}; {@link FakeChangeSets}
 * moves them through an update: UPDATE_IN_PROGRESS for a number of describes (default one), then
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS for {@link #describesInCleanup} describes (default none),
 * then the scripted outcome (default UPDATE_COMPLETE; see {@link #nextUpdateEnds}). Thread-safe.
 *
 * <p>As documented for the API (not as the emulator does it):
 *
 * <ul>
 *   <li>DescribeStacks is called once per stack name, the way the operator reads them
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html:
 *       without StackName it lists every stack of the region, page by page); {@link #readsByStack}
 *       tells which stacks were read how often.
 *   <li>DescribeStackEvents returns events newest first, a page at a time, with a NextToken for
 *       older ones
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html);
 *       each page is one call of {@value #EVENTS_PER_PAGE} events.
 *   <li>An update that is rolled back writes the failed resource's event first, then "Resource
 *       update cancelled" for resources still updating, then one event pair per resource rolled
 *       back, so with enough resources the event that explains the rollback lies beyond the first
 *       page
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html).
 *   <li>A stack policy that denies an update of a resource fails the update of that resource with
 *       "Action denied by stack policy" and rolls the stack back
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html).
 *   <li>Tags given to an update replace the stack's whole tag set; an update without tags keeps
 *       them
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
 *       "Tags";
 *       https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html).
 *   <li>DescribeStacks masks the value of a NoEcho parameter as asterisks ({@link
 *       FakeStack#noEcho}): "the parameter value is masked with asterisks (*****) whenever anyone
 *       makes a call that describes the stack"
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html,
 *       "NoEcho"); {@link FakeStack#info()} shows the value, as CloudFormation knows it. After
 *       {@link #answerNoEchoUnmasked} it answers the value, as moto 5.2.1 does (it compares the
 *       value, not the key, with the template's NoEcho keys), to prove the operator does not rely
 *       on the mask.
 *   <li>The stack's current template declares exactly its parameters, NoEcho as set with {@link
 *       FakeStack#noEcho}: what GetTemplateSummary by StackName answers ({@link
 *       FakeChangeSets#stackTemplateSummary},
 *       https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplateSummary.html).
 * </ul>
 */
public final class FakeStacks implements Stacks {
  public static final String DESCRIBE_STACKS = "CloudFormation.DescribeStacks";
  public static final String DESCRIBE_STACK_EVENTS = "CloudFormation.DescribeStackEvents";
  public static final int EVENTS_PER_PAGE = 100;
  public static final String CANCELLED = "Resource update cancelled";

  private final CallLog calls;
  private final Clock clock;
  private final FakeStackDrift drift;
  private final Map<String, FakeStack> stacks = new LinkedHashMap<>();
  private final Map<String, Outcome> nextOutcome = new HashMap<>();
  private final Map<String, Integer> reads = new LinkedHashMap<>();
  private int describesWhileUpdating = 1;
  private int describesInCleanup;
  private boolean noEchoUnmasked;
  private Consumer<String> timeline = entry -> {};

  public FakeStacks(CallLog calls, Clock clock) {
    this.calls = calls;
    this.clock = clock;
    this.drift = new FakeStackDrift(calls);
  }

  /** Drift detection of these stacks ({@link FakeStackDrift}). */
  public FakeStackDrift drift() {
    return drift;
  }

  @Override
  public String detectDrift(String stackName) {
    return drift.detect(stackName);
  }

  @Override
  public DriftDetection driftDetection(String detectionId) {
    return drift.status(detectionId);
  }

  @Override
  public List<ResourceDrift> resourceDrifts(String stackName) {
    return drift.resources(stackName);
  }

  /** Where stack updates that end are noted ("finished:<stack>:<status>"). */
  synchronized void timeline(Consumer<String> timeline) {
    this.timeline = timeline;
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

  /** Describes during which a finished update stays UPDATE_COMPLETE_CLEANUP_IN_PROGRESS. */
  public synchronized FakeStacks describesInCleanup(int describes) {
    this.describesInCleanup = describes;
    return this;
  }

  /**
   * DescribeStacks answers NoEcho values as they are, as moto 5.2.1 does; AWS masks them
   * (parameters-section-structure.html, "NoEcho").
   */
  public synchronized FakeStacks answerNoEchoUnmasked() {
    this.noEchoUnmasked = true;
    return this;
  }

  /** How often each stack was read by DescribeStacks. */
  public synchronized Map<String, Integer> readsByStack() {
    return Map.copyOf(reads);
  }

  /**
   * The next update of {@code stackName} ends in {@code finalStatus} (UPDATE_ROLLBACK_COMPLETE,
   * UPDATE_ROLLBACK_FAILED, ...) with a resource event {@code UPDATE_FAILED} for {@code logicalId}
   * giving {@code reason}. A rolled back update keeps the previous parameters.
   */
  public FakeStacks nextUpdateEnds(
      String stackName, String finalStatus, String logicalId, String reason) {
    return nextUpdateEnds(stackName, finalStatus, logicalId, "", reason);
  }

  /** {@link #nextUpdateEnds(String, String, String, String)} with the resource's type. */
  public synchronized FakeStacks nextUpdateEnds(
      String stackName, String finalStatus, String logicalId, String resourceType, String reason) {
    nextOutcome.put(stackName, new Outcome(finalStatus, logicalId, resourceType, reason));
    return this;
  }

  @Override
  public Map<String, StackInfo> describe(Collection<String> names) {
    Map<String, StackInfo> result = new LinkedHashMap<>();
    for (String name : new LinkedHashSet<>(names)) {
      calls.call(DESCRIBE_STACKS);
      synchronized (this) {
        reads.merge(name, 1, Integer::sum);
        FakeStack stack = stacks.get(name);
        if (stack != null) {
          stack.advance();
          result.put(name, stack.described());
        }
      }
    }
    return result;
  }

  @Override
  public List<StackEvent> events(String stackName, int max) {
    List<StackEvent> out = new ArrayList<>();
    for (int page = 0; out.size() < max; page++) {
      List<StackEvent> events = page(stackName, page);
      events.stream().limit(max - out.size()).forEach(out::add);
      if (events.size() < EVENTS_PER_PAGE) {
        break;
      }
    }
    return out;
  }

  @Override
  public List<StackEvent> eventsOfLatestUpdate(String stackName) {
    List<StackEvent> out = new ArrayList<>();
    for (int page = 0; page < MAX_EVENT_PAGES; page++) {
      List<StackEvent> events = page(stackName, page);
      for (StackEvent e : events) {
        out.add(e);
        if (e.startsUpdate(stackName)) {
          return out;
        }
      }
      if (events.size() < EVENTS_PER_PAGE) {
        return out;
      }
    }
    return out;
  }

  /** One DescribeStackEvents call: the page-th page of events, newest first. */
  private List<StackEvent> page(String stackName, int page) {
    calls.call(DESCRIBE_STACK_EVENTS);
    synchronized (this) {
      FakeStack stack = stacks.get(stackName);
      if (stack == null) {
        throw CallLog.invalid(DESCRIBE_STACK_EVENTS, "Stack [" + stackName + "] does not exist");
      }
      int from = Math.min(page * EVENTS_PER_PAGE, stack.events.size());
      int to = Math.min(from + EVENTS_PER_PAGE, stack.events.size());
      return List.copyOf(stack.events.subList(from, to));
    }
  }

  /**
   * Starts an update with these parameters and tags (called by {@link FakeChangeSets}); {@code
   * changed} are the logical ids the change set changes.
   */
  synchronized void beginUpdate(
      String name, Map<String, String> parameters, Map<String, String> tags, Set<String> changed) {
    FakeStack stack = stacks.get(name);
    Outcome outcome = nextOutcome.remove(name);
    String denied = changed.stream().filter(stack.policyDenies::contains).findFirst().orElse(null);
    if (denied != null) {
      outcome =
          new Outcome(
              "UPDATE_ROLLBACK_COMPLETE",
              denied,
              stack.resources.getOrDefault(denied, ""),
              "Action denied by stack policy: Statement [#1] does not allow [Update:*] for"
                  + " resource [LogicalResourceId/"
                  + denied
                  + "]");
    }
    stack.update =
        new Update(
            describesWhileUpdating,
            outcome == null ? new Outcome("UPDATE_COMPLETE", null, null, null) : outcome,
            new LinkedHashMap<>(stack.parameters),
            new LinkedHashMap<>(stack.tags),
            changed);
    stack.parameters.clear();
    stack.parameters.putAll(parameters);
    if (tags != null) {
      stack.tags.clear();
      stack.tags.putAll(tags);
    }
    stack.setStatus("UPDATE_IN_PROGRESS", "User Initiated");
    for (String id : changed) {
      stack.resourceEvent(id, "UPDATE_IN_PROGRESS", null);
    }
  }

  private record Outcome(String status, String logicalId, String resourceType, String reason) {}

  private static final class Update {
    int describesLeft;
    int cleanupLeft = -1;
    final Outcome outcome;
    final Map<String, String> previousParameters;
    final Map<String, String> previousTags;
    final Set<String> changed;

    Update(
        int describes,
        Outcome outcome,
        Map<String, String> params,
        Map<String, String> tags,
        Set<String> changed) {
      this.describesLeft = describes;
      this.outcome = outcome;
      this.previousParameters = params;
      this.previousTags = tags;
      this.changed = changed;
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
    private final Map<String, String> resources = new LinkedHashMap<>();
    private final Set<String> policyDenies = new LinkedHashSet<>();
    private final Set<String> noEcho = new LinkedHashSet<>();
    private final Map<String, String> restoredBy = new LinkedHashMap<>();
    private final List<StackEvent> events = new ArrayList<>();
    private Update update;
    private int settleAfter = -1;
    private String settlesTo;

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

    /** The stack is {@code status} for {@code describes} describes, then {@code then}. */
    public FakeStack statusFor(String status, int describes, String then) {
      synchronized (FakeStacks.this) {
        setStatus(status, null);
        settleAfter = describes;
        settlesTo = then;
      }
      return this;
    }

    public FakeStack parameter(String key, String value) {
      synchronized (FakeStacks.this) {
        parameters.put(key, value);
      }
      return this;
    }

    /**
     * A NoEcho parameter: DescribeStacks shows its value as {@code ****}, whatever it is
     * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html,
     * "NoEcho").
     */
    public FakeStack noEchoParameter(String key, String value) {
      synchronized (FakeStacks.this) {
        parameters.put(key, value);
      }
      return noEcho(key);
    }

    /** The parameter {@code key} is NoEcho in the stack's template: DescribeStacks masks it. */
    public FakeStack noEcho(String key) {
      synchronized (FakeStacks.this) {
        noEcho.add(key);
      }
      return this;
    }

    /**
     * The parameters the stack's current template declares: its parameters, NoEcho as set with
     * {@link #noEcho}.
     */
    List<TemplateParameter> declared() {
      synchronized (FakeStacks.this) {
        return parameters.keySet().stream()
            .map(k -> new TemplateParameter(k, null, noEcho.contains(k), null))
            .toList();
      }
    }

    /**
     * What DescribeStacks answers: {@link #info()} with NoEcho values masked (unless {@link
     * #answerNoEchoUnmasked}).
     */
    StackInfo described() {
      StackInfo info = info();
      if (noEchoUnmasked) {
        return info;
      }
      Map<String, String> shown = new LinkedHashMap<>(info.parameters());
      noEcho.forEach(key -> shown.computeIfPresent(key, (k, v) -> "****"));
      return new StackInfo(
          info.name(),
          info.stackId(),
          info.status(),
          info.statusReason(),
          info.lastUpdated(),
          Map.copyOf(shown),
          info.outputs(),
          info.tags());
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

    /**
     * A resource of the stack: tags on the stack propagate to it, and an update rolled back rolls
     * it back (two events each).
     */
    public FakeStack resource(String logicalId, String resourceType) {
      synchronized (FakeStacks.this) {
        resources.put(logicalId, resourceType);
      }
      return this;
    }

    /**
     * The resource was restored from the snapshot that {@code parameter} names (its current value):
     * a change set passing another value, or none, replaces it with a new, empty database
     * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html,
     * "SnapshotIdentifier").
     */
    public FakeStack restoredFromSnapshot(String logicalId, String resourceType, String parameter) {
      synchronized (FakeStacks.this) {
        resources.put(logicalId, resourceType);
        restoredBy.put(logicalId, parameter);
      }
      return this;
    }

    /** Replacements a change set with {@code parameters} causes by a changed snapshot id. */
    List<ResourceChange> restoreChanges(
        Map<String, String> parameters, List<ResourceChange> scripted) {
      List<ResourceChange> out = new ArrayList<>();
      restoredBy.forEach(
          (id, parameter) -> {
            String now = this.parameters.get(parameter);
            String next = parameters.get(parameter);
            boolean listed = scripted.stream().anyMatch(c -> id.equals(c.logicalId()));
            if (!listed && now != null && !now.isEmpty() && !now.equals(next)) {
              // The snapshot property needs replacement when it changes (aws-resource-rds-
              // dbcluster.html "SnapshotIdentifier", aws-resource-rds-dbinstance.html
              // "DBSnapshotIdentifier": "Update requires: Replacement"), hence Always.
              String property =
                  "AWS::RDS::DBCluster".equals(resources.get(id))
                      ? "SnapshotIdentifier"
                      : "DBSnapshotIdentifier";
              out.add(
                  new ResourceChange(
                      "Modify",
                      id,
                      id.toLowerCase(),
                      resources.get(id),
                      "True",
                      List.of(FakeChangeSets.parameterReference(property, parameter, "Always"))));
            }
          });
      return out;
    }

    /** The stack's policy denies every update of this resource ({@code Deny Update:*}). */
    public FakeStack policyDeniesUpdatesOf(String logicalId) {
      synchronized (FakeStacks.this) {
        policyDenies.add(logicalId);
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

    /** The stack's resources, logical id to type. */
    public Map<String, String> resources() {
      synchronized (FakeStacks.this) {
        return Map.copyOf(resources);
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

    private void resourceEvent(String logicalId, String resourceStatus, String reason) {
      events.add(
          0,
          new StackEvent(
              clock.instant(),
              logicalId,
              resources.getOrDefault(logicalId, ""),
              resourceStatus,
              reason));
    }

    private void advance() {
      if (update == null && settleAfter >= 0 && settleAfter-- == 0) {
        settleAfter = -1;
        setStatus(settlesTo, null);
        return;
      }
      if (update == null || update.describesLeft-- > 0) {
        return;
      }
      Outcome outcome = update.outcome;
      boolean rollback = outcome.status().startsWith("UPDATE_ROLLBACK");
      if (!rollback && update.cleanupLeft < 0 && describesInCleanup > 0) {
        update.cleanupLeft = describesInCleanup;
        setStatus("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", null);
        return;
      }
      if (update.cleanupLeft > 0 && update.cleanupLeft-- > 0) {
        return;
      }
      if (outcome.logicalId() != null) {
        events.add(
            0,
            new StackEvent(
                clock.instant(),
                outcome.logicalId(),
                outcome.resourceType(),
                "UPDATE_FAILED",
                outcome.reason()));
        for (String id : update.changed) {
          if (!id.equals(outcome.logicalId())) {
            resourceEvent(id, "UPDATE_FAILED", CANCELLED);
          }
        }
      }
      if (rollback) {
        setStatus(
            "UPDATE_ROLLBACK_IN_PROGRESS",
            outcome.logicalId() == null
                ? null
                : "The following resource(s) failed to update: [" + outcome.logicalId() + "].");
        for (String id : resources.keySet()) {
          resourceEvent(id, "UPDATE_IN_PROGRESS", null);
          resourceEvent(id, "UPDATE_COMPLETE", null);
        }
        setStatus("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", null);
        parameters.clear();
        parameters.putAll(update.previousParameters);
        tags.clear();
        tags.putAll(update.previousTags);
      }
      update = null;
      setStatus(outcome.status(), outcome.logicalId() == null ? null : outcome.reason());
      timeline.accept("finished:" + name + ":" + outcome.status());
    }
  }
}
