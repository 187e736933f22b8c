package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.ChangeSets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.GetTemplateSummaryResponse;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ParameterDeclaration;
import software.amazon.awssdk.services.cloudformation.model.ResourceChangeDetail;
import software.amazon.awssdk.services.cloudformation.model.ResourceTargetDefinition;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** {@link ChangeSets} on CloudFormation. */
final class SdkChangeSets implements ChangeSets {
  private final CloudFormationClient cfn;

  SdkChangeSets(CloudFormationClient cfn) {
    this.cfn = cfn;
  }

  @Override
  public TemplateSummary templateSummary(String templateUrl) {
    return summary(
        AwsErrors.call(
            "GetTemplateSummary", () -> cfn.getTemplateSummary(b -> b.templateURL(templateUrl))));
  }

  @Override
  public TemplateSummary stackTemplateSummary(String stackName) {
    return summary(
        AwsErrors.call(
            "GetTemplateSummary", () -> cfn.getTemplateSummary(b -> b.stackName(stackName))));
  }

  private static TemplateSummary summary(GetTemplateSummaryResponse r) {
    List<TemplateParameter> parameters = new ArrayList<>();
    for (ParameterDeclaration p : r.parameters()) {
      parameters.add(
          new TemplateParameter(
              p.parameterKey(),
              p.defaultValue(),
              Boolean.TRUE.equals(p.noEcho()),
              p.description()));
    }
    return new TemplateSummary(parameters, List.copyOf(r.capabilitiesAsStrings()));
  }

  @Override
  public CreateResult create(ChangeSetRequest request) {
    List<Parameter> parameters = parameters(request);
    List<Tag> tags = new ArrayList<>();
    if (request.tags() != null) {
      new TreeMap<>(request.tags())
          .forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
    }
    try {
      String id =
          cfn.createChangeSet(
                  b ->
                      b.stackName(request.stackName())
                          .changeSetName(request.changeSetName())
                          // Left out, the emulator treats it as a new stack; AWS defaults to
                          // UPDATE.
                          .changeSetType(ChangeSetType.UPDATE)
                          .templateURL(request.templateUrl())
                          .parameters(parameters)
                          .capabilitiesWithStrings(
                              request.capabilities() == null ? List.of() : request.capabilities())
                          .tags(tags)
                          .description(request.description()))
              .id();
      return CreateResult.created(id);
    } catch (AlreadyExistsException e) {
      // A retry after a crash: the change set of this deterministic name is ours.
      ChangeSetInfo existing =
          describe(request.stackName(), request.changeSetName())
              .orElseThrow(() -> AwsErrors.map("CreateChangeSet", e));
      return existing.noChanges()
          ? CreateResult.nothingToChange(existing.id(), existing.statusReason())
          : CreateResult.created(existing.id());
    } catch (CloudFormationException e) {
      String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
      if (message != null && message.contains("No updates are to be performed")) {
        return CreateResult.nothingToChange(null, message);
      }
      throw AwsErrors.map("CreateChangeSet", e);
    } catch (RuntimeException e) {
      throw AwsErrors.map("CreateChangeSet", e);
    }
  }

  private static List<Parameter> parameters(ChangeSetRequest request) {
    Map<String, String> values =
        request.parameters() == null ? Map.of() : new TreeMap<>(request.parameters());
    List<Parameter> result = new ArrayList<>();
    values.forEach(
        (k, v) -> result.add(Parameter.builder().parameterKey(k).parameterValue(v).build()));
    Set<String> previous =
        new LinkedHashSet<>(
            request.usePreviousValue() == null ? List.of() : request.usePreviousValue());
    for (String key : previous) {
      if (!values.containsKey(key)) {
        result.add(Parameter.builder().parameterKey(key).usePreviousValue(true).build());
      }
    }
    return result;
  }

  @Override
  public Optional<ChangeSetInfo> describe(String stackName, String changeSetName) {
    try {
      return Optional.of(
          AwsErrors.call("DescribeChangeSet", () -> describeAllPages(stackName, changeSetName)));
    } catch (AwsException e) {
      // ChangeSetNotFound, or ValidationError "Stack ... does not exist": either way, no change
      // set.
      if (e.kind() == AwsException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private ChangeSetInfo describeAllPages(String stackName, String changeSetName) {
    List<ResourceChange> changes = new ArrayList<>();
    DescribeChangeSetResponse first = null;
    String token = null;
    do {
      String next = token;
      DescribeChangeSetResponse page =
          cfn.describeChangeSet(
              b -> b.stackName(stackName).changeSetName(changeSetName).nextToken(next));
      if (first == null) {
        first = page;
      }
      for (Change c : page.changes()) {
        if (c.resourceChange() != null) {
          var rc = c.resourceChange();
          changes.add(
              new ResourceChange(
                  rc.actionAsString(),
                  rc.logicalResourceId(),
                  rc.physicalResourceId(),
                  rc.resourceType(),
                  rc.replacementAsString(),
                  details(rc.details())));
        }
      }
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    Map<String, String> parameters = new LinkedHashMap<>();
    for (Parameter p : first.parameters()) {
      parameters.put(p.parameterKey(), p.parameterValue());
    }
    return new ChangeSetInfo(
        first.changeSetId(),
        first.changeSetName(),
        first.stackName(),
        first.statusAsString(),
        first.executionStatusAsString(),
        first.statusReason(),
        parameters,
        changes);
  }

  /**
   * The Details of a resource change without their values: Target.BeforeValue and AfterValue come
   * only with IncludePropertyValues, which is never sent, and are not read should they come.
   */
  private static List<ChangeDetail> details(List<ResourceChangeDetail> details) {
    List<ChangeDetail> out = new ArrayList<>();
    for (ResourceChangeDetail d : details) {
      ResourceTargetDefinition t = d.target();
      out.add(
          new ChangeDetail(
              t == null ? null : t.attributeAsString(),
              t == null ? null : t.name(),
              t == null ? null : t.requiresRecreationAsString(),
              d.evaluationAsString(),
              d.changeSourceAsString(),
              d.causingEntity()));
    }
    return out;
  }

  @Override
  public void execute(String stackName, String changeSetName) {
    AwsErrors.run(
        "ExecuteChangeSet",
        () -> cfn.executeChangeSet(b -> b.stackName(stackName).changeSetName(changeSetName)));
  }

  @Override
  public void delete(String stackName, String changeSetName) {
    try {
      AwsErrors.run(
          "DeleteChangeSet",
          () -> cfn.deleteChangeSet(b -> b.stackName(stackName).changeSetName(changeSetName)));
    } catch (AwsException e) {
      if (e.kind() != AwsException.Kind.NOT_FOUND) {
        throw e;
      }
    }
  }
}
