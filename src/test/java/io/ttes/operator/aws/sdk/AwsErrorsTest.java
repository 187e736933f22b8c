package io.ttes.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsErrorsTest {

  private static AwsServiceException aws(int status, String code, String message) {
    return AwsServiceException.builder()
        .statusCode(status)
        .requestId("req-1")
        .awsErrorDetails(
            AwsErrorDetails.builder()
                .errorCode(code)
                .errorMessage(message)
                .serviceName("ECS")
                .build())
        .build();
  }

  @Test
  void accessDeniedAndItsRelativesStopRetrying() {
    assertThat(AwsErrors.map("RunTask", aws(400, "AccessDeniedException", "no")).kind())
        .isEqualTo(Kind.ACCESS_DENIED);
    assertThat(AwsErrors.map("DescribeStacks", aws(403, "AccessDenied", "no")).kind())
        .isEqualTo(Kind.ACCESS_DENIED);
    assertThat(AwsErrors.map("CreateSnapshot", aws(403, "UnauthorizedOperation", "no")).kind())
        .isEqualTo(Kind.ACCESS_DENIED);
    assertThat(AwsErrors.map("GetSecretValue", aws(403, "ExpiredToken", "expired")).kind())
        .isEqualTo(Kind.ACCESS_DENIED);
  }

  @Test
  void notFoundByCodeOrByCloudFormationsMessage() {
    assertThat(
            AwsErrors.map(
                    "GetSecretValue",
                    aws(400, "ResourceNotFoundException", "Secrets Manager can't find it"))
                .kind())
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(
            AwsErrors.map(
                    "DescribeStacks", aws(400, "ValidationError", "Stack with id x does not exist"))
                .kind())
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(AwsErrors.map("DescribeChangeSet", aws(404, "ChangeSetNotFound", "x")).kind())
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(AwsErrors.map("GetCommandInvocation", aws(400, "InvocationDoesNotExist", "")).kind())
        .isEqualTo(Kind.NOT_FOUND);
  }

  @Test
  void throttlingServerErrorsAndNetworkAreRetryable() {
    assertThat(AwsErrors.map("DescribeTasks", aws(400, "ThrottlingException", "Rate")).kind())
        .isEqualTo(Kind.RETRYABLE);
    assertThat(AwsErrors.map("DescribeStacks", aws(400, "Throttling", "Rate exceeded")).kind())
        .isEqualTo(Kind.RETRYABLE);
    assertThat(AwsErrors.map("RunInstances", aws(503, "RequestLimitExceeded", "x")).kind())
        .isEqualTo(Kind.RETRYABLE);
    assertThat(AwsErrors.map("RunTask", aws(500, "ServerException", "oops")).kind())
        .isEqualTo(Kind.RETRYABLE);
    AwsException network =
        AwsErrors.map("RunTask", SdkClientException.create("Unable to execute HTTP request"));
    assertThat(network.kind()).isEqualTo(Kind.RETRYABLE);
  }

  @Test
  void otherClientErrorsAreInvalidInput() {
    AwsException e =
        AwsErrors.map(
            "CreateChangeSet", aws(400, "ValidationError", "Parameters: [Foo] must have values"));
    assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
    assertThat(e.errorCode()).isEqualTo("ValidationError");
    assertThat(e.operation()).isEqualTo("CreateChangeSet");
    assertThat(e.getMessage())
        .isEqualTo(
            "CreateChangeSet: ValidationError: Parameters: [Foo] must have values"
                + " (HTTP 400, request id req-1)");
  }

  @Test
  void echoedRequestValuesNeverReachTheMessageOrACause() {
    String secret = "hunter2-admin-password";
    AwsServiceException sdk =
        aws(
            400,
            "InvalidParameterException",
            "1 validation error detected: Value '[tti-lw-stack, is-db, create-admin-user,"
                + " --password, "
                + secret
                + "]' at 'overrides.containerOverrides.1.member.command' failed to satisfy"
                + " constraint: Member must have length less than or equal to 8192");
    AwsException e = AwsErrors.map("RunTask", sdk);
    assertThat(e.getMessage())
        .doesNotContain(secret)
        .contains("at 'overrides.containerOverrides.1.member.command' failed to satisfy");
    assertThat(e.getCause()).isNull();
    assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
  }

  @Test
  void anAwsExceptionPassesThroughUnchanged() {
    AwsException original = new AwsException(Kind.NOT_FOUND, "X", "Y", "z");
    assertThat(AwsErrors.map("Other", original)).isSameAs(original);
  }
}
