package io.ttes.operator.status;

/**
 * A spec (or something it references) that cannot work until a person changes it. It ends in {@code
 * Stalled=True} with {@link #reason()} and a message naming {@link #field()}, a Warning event, and
 * no AWS call. The message must never contain a secret value.
 */
public class SpecProblem extends RuntimeException {
  private final String reason;
  private final String field;

  public SpecProblem(String reason, String field, String message) {
    super(field == null ? message : field + ": " + message);
    this.reason = reason;
    this.field = field;
  }

  public String reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}
