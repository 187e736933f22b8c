package io.ttes.operator;

import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code /healthz} (liveness) and {@code /readyz} answer. Both come from the Java Operator
 * SDK's event-source health: an informer that stopped or lost its watch leaves the caches stale,
 * and an operator acting on stale state is worse than one that restarts. A leader-election standby
 * runs no informers and is healthy and ready: it waits for the Lease (were it not ready, a rolling
 * update of two replicas would never finish; were it not live, the kubelet would restart it
 * forever).
 */
public final class OperatorHealth {
  /** One probe's answer: HTTP 200 when {@code ok}, else 503, with {@code body} as text. */
  public record Answer(boolean ok, String body) {}

  /**
   * The facts the answers are decided from: whether the operator runs its controllers, whether it
   * is a standby, and the event sources that report unhealthy ("controller/source: detail").
   */
  public record Facts(boolean started, boolean standby, List<String> unhealthy) {}

  private OperatorHealth() {}

  public static Answer liveness(Facts facts) {
    if (facts.standby()) {
      return new Answer(true, "ok: standby, waiting for the leader Lease\n");
    }
    if (!facts.unhealthy().isEmpty()) {
      return new Answer(false, "unhealthy event sources:\n" + lines(facts.unhealthy()));
    }
    return new Answer(true, "ok\n");
  }

  public static Answer readiness(Facts facts) {
    if (facts.standby()) {
      return new Answer(true, "ready: standby, waiting for the leader Lease\n");
    }
    if (!facts.started()) {
      return new Answer(false, "not ready: controllers not started\n");
    }
    if (!facts.unhealthy().isEmpty()) {
      return new Answer(false, "not ready, unhealthy event sources:\n" + lines(facts.unhealthy()));
    }
    return new Answer(true, "ready\n");
  }

  /**
   * Reads the facts from JOSDK. Informer event sources are named with each informer's namespace and
   * what it lacks (running, watching, synced), so the probe's message says what broke.
   */
  public static Facts facts(RuntimeInfo runtime, boolean standby) {
    if (standby) {
      return new Facts(runtime.isStarted(), true, List.of());
    }
    Map<String, String> unhealthy = new TreeMap<>();
    runtime
        .unhealthyEventSources()
        .forEach(
            (controller, sources) ->
                sources.forEach(
                    (source, indicator) ->
                        unhealthy.put(controller + "/" + source, indicator.getStatus().name())));
    runtime
        .unhealthyInformerWrappingEventSourceHealthIndicator()
        .forEach(
            (controller, sources) ->
                sources.forEach(
                    (source, indicator) ->
                        unhealthy.put(
                            controller + "/" + source,
                            informerDetail(indicator.informerHealthIndicators()))));
    List<String> list = new ArrayList<>();
    unhealthy.forEach((name, detail) -> list.add(name + ": " + detail));
    return new Facts(runtime.isStarted(), false, list);
  }

  private static String informerDetail(Map<String, InformerHealthIndicator> informers) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(informers)
        .forEach(
            (namespace, informer) -> {
              List<String> missing = new ArrayList<>();
              if (!informer.isRunning()) {
                missing.add("not running");
              }
              if (!informer.isWatching()) {
                missing.add("not watching");
              }
              if (!informer.hasSynced()) {
                missing.add("not synced");
              }
              if (!missing.isEmpty()) {
                parts.add(
                    (namespace == null || Constants.WATCH_ALL_NAMESPACES.equals(namespace)
                            ? "all namespaces"
                            : "namespace " + namespace)
                        + " "
                        + String.join(", ", missing));
              }
            });
    return parts.isEmpty() ? "UNHEALTHY" : String.join("; ", parts);
  }

  private static String lines(List<String> items) {
    StringBuilder out = new StringBuilder();
    items.forEach(i -> out.append("  ").append(i).append('\n'));
    return out.toString();
  }
}
