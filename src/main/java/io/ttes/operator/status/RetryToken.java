package io.ttes.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.ttes.operator.api.v1alpha1.ApiGroup;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The retry request of the kinds that can be retried after they failed (StackUpgrade,
 * TenantBootstrap): a new value of the annotation {@code ops.ttes.io/retry}. The value a reconcile
 * acted on is kept in {@code status.retryToken}, so one value asks for one retry, also after a
 * restart; what a retry means is the kind's own business.
 */
public final class RetryToken {
  private RetryToken() {}

  /** The annotation's value, or null. */
  public static String requested(HasMetadata resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ApiGroup.RETRY_ANNOTATION);
  }

  /**
   * Takes a new retry value: when the annotation holds a value other than {@code consumed}, hands
   * it to {@code consume} (which records it in the status) and returns true; false otherwise.
   */
  public static boolean take(
      HasMetadata resource, Supplier<String> consumed, Consumer<String> consume) {
    String token = requested(resource);
    if (token == null || Objects.equals(token, consumed.get())) {
      return false;
    }
    consume.accept(token);
    return true;
  }
}
