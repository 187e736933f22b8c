package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ttes.operator.aws.AwsTarget;
import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.ChangeDetail;
import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.CreateResult;
import io.ttes.operator.aws.sdk.StubAws.Reply;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The answers of real CloudFormation that moto does not give: AlreadyExistsException for a repeated
 * name, ChangeSetNotFound on delete, paginated changes.
 */
class SdkChangeSetsTest {
  private static final String NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
  private static final String ID =
      "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/ttes-u-1/abc";

  @BeforeAll
  static void dummyCredentials() {
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
  }

  private static ChangeSetRequest request() {
    return new ChangeSetRequest(
        "prod-ops",
        "ttes-u-1",
        "https://b.s3.amazonaws.com/t",
        Map.of("Image", "img"),
        List.of("AdminPassword"),
        List.of(),
        Map.of(),
        "d");
  }

  private static String describeResult(String status, String reason, String changes, String next) {
    return "<DescribeChangeSetResponse xmlns=\""
        + NS
        + "\"><DescribeChangeSetResult><ChangeSetId>"
        + ID
        + "</ChangeSetId><ChangeSetName>ttes-u-1</ChangeSetName><StackName>prod-ops</StackName>"
        + "<Status>"
        + status
        + "</Status><ExecutionStatus>UNAVAILABLE</ExecutionStatus>"
        + (reason == null ? "" : "<StatusReason>" + reason + "</StatusReason>")
        + "<Parameters/><Changes>"
        + changes
        + "</Changes>"
        + (next == null ? "" : "<NextToken>" + next + "</NextToken>")
        + "</DescribeChangeSetResult><ResponseMetadata><RequestId>r</RequestId>"
        + "</ResponseMetadata></DescribeChangeSetResponse>";
  }

  private static String change(String logicalId, String replacement) {
    return "<member><Type>Resource</Type><ResourceChange><Action>Modify</Action>"
        + "<LogicalResourceId>"
        + logicalId
        + "</LogicalResourceId><ResourceType>AWS::RDS::DBCluster</ResourceType>"
        + "<Replacement>"
        + replacement
        + "</Replacement></ResourceChange></member>";
  }

  private static void withChangeSets(
      Function<String, Reply> replies, java.util.function.BiConsumer<ChangeSets, StubAws> test) {
    try (var stub = new StubAws(replies);
        var factory = new SdkAwsServicesFactory(stub.endpoint(), new SimpleMeterRegistry())) {
      test.accept(factory.forTarget(new AwsTarget("eu-west-1", null)).changeSets(), stub);
    }
  }

  @Test
  void anExistingNoChangesChangeSetOfTheSameNameIsNothingToChange() {
    withChangeSets(
        op ->
            op.equals("CreateChangeSet")
                ? Reply.queryError(400, "AlreadyExistsException", "ChangeSet ttes-u-1 exists")
                : Reply.xml(
                    200,
                    describeResult(
                        "FAILED",
                        "The submitted information didn't contain changes. Submit different"
                            + " information to create a change set.",
                        "",
                        null)),
        (changeSets, stub) -> {
          CreateResult result = changeSets.create(request());
          assertThat(result.noChanges()).isTrue();
          assertThat(result.changeSetId()).isEqualTo(ID);
          assertThat(stub.operations()).containsExactly("CreateChangeSet", "DescribeChangeSet");
        });
  }

  @Test
  void anExistingChangeSetOfTheSameNameIsReturnedNotCreatedAgain() {
    withChangeSets(
        op ->
            op.equals("CreateChangeSet")
                ? Reply.queryError(400, "AlreadyExistsException", "ChangeSet ttes-u-1 exists")
                : Reply.xml(200, describeResult("CREATE_COMPLETE", null, "", null)),
        (changeSets, stub) -> {
          assertThat(changeSets.create(request())).isEqualTo(CreateResult.created(ID));
          assertThat(stub.operations()).containsExactly("CreateChangeSet", "DescribeChangeSet");
        });
  }

