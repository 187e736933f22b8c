package io.ttes.operator.cluster;

import io.ttes.operator.api.v1alpha1.TTESCluster;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.AwsTarget;

/** Where AWS calls for a cluster go: its region and, if set, the role to assume. */
public final class ClusterTarget {
  private ClusterTarget() {}

  public static AwsTarget of(TTESClusterSpec spec) {
    return new AwsTarget(
        spec.getRegion(), spec.getAws() == null ? null : spec.getAws().getRoleArn());
  }

  public static AwsTarget of(TTESCluster cluster) {
    return of(cluster.getSpec());
  }
}
