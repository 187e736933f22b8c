package io.ttes.operator.aws;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** CloudFormation change sets and template summaries. */
public interface ChangeSets {
  /** The parameters a template declares (GetTemplateSummary). */
  TemplateSummary templateSummary(String templateUrl);

  /**
   * The parameters the stack's current template declares: GetTemplateSummary with StackName
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplateSummary.html,
   * "StackName": "the name or the stack ID that's associated with the stack"). It tells which
   * parameters are NoEcho from the template's declaration, whatever DescribeStacks shows of their
   * values. A stack that does not exist is a ValidationError ({@link AwsException.Kind#NOT_FOUND}
   * or INVALID_INPUT).
   */
  TemplateSummary stackTemplateSummary(String stackName);

  /**
   * Creates an UPDATE change set. Idempotent: when a change set of that name exists already, its id
   * is returned and nothing is created. A change set with nothing to change is reported as {@link
   * CreateResult#noChanges()} whichever way AWS says it (a FAILED change set, or the emulator's "No
   * updates are to be performed" rejection).
   */
  CreateResult create(ChangeSetRequest request);

  /** Describes a change set with all its changes; empty when it does not exist. */
  Optional<ChangeSetInfo> describe(String stackName, String changeSetName);

  void execute(String stackName, String changeSetName);

  /** Deletes a change set; one that does not exist counts as deleted. */
  void delete(String stackName, String changeSetName);

  /** Parameters of a template. */
  record TemplateSummary(List<TemplateParameter> parameters, List<String> capabilities) {}

  /** One declared parameter; {@code defaultValue} is null when the template gives none. */
  record TemplateParameter(String key, String defaultValue, boolean noEcho, String description) {
    public boolean hasDefault() {
      return defaultValue != null;
    }
  }

  /**
   * What to create. {@code usePreviousValue} lists parameters passed with UsePreviousValue (no
   * value is sent for them, so NoEcho values never pass through the operator).
   */
  record ChangeSetRequest(
      String stackName,
      String changeSetName,
      String templateUrl,
      Map<String, String> parameters,
      List<String> usePreviousValue,
      List<String> capabilities,
      Map<String, String> tags,
      String description) {}

  /** The outcome of {@link #create}. */
  record CreateResult(String changeSetId, boolean noChanges, String reason) {
    public static CreateResult created(String id) {
      return new CreateResult(id, false, null);
    }

    public static CreateResult nothingToChange(String id, String reason) {
      return new CreateResult(id, true, reason);
    }
  }

  /** A described change set. */
  record ChangeSetInfo(
      String id,
      String name,
      String stackName,
      String status,
      String executionStatus,
      String statusReason,
      Map<String, String> parameters,
      List<ResourceChange> changes) {

    public boolean createComplete() {
      return "CREATE_COMPLETE".equals(status);
    }

    public boolean pending() {
      return "CREATE_PENDING".equals(status) || "CREATE_IN_PROGRESS".equals(status);
    }

    /** FAILED because there was nothing to change: normal, the stack is skipped. */
    public boolean noChanges() {
      return "FAILED".equals(status)
          && statusReason != null
          && (statusReason.contains("didn't contain changes")
              || statusReason.contains("No updates are to be performed"));
    }
  }

  /**
   * One resource change of a change set.
   *
   * @param details what CloudFormation says changes in the resource (its Details); empty when it
   *     gives none (an Add or Remove, or an emulator that does not report them)
   */
  record ResourceChange(
      String action,
      String logicalId,
      String physicalId,
      String resourceType,
      String replacement,
      List<ChangeDetail> details) {

    public ResourceChange {
      details = details == null ? List.of() : List.copyOf(details);
    }

    /** A change without details. */
    public ResourceChange(
        String action,
        String logicalId,
        String physicalId,
        String resourceType,
        String replacement) {
      this(action, logicalId, physicalId, resourceType, replacement, List.of());
    }
  }

  /**
   * One entry of a resource change's Details: which attribute or property changes, whether changing
   * it recreates the resource, and what caused it
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceTargetDefinition.html).
   * It carries no property values: BeforeValue and AfterValue (DescribeChangeSet with
   * IncludePropertyValues) can hold a NoEcho parameter's value or a secret written into the
   * template, and nothing proves they would be masked, so they are never requested nor kept.
   *
   * @param attribute Target.Attribute: Properties, Metadata, CreationPolicy, UpdatePolicy,
   *     DeletionPolicy, UpdateReplacePolicy or Tags
   * @param name Target.Name: the property, when the attribute is Properties
   * @param requiresRecreation Target.RequiresRecreation: Never, Conditionally or Always
   * @param evaluation Static (the value is known) or Dynamic (known only while updating)
   * @param changeSource ResourceReference, ParameterReference, ResourceAttribute,
   *     DirectModification or Automatic
   * @param causingEntity the parameter, resource or attribute that caused the change; null for a
   *     DirectModification
   */
  record ChangeDetail(
      String attribute,
      String name,
      String requiresRecreation,
      String evaluation,
      String changeSource,
      String causingEntity) {}
}
