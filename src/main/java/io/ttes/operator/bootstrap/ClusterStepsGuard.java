package io.ttes.operator.bootstrap;

import io.ttes.operator.bootstrap.BootstrapStep.Scope;

/**
 * One reconcile's view of the cluster-wide steps' guard ({@link ClusterBootstrapLedger}): a
 * bootstrap takes it before it starts a cluster-wide step and gives it back once it goes on to its
 * tenant steps, or when it ends.
 */
final class ClusterStepsGuard {
  /** The guard on the cluster: take it, give it back. */
  interface Hold {
    /** Takes the guard unless a live bootstrap has it; returns the holder after the attempt. */
    String acquire();

    /** Gives the guard back if this bootstrap has it. */
    void release();
  }

  private final String me;
  private final Hold hold;
  private boolean holding;

  /**
   * @param me this bootstrap, as namespace/name
   * @param holder the holder the cluster's status shows now (null: nobody)
   */
  ClusterStepsGuard(String me, String holder, Hold hold) {
    this.me = me;
    this.hold = hold;
    this.holding = me.equals(holder);
  }

  /**
   * Makes the guard fit the step about to be carried out: taken for a cluster-wide step, given back
   * for a tenant step. Returns null when the step may go ahead, or the other bootstrap that holds
   * the guard.
   */
  String claimFor(BootstrapStep step) {
    if (step.scope() == Scope.CLUSTER && !holding) {
      String holder = hold.acquire();
      if (!me.equals(holder)) {
        return holder;
      }
      holding = true;
    } else if (step.scope() == Scope.TENANT) {
      release();
    }
    return null;
  }

  /** Gives the guard back if this reconcile holds it. */
  void release() {
    if (holding) {
      hold.release();
      holding = false;
    }
  }
}
