package io.ttes.operator.cluster;

import io.ttes.operator.aws.ChangeSets;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.StackVersions;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The NoEcho keys a stack's current template declares, for the drift baseline and comparison: read
 * with GetTemplateSummary by stack name (one call) once per stack and template, and kept in memory
 * (a restart reads them once more). The template of a stack can only change with an update, so a
 * reading stays good while the stack's id, TTES version and last update time are the ones it was
 * read at; an update outside the operator (which may bring a template with new NoEcho parameters
 * and the same version) is read again. One entry per stack id, replaced when the stack moves on.
 */
final class DeclaredNoEcho {
  private record Reading(String version, Instant lastUpdated, Set<String> keys) {}

  private final Map<String, Reading> byStack = new ConcurrentHashMap<>();

  /**
   * The NoEcho keys of the template {@code stack} runs now.
   *
   * @throws io.ttes.operator.aws.AwsException when GetTemplateSummary is refused (nothing is kept:
   *     the next observation asks again)
   */
  Set<String> of(StackInfo stack, ChangeSets changeSets) {
    String id = stack.stackId() == null ? stack.name() : stack.stackId();
    String version =
        StackVersions.of(stack.tags(), stack.parameters()).map(Object::toString).orElse(null);
    Reading known = byStack.get(id);
    if (known != null
        && Objects.equals(known.version(), version)
        && Objects.equals(known.lastUpdated(), stack.lastUpdated())) {
      return known.keys();
    }
    Set<String> keys = new LinkedHashSet<>();
    for (TemplateParameter p : changeSets.stackTemplateSummary(stack.name()).parameters()) {
      if (p.noEcho()) {
        keys.add(p.key());
      }
    }
    Set<String> read = Set.copyOf(keys);
    byStack.put(id, new Reading(version, stack.lastUpdated(), read));
    return read;
  }
}
