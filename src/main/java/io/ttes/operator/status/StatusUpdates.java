package io.ttes.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Status writes for every reconciler: work on a deep copy, patch only when something changed, and
 * patch with a JSON patch of just the changed fields (so fields other controllers own on the same
 * status, like a cluster's activeUpgrade, are never overwritten with stale values). The patched
 * resource is put in JOSDK's cache, so the next reconcile sees what was written even before the
 * informer delivers it: the status works as a write-ahead log.
 */
public final class StatusUpdates {
  private StatusUpdates() {}

  /** A deep copy of the resource's status (a new one when absent) to compute the next one on. */
  public static <S, R extends CustomResource<?, S>> S copyStatus(R resource, Context<R> context) {
    S status = resource.getStatus();
    if (status == null) {
      return newStatus(resource);
    }
    return context.getClient().getKubernetesSerialization().clone(status);
  }

  /** A new, empty status of the resource's status class. */
  @SuppressWarnings("unchecked")
  public static <S, R extends CustomResource<?, S>> S newStatus(R resource) {
    Type type = resource.getClass().getGenericSuperclass();
    if (type instanceof ParameterizedType p
        && p.getActualTypeArguments()[1] instanceof Class<?> c) {
      try {
        return (S) c.getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create status of " + resource.getKind(), e);
      }
    }
    throw new IllegalStateException("no status type on " + resource.getClass());
  }

  /**
   * Patches the status to {@code next} when it differs; returns the resource as now stored (or the
   * given one when nothing changed).
   */
  public static <S, R extends CustomResource<?, S>> R patch(
      R resource, Context<R> context, S next) {
    if (Objects.equals(resource.getStatus(), next)) {
      return resource;
    }
    if (resource.getStatus() == null) {
      // A JSON patch cannot add fields under a status that is stored as null (as JOSDK's
      // finalizer update leaves it); the first status is written whole with a merge patch.
      return PrimaryUpdateAndCacheUtils.mergePatchStatusAndCacheResource(
          resource,
          context,
          r -> {
            r.setStatus(next);
            return r;
          });
    }
    return PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(
        resource,
        context,
        r -> {
          r.setStatus(onto(resource.getStatus(), next, r.getStatus(), context));
          return r;
        });
  }

  /**
   * After a conflict JOSDK applies the change again to a newer version of the resource; setting the
   * whole status there would put back stale values of fields another writer changed meanwhile (a
   * cluster's activeUpgrade taken or released by an upgrade). So only what this reconcile changed
   * ({@code before} → {@code next}) is applied to the newer status.
   */
  @SuppressWarnings("unchecked")
  private static <S, R extends CustomResource<?, S>> S onto(
      S before, S next, S current, Context<R> context) {
    if (Objects.equals(before, current) || before == null || current == null) {
      return next;
    }
    var json = context.getClient().getKubernetesSerialization();
    try {
      JsonNode patch =
          JsonDiff.asJson(
              json.convertValue(before, JsonNode.class), json.convertValue(next, JsonNode.class));
      JsonNode merged = JsonPatch.apply(patch, json.convertValue(current, JsonNode.class));
      return (S) json.convertValue(merged, next.getClass());
    } catch (RuntimeException e) {
      return next;
    }
  }

  /** Copies the status, lets {@code change} edit the copy, and patches when it changed. */
  public static <S, R extends CustomResource<?, S>> R edit(
      R resource, Context<R> context, Consumer<S> change) {
    S next = copyStatus(resource, context);
    change.accept(next);
    return patch(resource, context, next);
  }
}
