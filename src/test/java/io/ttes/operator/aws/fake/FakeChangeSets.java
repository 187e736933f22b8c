package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * CloudFormation change sets in memory, working on {@link FakeStacks}. What a change set contains
 * is scripted per stack with {@link #changesFor} (or for every stack with {@link #defaultChanges});
 * none scripted means "no changes". Thread-safe. As documented for AWS:
 *
 * <ul>
 *   <li>A change set with nothing to change ends FAILED with the reason {@value #NO_CHANGES_REASON}
 *       and stays until deleted
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html);
 *       after {@link #rejectNoChangesOnCreate}, create answers "No updates are to be performed" as
 *       the emulator does.
 *   <li>ExecutionStatus is UNAVAILABLE while the change set is created, AVAILABLE once it can be
 *       executed, OBSOLETE after the stack was updated another way ({@link #obsolete}),
 *       EXECUTE_IN_PROGRESS / EXECUTE_COMPLETE / EXECUTE_FAILED once executed; only AVAILABLE can
 *       be executed
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html).
 *   <li>Executing a change set deletes the stack's other change sets, and is refused while the
 *       stack is in an *_IN_PROGRESS state such as UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html).
 *   <li>Tags replace the stack's whole tag set and propagate to its resources, so tags that differ
 *       from the stack's make every resource of the stack a Modify
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
 *       "Tags").
 *   <li>A DB cluster or instance restored from a snapshot must be given the same snapshot
 *       identifier in every later update; a different or empty one replaces it with a new database
 *       (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html,
 *       "SnapshotIdentifier"; aws-resource-rds-dbinstance.html, "DBSnapshotIdentifier"): see {@link
 *       FakeStacks.FakeStack#restoredFromSnapshot}.
 * </ul>
 */
public final class FakeChangeSets implements ChangeSets {
  public static final String GET_TEMPLATE_SUMMARY = "CloudFormation.GetTemplateSummary";
  public static final String CREATE_CHANGE_SET = "CloudFormation.CreateChangeSet";
  public static final String DESCRIBE_CHANGE_SET = "CloudFormation.DescribeChangeSet";
  public static final String EXECUTE_CHANGE_SET = "CloudFormation.ExecuteChangeSet";
  public static final String DELETE_CHANGE_SET = "CloudFormation.DeleteChangeSet";

  public static final String NO_CHANGES_REASON =
      "The submitted information didn't contain changes. Submit different information to create a"
          + " change set.";

  private final CallLog calls;
  private final FakeStacks stacks;
  private final Map<String, TemplateSummary> templates = new HashMap<>();
  private final Map<String, Function<ChangeSetRequest, List<ResourceChange>>> changes =
      new HashMap<>();
  private final Map<String, String> creationFailures = new HashMap<>();
  private final Map<String, Entry> changeSets = new LinkedHashMap<>();
  private final List<ChangeSetRequest> createRequests = new ArrayList<>();
  private final List<String> executed = new ArrayList<>();
  private final List<String> deleted = new ArrayList<>();
  private BiFunction<StackInfo, ChangeSetRequest, List<ResourceChange>> defaultChanges =
      (stack, request) -> List.of();
  private Consumer<String> timeline = entry -> {};
  private int describesUntilCreated;
  private boolean rejectNoChangesOnCreate;
  private int sequence;

  public FakeChangeSets(CallLog calls, FakeStacks stacks) {
    this.calls = calls;
    this.stacks = stacks;
  }

  /** Where mutations are noted ("create:<stack>:<name>", "execute:...", "delete:..."). */
  synchronized void timeline(Consumer<String> timeline) {
    this.timeline = timeline;
  }

  // ---- set-up

  /** What change sets of stacks without {@link #changesFor} contain (default: nothing). */
  public synchronized FakeChangeSets defaultChanges(
      BiFunction<StackInfo, ChangeSetRequest, List<ResourceChange>> fn) {
    this.defaultChanges = fn;
    return this;
  }

  /**
   * A script for {@link #defaultChanges}: one Modify of an {@code AWS::ECS::Service} "Uses<key>"
   * per parameter whose value the request changes. Its property {@code <key>} refers to the
   * parameter, so the change carries the detail CloudFormation gives a changed parameter: Target
   * Properties.{@code <key>}, Evaluation Static, ChangeSource ParameterReference, CausingEntity the
   * parameter ("if you modified the value of the KeyPairName parameter, the CausingEntity is the
   * name of the parameter",
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html;
   * moto 5.2.1 gives no Details at all).
   */
  public static List<ResourceChange> parameterDiff(StackInfo stack, ChangeSetRequest request) {
    List<ResourceChange> out = new ArrayList<>();
    for (Map.Entry<String, String> e : request.parameters().entrySet()) {
      if (!e.getValue().equals(stack.parameters().get(e.getKey()))) {
        out.add(
            new ResourceChange(
                "Modify",
                "Uses" + e.getKey(),
                stack.name() + "-" + e.getKey(),
                "AWS::ECS::Service",
                "False",
                List.of(parameterReference(e.getKey(), e.getKey(), "Never"))));
      }
    }
    return out;
  }

  /**
   * The detail of a property that refers to a changed parameter
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceTargetDefinition.html):
   * CloudFormation knows the new value (Static).
   */
  public static ChangeDetail parameterReference(
      String property, String parameter, String requiresRecreation) {
    return new ChangeDetail(
        "Properties", property, requiresRecreation, "Static", "ParameterReference", parameter);
  }

  /** Marks every AVAILABLE change set of the stack OBSOLETE, as after an update another way. */
  public synchronized void obsolete(String stackName) {
    changeSets.values().stream()
        .filter(e -> e.stackName.equals(stackName) && "AVAILABLE".equals(e.execution))
        .forEach(e -> e.execution = "OBSOLETE");
  }

  public synchronized FakeChangeSets template(String url, TemplateSummary summary) {
    templates.put(url, summary);
    return this;
  }

  public FakeChangeSets template(String url, List<TemplateParameter> parameters) {
    return template(url, new TemplateSummary(List.copyOf(parameters), List.of()));
  }

  /** Change sets of {@code stackName} contain these changes (empty: no changes). */
  public FakeChangeSets changesFor(String stackName, List<ResourceChange> resourceChanges) {
    List<ResourceChange> copy = List.copyOf(resourceChanges);
    return changesFor(stackName, request -> copy);
  }

  /** Change sets of {@code stackName} contain what {@code fn} says for the request. */
  public synchronized FakeChangeSets changesFor(
      String stackName, Function<ChangeSetRequest, List<ResourceChange>> fn) {
    changes.put(stackName, fn);
    return this;
  }

  /** The next change set of {@code stackName} ends FAILED with {@code reason}. */
  public synchronized FakeChangeSets failNextCreation(String stackName, String reason) {
    creationFailures.put(stackName, reason);
    return this;
  }

  /** Describes during which a new change set is CREATE_IN_PROGRESS (default 0). */
  public synchronized FakeChangeSets describesUntilCreated(int describes) {
    this.describesUntilCreated = describes;
    return this;
  }

  /** Reports "no changes" from create itself, as the emulator does. */
  public synchronized FakeChangeSets rejectNoChangesOnCreate() {
    this.rejectNoChangesOnCreate = true;
    return this;
  }

  // ---- inspection

  /** Every CreateChangeSet request, including repeats of a known name. */
  public synchronized List<ChangeSetRequest> createRequests() {
    return List.copyOf(createRequests);
  }

  /** "stack/changeSet" of every executed change set, in order. */
  public synchronized List<String> executed() {
    return List.copyOf(executed);
  }

  /** "stack/changeSet" of every deleted change set, in order. */
  public synchronized List<String> deleted() {
    return List.copyOf(deleted);
  }

  /** Names of the change sets that exist now on a stack. */
  public synchronized List<String> existing(String stackName) {
    return changeSets.values().stream()
        .filter(e -> e.stackName.equals(stackName))
        .map(e -> e.name)
        .toList();
  }

  // ---- ChangeSets

  @Override
  public TemplateSummary templateSummary(String templateUrl) {
    calls.call(GET_TEMPLATE_SUMMARY);
    synchronized (this) {
      TemplateSummary summary = templates.get(templateUrl);
      if (summary == null) {
        throw CallLog.invalid(GET_TEMPLATE_SUMMARY, "Template URL not reachable: " + templateUrl);
      }
      return summary;
    }
  }

  /**
   * GetTemplateSummary with StackName: the parameters of the stack's current template ({@link
   * FakeStacks.FakeStack#declared}); a stack that does not exist is a ValidationError
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplateSummary.html:
   * "If the template doesn't exist, a ValidationError is returned").
   */
  @Override
  public TemplateSummary stackTemplateSummary(String stackName) {
    calls.call(GET_TEMPLATE_SUMMARY);
    synchronized (this) {
      if (!stacks.exists(stackName)) {
        throw CallLog.invalid(
            GET_TEMPLATE_SUMMARY, "Stack with id " + stackName + " does not exist");
      }
      return new TemplateSummary(stacks.stack(stackName).declared(), List.of());
    }
  }

  @Override
  public CreateResult create(ChangeSetRequest request) {
    calls.call(CREATE_CHANGE_SET);
    synchronized (this) {
      createRequests.add(request);
      Entry existing = changeSets.get(key(request.stackName(), request.changeSetName()));
      if (existing != null) {
        return CreateResult.created(existing.id);
      }
      if (!stacks.exists(request.stackName())) {
        throw CallLog.invalid(
            CREATE_CHANGE_SET, "Stack [" + request.stackName() + "] does not exist");
      }
      FakeStacks.FakeStack stack = stacks.stack(request.stackName());
      StackInfo current = stack.info();
      Map<String, String> previous = current.parameters();
      Map<String, String> parameters = new LinkedHashMap<>();
      if (request.usePreviousValue() != null) {
        for (String key : request.usePreviousValue()) {
          if (previous.containsKey(key)) {
            parameters.put(key, previous.get(key));
          }
        }
      }
      if (request.parameters() != null) {
        parameters.putAll(request.parameters());
      }
      List<ResourceChange> resourceChanges =
          new ArrayList<>(
              changes
                  .getOrDefault(request.stackName(), r -> defaultChanges.apply(current, r))
                  .apply(request));
      resourceChanges.addAll(stack.restoreChanges(parameters, resourceChanges));
      if (request.tags() != null && !request.tags().equals(current.tags())) {
        // Tags propagate to every resource of the stack: each one is modified.
        for (Map.Entry<String, String> r : stack.resources().entrySet()) {
          if (resourceChanges.stream().noneMatch(c -> r.getKey().equals(c.logicalId()))) {
            resourceChanges.add(
                new ResourceChange("Modify", r.getKey(), null, r.getValue(), "False"));
          }
        }
      }
      String failure = creationFailures.remove(request.stackName());
      if (failure == null && resourceChanges.isEmpty() && rejectNoChangesOnCreate) {
        return CreateResult.nothingToChange(null, "No updates are to be performed.");
      }
      String id =
          "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/"
              + request.changeSetName()
              + "/"
              + String.format("%08x-0000-4000-8000-%012x", ++sequence, sequence);
      Entry entry =
          new Entry(id, request, parameters, List.copyOf(resourceChanges), describesUntilCreated);
      if (failure != null) {
        entry.finalStatus = "FAILED";
        entry.finalReason = failure;
      } else if (resourceChanges.isEmpty()) {
        entry.finalStatus = "FAILED";
        entry.finalReason = NO_CHANGES_REASON;
      }
      if (entry.describesLeft <= 0) {
        entry.settle();
      }
      changeSets.put(key(request.stackName(), request.changeSetName()), entry);
      timeline.accept("create:" + request.stackName() + ":" + request.changeSetName());
      return CreateResult.created(id);
    }
  }

  @Override
  public Optional<ChangeSetInfo> describe(String stackName, String changeSetName) {
    calls.call(DESCRIBE_CHANGE_SET);
    synchronized (this) {
      Entry entry = changeSets.get(key(stackName, changeSetName));
      if (entry == null) {
        return Optional.empty();
      }
      if (entry.describesLeft-- <= 0) {
        entry.settle();
      }
      if ("EXECUTE_IN_PROGRESS".equals(entry.execution)) {
        String stackStatus = stacks.stack(stackName).info().status();
        if (stackStatus.equals("UPDATE_COMPLETE")) {
          entry.execution = "EXECUTE_COMPLETE";
        } else if (!stackStatus.endsWith("_IN_PROGRESS")) {
          entry.execution = "EXECUTE_FAILED";
        }
      }
      ChangeSetInfo info = entry.info();
      if ("AVAILABLE".equals(info.executionStatus())
          && stacks.stack(stackName).info().status().endsWith("_IN_PROGRESS")) {
        // "UNAVAILABLE: ... an associated stack is in an in-progress state" (DescribeChangeSet).
        info =
            new ChangeSetInfo(
                info.id(),
                info.name(),
                info.stackName(),
                info.status(),
                "UNAVAILABLE",
                info.statusReason(),
                info.parameters(),
                info.changes());
      }
      return Optional.of(info);
    }
  }

  @Override
  public void execute(String stackName, String changeSetName) {
    calls.call(EXECUTE_CHANGE_SET);
    synchronized (this) {
      Entry entry = changeSets.get(key(stackName, changeSetName));
      if (entry == null) {
        throw CallLog.notFound(
            EXECUTE_CHANGE_SET, "ChangeSet [" + changeSetName + "] does not exist");
      }
      if (!"CREATE_COMPLETE".equals(entry.status)) {
        throw CallLog.invalid(
            EXECUTE_CHANGE_SET,
            "ChangeSet ["
                + entry.id
                + "] cannot be executed in its current status of ["
                + entry.status
                + "]");
      }
      if (!"AVAILABLE".equals(entry.execution)) {
        throw CallLog.invalid(
            EXECUTE_CHANGE_SET,
            "ChangeSet ["
                + entry.id
                + "] cannot be executed in its current execution status of ["
                + entry.execution
                + "]");
      }
      StackInfo stack = stacks.stack(stackName).info();
      if (stack.status().endsWith("_IN_PROGRESS")) {
        throw CallLog.invalid(
            EXECUTE_CHANGE_SET,
            "Stack:"
                + stack.stackId()
                + " is in "
                + stack.status()
                + " state and can not be updated.");
      }
      executed.add(stackName + "/" + changeSetName);
      entry.execution = "EXECUTE_IN_PROGRESS";
      changeSets.values().removeIf(e -> e.stackName.equals(stackName) && e != entry);
      Set<String> changed = new LinkedHashSet<>();
      entry.changes.forEach(c -> changed.add(c.logicalId()));
      stacks.beginUpdate(stackName, entry.parameters, entry.request.tags(), changed);
      timeline.accept("execute:" + stackName + ":" + changeSetName);
    }
  }

  @Override
  public void delete(String stackName, String changeSetName) {
    calls.call(DELETE_CHANGE_SET);
    synchronized (this) {
      if (changeSets.remove(key(stackName, changeSetName)) != null) {
        deleted.add(stackName + "/" + changeSetName);
        timeline.accept("delete:" + stackName + ":" + changeSetName);
      }
    }
  }

  private static String key(String stackName, String changeSetName) {
    return stackName + "/" + changeSetName;
  }

  private static final class Entry {
    final String id;
    final String name;
    final String stackName;
    final ChangeSetRequest request;
    final Map<String, String> parameters;
    final List<ResourceChange> changes;
    int describesLeft;
    String status = "CREATE_IN_PROGRESS";
    String statusReason;
    String execution = "UNAVAILABLE";
    String finalStatus = "CREATE_COMPLETE";
    String finalReason;

    Entry(
        String id,
        ChangeSetRequest request,
        Map<String, String> parameters,
        List<ResourceChange> changes,
        int describes) {
      this.id = id;
      this.name = request.changeSetName();
      this.stackName = request.stackName();
      this.request = request;
      this.parameters = parameters;
      this.changes = changes;
      this.describesLeft = describes;
    }

    void settle() {
      if (!"CREATE_IN_PROGRESS".equals(status)) {
        return;
      }
      status = finalStatus;
      statusReason = finalReason;
      if ("CREATE_COMPLETE".equals(status)) {
        execution = "AVAILABLE";
      }
    }

    ChangeSetInfo info() {
      return new ChangeSetInfo(
          id, name, stackName, status, execution, statusReason, Map.copyOf(parameters), changes);
    }
  }
}
