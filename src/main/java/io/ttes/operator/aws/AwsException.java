package io.ttes.operator.aws;

/**
 * A failed AWS call, classified so reconcilers know whether to retry. The message never holds a
 * secret value: implementations build it from the operation, the error code and AWS's message.
 */
public class AwsException extends RuntimeException {
  /** How a caller should treat the failure. */
  public enum Kind {
    /** The thing asked for does not exist. */
    NOT_FOUND,
    /** Credentials or IAM do not allow the call; retrying will not help until a person acts. */
    ACCESS_DENIED,
    /** AWS rejected the input; retrying the same call will not help. */
    INVALID_INPUT,
    /** Throttling, 5xx, conflicts, network: retry with backoff. */
    RETRYABLE
  }

  private final Kind kind;
  private final String operation;
  private final String errorCode;

  public AwsException(
      Kind kind, String operation, String errorCode, String message, Throwable cause) {
    super(operation + ": " + (errorCode == null ? "" : errorCode + ": ") + message, cause);
    this.kind = kind;
    this.operation = operation;
    this.errorCode = errorCode;
  }

  public AwsException(Kind kind, String operation, String errorCode, String message) {
    this(kind, operation, errorCode, message, null);
  }

  public Kind kind() {
    return kind;
  }

  public String operation() {
    return operation;
  }

  public String errorCode() {
    return errorCode;
  }

  public boolean isRetryable() {
    return kind == Kind.RETRYABLE;
  }
}
