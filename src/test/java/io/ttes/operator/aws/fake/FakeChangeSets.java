package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.ChangeSets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * CloudFormation change sets in memory, working on {@link FakeStacks}. What a change set contains
 * is scripted per stack with {@link #changesFor}; none scripted means "no changes", which is
 * reported like AWS does (a FAILED change set whose reason says so) or, after {@link
 * #rejectNoChangesOnCreate}, like the emulator (create answers "No updates are to be performed").
 * Executing moves the stack through an update (see {@link FakeStacks}) and, like CloudFormation,
 * deletes the stack's other change sets. Thread-safe.
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
  private int describesUntilCreated;
  private boolean rejectNoChangesOnCreate;
  private int sequence;

  public FakeChangeSets(CallLog calls, FakeStacks stacks) {
    this.calls = calls;
    this.stacks = stacks;
  }

  // ---- set-up

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
      Map<String, String> previous = stacks.stack(request.stackName()).info().parameters();
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
          List.copyOf(changes.getOrDefault(request.stackName(), r -> List.of()).apply(request));
      String failure = creationFailures.remove(request.stackName());
      if (failure == null && resourceChanges.isEmpty() && rejectNoChangesOnCreate) {
        return CreateResult.nothingToChange(null, "No updates are to be performed.");
      }
      String id =
          "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/"
              + request.changeSetName()
              + "/"
              + String.format("%08x-0000-4000-8000-%012x", ++sequence, sequence);
      Entry entry = new Entry(id, request, parameters, resourceChanges, describesUntilCreated);
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
      return Optional.of(entry.info());
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
      if (!"CREATE_COMPLETE".equals(entry.status) || !"AVAILABLE".equals(entry.execution)) {
        throw CallLog.invalid(
            EXECUTE_CHANGE_SET,
            "ChangeSet ["
                + entry.id
                + "] cannot be executed in its current status of ["
                + entry.status
                + "]");
      }
      if (stacks.stack(stackName).info().status().endsWith("_IN_PROGRESS")) {
        throw CallLog.invalid(
            EXECUTE_CHANGE_SET, "Stack [" + stackName + "] is in an IN_PROGRESS state");
      }
      executed.add(stackName + "/" + changeSetName);
      entry.execution = "EXECUTE_IN_PROGRESS";
      changeSets.values().removeIf(e -> e.stackName.equals(stackName) && e != entry);
      stacks.beginUpdate(stackName, entry.parameters, entry.request.tags());
    }
  }

  @Override
  public void delete(String stackName, String changeSetName) {
    calls.call(DELETE_CHANGE_SET);
    synchronized (this) {
      if (changeSets.remove(key(stackName, changeSetName)) != null) {
        deleted.add(stackName + "/" + changeSetName);
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
