package io.ttes.operator.opstask;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import io.ttes.operator.api.v1alpha1.OpsTask;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of an OpsTask wake its reconciler: a spec change (a new generation), a new value of
 * the retry annotation ({@code ops.ttes.io/retry}, which changes no generation), a change of the
 * finalizers (the SDK adds its finalizer and reconciles on that update) and the start of a
 * deletion. Status writes do not: the operator writes the status itself, and reacting to its own
 * writes would undo every reschedule (a RunTask refused for capacity would be asked again at once
 * instead of after its wait).
 */
public final class OpsTaskUpdates implements OnUpdateFilter<OpsTask> {
  @Override
  public boolean accept(OpsTask next, OpsTask previous) {
    return !Objects.equals(
            next.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
        || !Objects.equals(retry(next), retry(previous))
        || !Objects.equals(
            next.getMetadata().getFinalizers(), previous.getMetadata().getFinalizers())
        || !Objects.equals(
            next.getMetadata().getDeletionTimestamp(),
            previous.getMetadata().getDeletionTimestamp());
  }

  private static String retry(OpsTask task) {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ApiGroup.RETRY_ANNOTATION);
  }
}
