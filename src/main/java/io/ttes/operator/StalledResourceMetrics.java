package io.ttes.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ttes.operator.api.v1alpha1.ConditionTypes;
import io.ttes.operator.api.v1alpha1.KindStatus;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.TenantBootstrapStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code ttes_resources_stalled{kind}}: how many resources of a kind have {@code Stalled=True} and
 * wait for a person (a spec to fix, a permission to grant), and {@code
 * ttes_resources_stalled_oldest_seconds{kind}}: since when the oldest of them is stalled (its
 * condition's lastTransitionTime), so that an alert can say "stalled for over N minutes" even when
 * Prometheus has not watched all that time. Read from the controllers' informer caches at scrape
 * time, so no API call; a standby (no caches) reports 0. The label is the kind only.
 *
 * <p>A run that finished {@code Failed} also reads Stalled=True (so that kstatus, and Flux with it,
 * sees it as failed), but it is over, not stuck: it is counted by {@code ttes_opstasks_total} and
 * {@code ttes_upgrades}, and left out here, or one failed ad-hoc OpsTask would keep the Stalled
 * alert firing until someone deletes it.
 */
final class StalledResourceMetrics {
  static final String COUNT = "ttes.resources.stalled";
  static final String OLDEST = "ttes.resources.stalled.oldest";

  /** Stalled resources of one kind right now. */
  record Summary(double count, double oldestSeconds) {}

  private StalledResourceMetrics() {}

  /** Registers both gauges for {@code kind}, reading {@code cache} at each scrape. */
  static void register(
      MeterRegistry registry,
      String kind,
      Supplier<Stream<? extends HasMetadata>> cache,
      Clock clock) {
    Gauge.builder(COUNT, () -> read(cache, clock).count())
        .description("Resources whose Stalled condition is True")
        .tag("kind", kind)
        .strongReference(true)
        .register(registry);
    Gauge.builder(OLDEST, () -> read(cache, clock).oldestSeconds())
        .description("Time since the longest-stalled resource of the kind became Stalled")
        .baseUnit("seconds")
        .tag("kind", kind)
        .strongReference(true)
        .register(registry);
  }

  /** A cache that cannot be read (informers stopping) gives NaN: unknown, not "none stalled". */
  private static Summary read(Supplier<Stream<? extends HasMetadata>> cache, Clock clock) {
    try {
      return summarize(cache.get(), clock.instant());
    } catch (RuntimeException e) {
      return new Summary(Double.NaN, Double.NaN);
    }
  }

  static Summary summarize(Stream<? extends HasMetadata> resources, Instant now) {
    long count = 0;
    Duration oldest = Duration.ZERO;
    for (HasMetadata resource : resources.toList()) {
      Condition stalled = stalled(resource);
      if (stalled == null) {
        continue;
      }
      count++;
      Duration age = since(stalled.getLastTransitionTime(), now);
      if (age.compareTo(oldest) > 0) {
        oldest = age;
      }
    }
    return new Summary(count, oldest.toMillis() / 1000.0);
  }

  private static Condition stalled(HasMetadata resource) {
    if (!(resource instanceof CustomResource<?, ?> cr)
        || !(cr.getStatus() instanceof KindStatus status)
        || status.getConditions() == null) {
      return null;
    }
    if (finishedFailed(status)) {
      return null;
    }
    return status.getConditions().stream()
        .filter(c -> ConditionTypes.STALLED.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst()
        .orElse(null);
  }

  private static boolean finishedFailed(KindStatus status) {
    Enum<?> phase = null;
    if (status instanceof OpsTaskStatus s) {
      phase = s.getPhase();
    } else if (status instanceof StackUpgradeStatus s) {
      phase = s.getPhase();
    } else if (status instanceof TenantBootstrapStatus s) {
      phase = s.getPhase();
    }
    return phase != null && phase.name().equals("Failed");
  }

  private static Duration since(String time, Instant now) {
    if (time == null) {
      return Duration.ZERO;
    }
    try {
      Duration age = Duration.between(Instant.parse(time), now);
      return age.isNegative() ? Duration.ZERO : age;
    } catch (DateTimeParseException e) {
      return Duration.ZERO;
    }
  }
}