  @Test
  void noUpdatesRejectionIsNothingToChange() {
    withChangeSets(
        op -> Reply.queryError(400, "ValidationError", "No updates are to be performed."),
        (changeSets, stub) ->
            assertThat(changeSets.create(request()))
                .isEqualTo(CreateResult.nothingToChange(null, "No updates are to be performed.")));
  }

  @Test
  void deletingAChangeSetThatIsGoneSucceeds() {
    withChangeSets(
        op -> Reply.queryError(404, "ChangeSetNotFound", "ChangeSet [x] does not exist"),
        (changeSets, stub) -> {
          changeSets.delete("prod-ops", "ttes-u-1");
          assertThat(stub.operations()).containsExactly("DeleteChangeSet");
        });
  }

  @Test
  void describeCarriesEachChangesDetailsWithoutPropertyValues() {
    String secret = "s3cret-from-a-noecho-parameter";
    String withDetails =
        "<member><Type>Resource</Type><ResourceChange><Action>Modify</Action>"
            + "<LogicalResourceId>Service</LogicalResourceId>"
            + "<ResourceType>AWS::ECS::Service</ResourceType><Replacement>Conditional</Replacement>"
            + "<Details>"
            + "<member><Target><Attribute>Properties</Attribute><Name>TaskDefinition</Name>"
            + "<RequiresRecreation>Conditionally</RequiresRecreation>"
            // Only IncludePropertyValues brings these; should they come anyway, nothing keeps them.
            + "<BeforeValue>"
            + secret
            + "</BeforeValue><AfterValue>"
            + secret
            + "-new</AfterValue></Target>"
            + "<Evaluation>Static</Evaluation><ChangeSource>ParameterReference</ChangeSource>"
            + "<CausingEntity>Image</CausingEntity></member>"
            + "<member><Target><Attribute>Tags</Attribute><RequiresRecreation>Never"
            + "</RequiresRecreation></Target><Evaluation>Static</Evaluation>"
            + "<ChangeSource>DirectModification</ChangeSource></member>"
            + "</Details></ResourceChange></member>";
    withChangeSets(
        op -> Reply.xml(200, describeResult("CREATE_COMPLETE", null, withDetails, null)),
        (changeSets, stub) -> {
          var info = changeSets.describe("prod-ops", "ttes-u-1").orElseThrow();
          assertThat(info.changes().get(0).details())
              .containsExactly(
                  new ChangeDetail(
                      "Properties",
                      "TaskDefinition",
                      "Conditionally",
                      "Static",
                      "ParameterReference",
                      "Image"),
                  new ChangeDetail("Tags", null, "Never", "Static", "DirectModification", null));
          assertThat(info.toString()).doesNotContain(secret);
          // The values are never asked for.
          assertThat(stub.bodies())
              .singleElement()
              .asString()
              .doesNotContain("IncludePropertyValues");
        });
  }

  @Test
  void describeFollowsNextTokenAndCollectsAllChanges() {
    AtomicInteger page = new AtomicInteger();
    withChangeSets(
        op ->
            Reply.xml(
                200,
                page.incrementAndGet() == 1
                    ? describeResult(
                        "CREATE_COMPLETE", null, change("AuroraCluster", "True"), "page-2")
                    : describeResult(
                        "CREATE_COMPLETE", null, change("RedisGroup", "Conditional"), null)),
        (changeSets, stub) -> {
          var info = changeSets.describe("prod-ops", "ttes-u-1").orElseThrow();
          assertThat(info.changes())
              .extracting(
                  ChangeSets.ResourceChange::logicalId, ChangeSets.ResourceChange::replacement)
              .containsExactly(
                  org.assertj.core.groups.Tuple.tuple("AuroraCluster", "True"),
                  org.assertj.core.groups.Tuple.tuple("RedisGroup", "Conditional"));
          assertThat(stub.operations()).containsExactly("DescribeChangeSet", "DescribeChangeSet");
        });
  }
}
