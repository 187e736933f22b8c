package io.ttes.operator.aws;

import io.ttes.operator.aws.Stacks.StackInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the operator last read of each stack, whoever read it, and when it last executed a change
 * set on it: kept in memory for the whole process (a restart starts empty).
 *
 * <p>Why: a TTESCluster and the StackUpgrade that holds it read the same stacks. The cluster used
 * to read all of them again when the upgrade took its lock and when it released it (it could not
 * know which ones the upgrade would move), 2 × 26 DescribeStacks per 26-stack upgrade, while the
 * upgrade had just read the stacks it moved. With every reading and every ExecuteChangeSet seen
 * here, a reader can tell which of its stacks may have moved since its last look: those read in
 * motion, and those a change set was executed on after their latest reading. The others are as last
 * read, by anyone.
 *
 * <p>It is the AWS factory the operator's kinds use, around the real one, so nothing needs to
 * remember to report: every DescribeStacks answer and every ExecuteChangeSet passes through here,
 * and a reader of the readings is handed this factory itself (it cannot hold readings of another).
 */
public final class StackReadings implements AwsServicesFactory {
  /** One stack as read, and when the read was sent (before the answer came). */
  public record Reading(StackInfo stack, Instant readAt) {}

  private record Key(AwsTarget target, String stack) {}

  private record ChangeSetKey(AwsTarget target, String stack, String changeSet) {}

  private record TemplateKey(AwsTarget target, String url) {}

  /**
   * The template a change set we executed brings to its stack. {@code before} is the stack's last
   * update time as last read before the execution; {@code lastUpdated} the one of the first
   * UPDATE_COMPLETE reading after it that shows a newer update (null until then).
   */
  private record Executed(
      Instant at, ChangeSets.TemplateSummary summary, Instant before, Instant lastUpdated) {}

  /** Template summaries kept for change sets not yet executed: a few upgrades' worth. */
  static final int KEPT_SUMMARIES = 256;

  private final AwsServicesFactory delegate;
  private final Clock clock;
  private final Map<AwsTarget, AwsServices> wrapped = new ConcurrentHashMap<>();
  private final Map<Key, Reading> latest = new ConcurrentHashMap<>();
  private final Map<Key, Instant> executedAt = new ConcurrentHashMap<>();
  private final Map<Key, Executed> executedTemplate = new ConcurrentHashMap<>();
  private final Map<TemplateKey, ChangeSets.TemplateSummary> summaries = bounded();
  private final Map<ChangeSetKey, ChangeSets.TemplateSummary> changeSetTemplates = bounded();

  /** Records what passes through {@code delegate}'s services. */
  public StackReadings(AwsServicesFactory delegate, Clock clock) {
    this.delegate = delegate;
    this.clock = clock;
  }

  @Override
  public AwsServices forTarget(AwsTarget target) {
    return wrapped.computeIfAbsent(target, t -> new RecordedServices(t, delegate.forTarget(t)));
  }

  @Override
  public void close() {
    delegate.close();
  }

  /** The latest reading of the stack; empty when none was taken or it was not found. */
  public Optional<Reading> latest(AwsTarget target, String stack) {
    return Optional.ofNullable(latest.get(new Key(target, stack)));
  }

  /**
   * Whether the stack may have changed since its latest reading by this operator: never read, read
   * in motion (*_IN_PROGRESS), or a change set was executed on it after that reading was sent. A
   * stack in motion that someone read, or executed a change set on, less than {@code within} ago
   * counts as known: whoever moves a stack follows it (an upgrade reads the stack it updates at
   * every poll), so other readers take those readings instead of reading it too.
   */
  public boolean mayHaveMoved(AwsTarget target, String stack, Duration within) {
    Key key = new Key(target, stack);
    Reading r = latest.get(key);
    if (r == null) {
      return true;
    }
    Instant executed = executedAt.get(key);
    boolean executedSince = executed != null && !r.readAt().isAfter(executed);
    if (!r.stack().inProgress() && !executedSince) {
      return false;
    }
    Instant lastSeen = executedSince ? executed : r.readAt();
    return !clock.instant().isBefore(lastSeen.plus(within));
  }

  /**
   * The summary of the template the stack runs, when this process knows it without asking: a change
   * set it created from a template whose summary it read was executed on the stack, the stack's
   * latest reading is the UPDATE_COMPLETE that followed, and no update came after it (its last
   * update time is the one first read after the execution). Empty otherwise (rolled back, updated
   * outside the operator since, or nothing known): ask GetTemplateSummary by stack name. The last
   * update time is what tells one update from the next: AWS returns {@code LastUpdatedTime} for
   * every stack updated at least once
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html); an answer
   * without it (moto 5.2.1 leaves it out after some change set executions) is never taken as the
   * update's end, so AWS is asked.
   */
  Optional<ChangeSets.TemplateSummary> runningTemplate(AwsTarget target, String stack) {
    Key key = new Key(target, stack);
    Executed e = executedTemplate.get(key);
    Reading r = latest.get(key);
    if (e == null
        || e.lastUpdated() == null
        || r == null
        || !"UPDATE_COMPLETE".equals(r.stack().status())
        || !e.lastUpdated().equals(r.stack().lastUpdated())) {
      return Optional.empty();
    }
    return Optional.of(e.summary());
  }

