package io.ttes.operator.upgrade;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ttes_upgrades{phase}}: how many StackUpgrades are in each phase right now. The label is
 * the phase only (bounded); which upgrade is where stays in Kubernetes.
 */
public final class UpgradeMetrics {
  private final Map<String, UpgradePhase> phases = new ConcurrentHashMap<>();

  public UpgradeMetrics(MeterRegistry registry) {
    for (UpgradePhase phase : UpgradePhase.values()) {
      Gauge.builder("ttes.upgrades", phases, m -> m.values().stream().filter(phase::equals).count())
          .description("StackUpgrades by phase")
          .tag("phase", phase.name())
          .register(registry);
    }
  }

  void observe(String uid, UpgradePhase phase) {
    if (uid == null) {
      return;
    }
    if (phase == null) {
      phases.remove(uid);
    } else {
      phases.put(uid, phase);
    }
  }

  void forget(String uid) {
    if (uid != null) {
      phases.remove(uid);
    }
  }
}
