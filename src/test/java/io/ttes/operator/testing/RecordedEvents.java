package io.ttes.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.status.EventRecorder;
import java.util.ArrayList;
import java.util.List;

/** An event recorder that keeps the events as "Type Reason: message" instead of sending them. */
public final class RecordedEvents extends EventRecorder {
  private final List<String> lines = new ArrayList<>();

  public RecordedEvents() {
    super(null, null);
  }

  /** The events recorded so far, oldest first (a live view). */
  public List<String> lines() {
    return lines;
  }

  @Override
  public void normal(HasMetadata object, String reason, String message) {
    lines.add("Normal " + reason + ": " + message);
  }

  @Override
  public void warning(HasMetadata object, String reason, String message) {
    lines.add("Warning " + reason + ": " + message);
  }
}
