package io.ttes.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.api.v1alpha1.Platform;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.opstask.AmiInstances;
import io.ttes.operator.status.SpecProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Platform AMI: the instance comes from the stack unless pinned. */
class AmiClusterSpecTest {
  private static TTESClusterSpec spec(String... stacks) {
    TTESClusterSpec spec = new TTESClusterSpec();
    spec.setRegion("eu-west-1");
    spec.setPlatform(Platform.AMI);
    spec.setNaming(new TTESClusterSpec.Naming("prod", "eu1", "c1"));
    List<TTESClusterSpec.StackRef> refs = new ArrayList<>();
    for (int i = 0; i < stacks.length; i++) {
      refs.add(new TTESClusterSpec.StackRef(stacks[i], "0-" + (i + 1) + "-ami"));
    }
    spec.setStacks(refs);
    return spec;
  }

  private static StackInfo stack(String name, Map<String, String> outputs) {
    return new StackInfo(name, name, "CREATE_COMPLETE", null, null, Map.of(), outputs, Map.of());
  }

  @Test
  void theOnlyStackNeedsNoInstanceId() {
    TTESClusterSpec spec = spec("prod-eu1-ami");
    assertThatCode(() -> ClusterSpecValidator.validate(spec)).doesNotThrowAnyException();
    assertThat(
            AmiInstances.fromObserved(
                spec,
                Map.of("prod-eu1-ami", stack("prod-eu1-ami", Map.of("InstanceId", "i-0abc12345")))))
        .hasValue("i-0abc12345");
  }

  @Test
  void severalStacksNeedTheStackNamed() {
    TTESClusterSpec spec = spec("prod-eu1-ami", "prod-eu1-extra");
    assertThatThrownBy(() -> ClusterSpecValidator.validate(spec))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo("PlatformMismatch");
              assertThat(p.getMessage()).contains("spec.ops.ami.stack");
            });

    spec.getOps().setAmi(new TTESClusterSpec.Ami(null, List.of()));
    spec.getOps().getAmi().setStack("prod-eu1-other");
    assertThatThrownBy(() -> ClusterSpecValidator.validate(spec))
        .isInstanceOfSatisfying(
            SpecProblem.class, p -> assertThat(p.field()).isEqualTo("spec.ops.ami.stack"));

    spec.getOps().getAmi().setStack("prod-eu1-ami");
    spec.getOps().getAmi().setInstanceOutput("Host");
    assertThatCode(() -> ClusterSpecValidator.validate(spec)).doesNotThrowAnyException();
    assertThat(
            AmiInstances.fromObserved(
                spec, Map.of("prod-eu1-ami", stack("prod-eu1-ami", Map.of("Host", "i-0def67890")))))
        .hasValue("i-0def67890");
  }

  @Test
  void aPinnedInstanceWins() {
    TTESClusterSpec spec = spec();
    spec.getOps().setAmi(new TTESClusterSpec.Ami("i-0123456789abcdef0", List.of()));
    assertThatCode(() -> ClusterSpecValidator.validate(spec)).doesNotThrowAnyException();
    assertThat(AmiInstances.fromObserved(spec, Map.of())).hasValue("i-0123456789abcdef0");
  }
}
