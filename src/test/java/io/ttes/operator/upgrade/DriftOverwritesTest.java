package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedDrift;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.ParameterDrift;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus.StackDrift;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The drift laid beside the plan never carries a NoEcho parameter's values, even when the cluster's
 * drift (written by an older operator on an emulator that did not mask) names one.
 */
class DriftOverwritesTest {
  @Test
  void aNoEchoParameterInTheClustersDriftNeverReachesThePlan() {
    TTESClusterStatus cluster = new TTESClusterStatus();
    StackDrift d = new StackDrift();
    d.setName("prod-5-4-ecs-services");
    d.setAppliedVersion("3.33.1");
    d.setCurrentVersion("3.33.1");
    d.getParameters().add(parameter("CookieHashKey", "old-secret-value", "new-secret-value"));
    d.getParameters().add(parameter("Token", "****", "****"));
    d.getParameters().add(parameter("Replicas", "2", "3"));
    cluster.setDrift(List.of(d));
    PlannedStack ps = new PlannedStack();
    ps.setName("prod-5-4-ecs-services");
    ps.setDisposition(Disposition.Changes.name());
    ps.getSentParameters().add(sent("CookieHashKey", true));
    ps.getSentParameters().add(sent("Token", false));
    ps.getSentParameters().add(sent("Replicas", false));
    Plan plan = new Plan();
    plan.getStacks().add(ps);

    List<PlannedDrift> drift = DriftOverwrites.of(cluster, plan, "3.33.2");

    assertThat(drift).extracting(PlannedDrift::getParameter).containsExactly("Replicas");
    assertThat(drift.toString()).doesNotContain("secret-value");
  }

  private static ParameterDrift parameter(String name, String applied, String current) {
    ParameterDrift p = new ParameterDrift();
    p.setName(name);
    p.setApplied(applied);
    p.setCurrent(current);
    return p;
  }

  private static SentParameter sent(String key, boolean noEcho) {
    SentParameter s = new SentParameter();
    s.setKey(key);
    s.setUsePreviousValue(true);
    s.setNoEcho(noEcho ? true : null);
    return s;
  }
}
