package io.ttes.operator.aws;

import java.util.Objects;

/** Where AWS calls for one TTESCluster go: a region and an optional role to assume. */
public record AwsTarget(String region, String roleArn) {
  public AwsTarget {
    Objects.requireNonNull(region, "region");
    if (roleArn != null && roleArn.isBlank()) {
      roleArn = null;
    }
  }
}
