package io.ttes.operator.api.v1alpha1;

/** Constants of the API group shared by all kinds. */
public final class ApiGroup {
  public static final String GROUP = "ops.ttes.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** The category of every kind: {@code kubectl get ttes} lists them all. */
  public static final String CATEGORY = "ttes";

  /** Annotation that asks the operator to retry a failed resource from the failed step. */
  public static final String RETRY_ANNOTATION = GROUP + "/retry";

  /** Label put on owned OpsTasks naming the cluster they run against. */
  public static final String CLUSTER_LABEL = GROUP + "/cluster";

  /** Label put on owned OpsTasks naming the kind of their owner. */
  public static final String OWNER_KIND_LABEL = GROUP + "/owner-kind";

  private ApiGroup() {}
}
