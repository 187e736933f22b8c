package io.ttes.operator.aws.sdk;

import io.ttes.operator.aws.AwsException;
import io.ttes.operator.aws.AwsException.Kind;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Turns SDK exceptions into {@link AwsException}s. The SDK exception is never attached as the
 * cause: its message and toString would carry AWS's unredacted text into logs.
 */
final class AwsErrors {
  private static final Set<String> THROTTLING =
      Set.of(
          "Throttling",
          "ThrottlingException",
          "ThrottledException",
          "RequestThrottledException",
          "RequestThrottled",
          "TooManyRequestsException",
          "RequestLimitExceeded",
          "ProvisionedThroughputExceededException",
          "SlowDown",
          "PriorRequestNotComplete",
          "BandwidthLimitExceeded",
          "EC2ThrottledException");

  private static final Set<String> ACCESS_DENIED =
      Set.of(
          "UnauthorizedOperation",
          "UnauthorizedException",
          "ExpiredToken",
          "ExpiredTokenException",
          "InvalidClientTokenId",
          "UnrecognizedClientException",
          "AuthFailure",
          "SignatureDoesNotMatch");

  /** Another actor is changing the same thing; waiting and asking again helps. */
  private static final Set<String> CONFLICT =
      Set.of(
          "ConflictException",
          "ConcurrentModificationException",
          "OperationInProgressException",
          "IncorrectState");

  /**
   * AWS validation messages echo the rejected value ("Value '...' at 'overrides...' failed to
   * satisfy constraint"), and RunTask command overrides may hold secrets.
   */
  private static final Pattern ECHOED_VALUE = Pattern.compile("(?s)Value .*? at '");

  private AwsErrors() {}

  /** Runs one AWS call and maps any failure. */
  static <T> T call(String operation, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw map(operation, e);
    }
  }

  static void run(String operation, Runnable call) {
    call(
        operation,
        () -> {
          call.run();
          return null;
        });
  }

  static AwsException map(String operation, Exception e) {
    if (e instanceof AwsException aws) {
      return aws;
    }
    if (e instanceof AwsServiceException ase) {
      AwsErrorDetails details = ase.awsErrorDetails();
      String code = details == null ? null : details.errorCode();
      String message = details == null ? null : details.errorMessage();
      Kind kind = classify(ase, code, message);
      return new AwsException(kind, operation, code, describe(ase, message));
    }
    if (e instanceof SdkServiceException sse) {
      Kind kind =
          isThrottling(sse) || sse.statusCode() >= 500 ? Kind.RETRYABLE : Kind.INVALID_INPUT;
      return new AwsException(kind, operation, null, "HTTP " + sse.statusCode());
    }
    if (e instanceof SdkClientException) {
      // Network, timeouts, unreadable responses: the request may not even have reached AWS.
      return new AwsException(Kind.RETRYABLE, operation, "ClientError", firstLine(e.getMessage()));
    }
    return new AwsException(
        Kind.RETRYABLE, operation, e.getClass().getSimpleName(), firstLine(e.getMessage()));
  }

  static Kind classify(AwsServiceException e, String code, String message) {
    String c = code == null ? "" : code;
    String m = message == null ? "" : message;
    int status = e.statusCode();
    if (isThrottling(e)) {
      return Kind.RETRYABLE;
    }
    if (c.startsWith("AccessDenied") || ACCESS_DENIED.contains(c)) {
      return Kind.ACCESS_DENIED;
    }
    if (c.contains("NotFound")
        || c.contains("DoesNotExist")
        || c.startsWith("NoSuch")
        || m.contains("does not exist")) {
      return Kind.NOT_FOUND;
    }
    if (status >= 500 || status == 409 || CONFLICT.contains(c)) {
      return Kind.RETRYABLE;
    }
    if (status == 403) {
      return Kind.ACCESS_DENIED;
    }
    if (status >= 400) {
      return Kind.INVALID_INPUT;
    }
    return Kind.RETRYABLE;
  }

  static boolean isThrottling(SdkServiceException e) {
    if (e.isThrottlingException()) {
      return true;
    }
    return e instanceof AwsServiceException ase
        && ase.awsErrorDetails() != null
        && ase.awsErrorDetails().errorCode() != null
        && THROTTLING.contains(ase.awsErrorDetails().errorCode());
  }

  private static String describe(AwsServiceException e, String message) {
    String text = message == null || message.isBlank() ? "(no message)" : redact(message);
    String requestId = e.requestId();
    return text
        + " (HTTP "
        + e.statusCode()
        + (requestId == null || requestId.isBlank() ? "" : ", request id " + requestId)
        + ")";
  }

  static String redact(String awsMessage) {
    return ECHOED_VALUE.matcher(awsMessage).replaceAll("Value [redacted] at '");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
