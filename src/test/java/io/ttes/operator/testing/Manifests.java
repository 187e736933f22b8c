package io.ttes.operator.testing;

import java.util.List;

/** Manifests of the operator's kinds that many suites write the same way. */
public final class Manifests {
  private Manifests() {}

  /** An OpsTask running {@code command} (the words after the binary) on the named cluster. */
  public static String opsTask(String name, String cluster, List<String> command) {
    return """
        apiVersion: ops.ttes.io/v1alpha1
        kind: OpsTask
        metadata: {name: %s}
        spec: {clusterRef: {name: %s}, command: [%s]}
        """
        .formatted(name, cluster, String.join(", ", command));
  }
}
