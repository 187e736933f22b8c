package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ttes.operator.digest.Sha256;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes events (core/v1) for what users should see in {@code kubectl describe}. The same
 * reason and message on the same object increments the count of one event instead of adding
 * another. Callers pass messages that never contain secret values. Failing to record an event is
 * logged and otherwise ignored: events are best effort.
 *
 * <p>No request reads an event first. As client-go's event correlator does, the counts of the
 * events this process recorded are kept in memory (the newest {@link #REMEMBERED}), so a new event
 * is one POST and a repeat one merge PATCH of count and lastTimestamp. Only an event this process
 * does not remember (recorded before a restart, or forgotten) costs a GET after its POST answered
 * 409.
 */
public class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "ttes-operator";

  /** Events whose count is remembered; an older one is counted on by a GET after a 409. */
  static final int REMEMBERED = 4096;

  private final KubernetesClient client;
  private final Clock clock;

  /** namespace/name → count written, the newest last. */
  private final Map<String, Integer> counts =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
          return size() > REMEMBERED;
        }
      };

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message);
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message);
  }

  private void record(HasMetadata object, String type, String reason, String message) {
    String namespace = object.getMetadata().getNamespace();
    String name = object.getMetadata().getName() + "." + digest(object, type, reason, message);
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    var events = client.v1().events().inNamespace(namespace);
    String key = namespace + "/" + name;
    Integer known;
    synchronized (counts) {
      known = counts.get(key);
    }
    if (known != null) {
      try {
        int count = known + 1;
        // A merge patch of the two fields, sent as is (a patch by name alone would GET first).
        events
            .resource(named(name, namespace).withCount(count).withLastTimestamp(now).build())
            .patch(PatchContext.of(PatchType.JSON_MERGE));
        remember(key, count);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          log.warn("could not record event {} on {}: {}", reason, name, e.getMessage());
          return;
        }
        forget(key); // expired (events live an hour by default): record it anew
      }
    }
    try {
      // Create first: most events are new, and a GET before each would double the requests.
      events
          .resource(
              named(name, namespace)
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(object.getApiVersion())
                          .withKind(object.getKind())
                          .withName(object.getMetadata().getName())
                          .withNamespace(namespace)
                          .withUid(object.getMetadata().getUid())
                          .withResourceVersion(object.getMetadata().getResourceVersion())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(truncate(message))
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .build())
          .create();
      remember(key, 1);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.warn("could not record event {} on {}: {}", reason, name, e.getMessage());
        return;
      }
      try {
        // Recorded before this process started: read its count once, then count in memory.
        var existing = events.withName(name).get();
        if (existing != null) {
          int count = existing.getCount() == null ? 2 : existing.getCount() + 1;
          existing.setCount(count);
          existing.setLastTimestamp(now);
          events.resource(existing).update();
          remember(key, count);
        }
      } catch (KubernetesClientException again) {
        log.warn("could not record event {} on {}: {}", reason, name, again.getMessage());
      }
    }
  }

  private static EventBuilder named(String name, String namespace) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata();
  }

  private void remember(String key, int count) {
    synchronized (counts) {
      counts.put(key, count);
    }
  }

  private void forget(String key) {
    synchronized (counts) {
      counts.remove(key);
    }
  }

  private static String truncate(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
  }

  private static String digest(HasMetadata object, String type, String reason, String message) {
    // The uid and the text hashed as one: the same bytes as two updates of one digest.
    return Sha256.hex(object.getMetadata().getUid() + type + "\n" + reason + "\n" + message, 16);
  }
}
