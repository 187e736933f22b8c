package io.ttes.operator.release;

/**
 * A catalogue document that cannot be used, with the document's name, the line and the field
 * ({@code releases[3].migrations[0].command}), in one line fit for a status condition's message:
 * {@code ttes-releases line 12: releases[3].migrations[0].command: is empty}.
 */
public class CatalogueProblem extends IllegalArgumentException {
  private final String source;
  private final int line;
  private final String field;

  public CatalogueProblem(String source, int line, String field, String message) {
    super(
        source
            + (line > 0 ? " line " + line : "")
            + ": "
            + (field == null ? "" : field + ": ")
            + message);
    this.source = source;
    this.line = line;
    this.field = field;
  }

  /** The document's name as the caller gave it (a resource, a ConfigMap key). */
  public String source() {
    return source;
  }

  /** 1-based line of the value at fault; 0 when unknown. */
  public int line() {
    return line;
  }

  /** The field at fault, or null for the document as a whole. */
  public String field() {
    return field;
  }
}
