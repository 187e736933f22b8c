package io.ttes.operator.status;

/**
 * What a reconcile concluded, in kstatus terms. {@link ConditionWriter} turns it into the three
 * conditions; nothing else writes them.
 */
public record Outcome(State state, String reason, String message) {
  /** The kstatus state of a resource. */
  public enum State {
    /** Desired state reached: Ready=True, Reconciling=False, Stalled=False. */
    READY,
    /** Work is under way: Ready=False, Reconciling=True, Stalled=False. */
    RECONCILING,
    /** Cannot progress until a person acts: Ready=False, Reconciling=False, Stalled=True. */
    STALLED,
    /**
     * Finished without success (a failed task or upgrade): Ready=False, Reconciling=False,
     * Stalled=True with the failure's reason, which kstatus computes as Failed. Unlike {@link
     * #STALLED} nothing is wrong with the spec: the run failed, and a retry annotation starts
     * again.
     */
    FAILED
  }

  public static Outcome ready(String reason, String message) {
    return new Outcome(State.READY, reason, message);
  }

  public static Outcome reconciling(String reason, String message) {
    return new Outcome(State.RECONCILING, reason, message);
  }

  public static Outcome stalled(String reason, String message) {
    return new Outcome(State.STALLED, reason, message);
  }

  public static Outcome failed(String reason, String message) {
    return new Outcome(State.FAILED, reason, message);
  }
}