  void read(
      AwsTarget target, Collection<String> names, Instant sentAt, Map<String, StackInfo> got) {
    for (String name : names) {
      Key key = new Key(target, name);
      StackInfo info = got.get(name);
      if (info == null) {
        latest.remove(key);
        continue;
      }
      // A slower read sent earlier never replaces a newer one.
      latest.merge(
          key,
          new Reading(info, sentAt),
          (old, now) -> now.readAt().isBefore(old.readAt()) ? old : now);
      executedTemplate.computeIfPresent(
          key,
          (k, e) -> {
            if (e.lastUpdated() != null
                || sentAt.isBefore(e.at())
                || info.inProgress()
                || info.lastUpdated() == null
                || info.lastUpdated().equals(e.before())) {
              return e; // not yet a reading of the update's end
            }
            // The first reading after the update ended: the template is ours only if it completed.
            return "UPDATE_COMPLETE".equals(info.status())
                ? new Executed(e.at(), e.summary(), e.before(), info.lastUpdated())
                : null;
          });
    }
  }

  private static <K, V> Map<K, V> bounded() {
    return java.util.Collections.synchronizedMap(
        new java.util.LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > KEPT_SUMMARIES;
          }
        });
  }

  private final class RecordedServices implements AwsServices {
    private final AwsServices delegate;
    private final Stacks stacks;
    private final ChangeSets changeSets;

    RecordedServices(AwsTarget target, AwsServices delegate) {
      this.delegate = delegate;
      this.stacks = new RecordedStacks(target, delegate.stacks());
      this.changeSets = new RecordedChangeSets(target, delegate.changeSets());
    }

    @Override
    public Stacks stacks() {
      return stacks;
    }

    @Override
    public ChangeSets changeSets() {
      return changeSets;
    }

    @Override
    public EcsTasks ecs() {
      return delegate.ecs();
    }

    @Override
    public SsmCommands ssm() {
      return delegate.ssm();
    }

    @Override
    public TaskLogs logs() {
      return delegate.logs();
    }

    @Override
    public Snapshots snapshots() {
      return delegate.snapshots();
    }

    @Override
    public SecretStore secrets() {
      return delegate.secrets();
    }
  }

  private final class RecordedStacks implements Stacks {
    private final AwsTarget target;
    private final Stacks delegate;

    RecordedStacks(AwsTarget target, Stacks delegate) {
      this.target = target;
      this.delegate = delegate;
    }

    @Override
    public Map<String, StackInfo> describe(Collection<String> names) {
      Instant sentAt = clock.instant();
      Map<String, StackInfo> got = delegate.describe(names);
      read(target, names, sentAt, got);
      return got;
    }

    @Override
    public List<StackEvent> events(String stackName, int max) {
      return delegate.events(stackName, max);
    }

    @Override
    public List<StackEvent> eventsOfLatestUpdate(String stackName) {
      return delegate.eventsOfLatestUpdate(stackName);
    }

    @Override
    public String detectDrift(String stackName) {
      return delegate.detectDrift(stackName);
    }

    @Override
    public DriftDetection driftDetection(String detectionId) {
      return delegate.driftDetection(detectionId);
    }

    @Override
    public List<ResourceDrift> resourceDrifts(String stackName) {
      return delegate.resourceDrifts(stackName);
    }
  }

  private final class RecordedChangeSets implements ChangeSets {
    // Names below are ChangeSets' own types (TemplateSummary, CreateResult, ...).
    private final AwsTarget target;
    private final ChangeSets delegate;

    RecordedChangeSets(AwsTarget target, ChangeSets delegate) {
      this.target = target;
      this.delegate = delegate;
    }

    @Override
    public TemplateSummary templateSummary(String templateUrl) {
      TemplateSummary summary = delegate.templateSummary(templateUrl);
      summaries.put(new TemplateKey(target, templateUrl), summary);
      return summary;
    }

    @Override
    public TemplateSummary stackTemplateSummary(String stackName) {
      return runningTemplate(target, stackName)
          .orElseGet(() -> delegate.stackTemplateSummary(stackName));
    }

    @Override
    public CreateResult create(ChangeSetRequest request) {
      CreateResult created = delegate.create(request);
      TemplateSummary summary =
          request.templateUrl() == null
              ? null
              : summaries.get(new TemplateKey(target, request.templateUrl()));
      if (summary != null) {
        changeSetTemplates.put(
            new ChangeSetKey(target, request.stackName(), request.changeSetName()), summary);
      }
      return created;
    }

    @Override
    public Optional<ChangeSetInfo> describe(String stackName, String changeSetName) {
      return delegate.describe(stackName, changeSetName);
    }

    @Override
    public void execute(String stackName, String changeSetName) {
      Key key = new Key(target, stackName);
      // Forgotten first: until the update is seen to end, the stack's template is not known here.
      executedTemplate.remove(key);
      Reading was = latest.get(key);
      try {
        delegate.execute(stackName, changeSetName);
      } finally {
        // Also when the call failed: it may have reached AWS and started the update.
        executedAt.put(key, clock.instant());
      }
      TemplateSummary summary =
          changeSetTemplates.remove(new ChangeSetKey(target, stackName, changeSetName));
      if (summary != null) {
        executedTemplate.put(
            key,
            new Executed(
                clock.instant(), summary, was == null ? null : was.stack().lastUpdated(), null));
      }
    }

    @Override
    public void delete(String stackName, String changeSetName) {
      delegate.delete(stackName, changeSetName);
      changeSetTemplates.remove(new ChangeSetKey(target, stackName, changeSetName));
    }
  }
}
