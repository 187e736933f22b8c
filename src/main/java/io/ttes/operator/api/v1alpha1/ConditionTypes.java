package io.ttes.operator.api.v1alpha1;

/** The condition types every kind reports (kstatus). */
public final class ConditionTypes {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  /**
   * TTESCluster only: a stack's template version or parameters differ from what the operator last
   * applied. Informational: it never changes Ready.
   */
  public static final String DRIFTED = "Drifted";

  private ConditionTypes() {}
}
