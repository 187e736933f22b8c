package io.ttes.operator.upgrade;

/**
 * What the upgrade does with one stack; the name is what status.plan.stacks[].disposition shows.
 */
public enum Disposition {
  /** The change set has changes: the stack is updated. */
  Changes,
  /** The change set had nothing to change: the stack is left alone, which is normal. */
  NoChanges,
  /** The user asked to leave the stack alone (spec.stacks[].skip). */
  Skipped,
  /**
   * The change set can only be known once an earlier stack is updated (its template reads that
   * stack's new outputs): it is planned when the upgrade reaches it.
   */
  JustInTime;

  /** Whether the upgrade walks a stack step for this stack (creates/executes a change set). */
  public boolean updates() {
    return this == Changes || this == JustInTime;
  }
}
