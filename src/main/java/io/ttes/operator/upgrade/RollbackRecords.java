package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.RollbackRecord;
import io.ttes.operator.api.v1alpha1.RollbackStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.SentParameter;
import io.ttes.operator.api.v1alpha1.TTESClusterStatus;
import io.ttes.operator.aws.Stacks.StackInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The write-ahead records in status.rollback.stacks: what a stack was (template URL of the version
 * it ran, parameters, tags) before the upgrade executed a change set on it, and whether that update
 * completed. A record is written in the status write that names the change set being executed, so
 * it exists before AWS hears of the execution; a NoEcho value is never read, only recorded as
 * UsePreviousValue.
 */
final class RollbackRecords {
  private RollbackRecords() {}

  /** Whether {@code stack} still needs its record: a forward step of a stack not recorded yet. */
  static boolean needed(StackUpgradeStatus status, String stack) {
    return !RollbackPlanner.isRollback(status.getPlan()) && find(status, stack).isEmpty();
  }

  /** Records {@code current}, the stack just before its change set executes. */
  static void record(UpgradeRun run, PlannedStack ps, StackInfo current, String now) {
    RollbackRecord r = new RollbackRecord();
    r.setName(ps.getName());
    r.setTemplate(ps.getTemplate());
    String version = versionOf(run, ps.getName());
    r.setVersion(version);
    // A stack whose version nobody observed (no version tag, no version parameter) gets no URL: its
    // earlier template cannot be named, and a rollback says so instead of guessing.
    r.setTemplateUrl(
        version == null
            ? null
            : StackPlanReader.templateUrl(run.cluster.getSpec(), version, ps.getTemplate()));
    Set<String> noEcho =
        ps.getSentParameters().stream()
            .filter(p -> Boolean.TRUE.equals(p.getNoEcho()))
            .map(SentParameter::getKey)
            .collect(Collectors.toSet());
    // Sorted by key: DescribeStacks gives no declaration order, and the record must be stable.
    Map<String, String> parameters =
        current.parameters() == null ? Map.of() : new TreeMap<>(current.parameters());
    List<SentParameter> values = new ArrayList<>();
    List<SentParameter> previous = new ArrayList<>();
    parameters.forEach(
        (key, value) -> {
          SentParameter p = new SentParameter();
          p.setKey(key);
          if (noEcho.contains(key) || ParameterPlanner.MASK.equals(value)) {
            // DescribeStacks answers **** for a NoEcho parameter: only CloudFormation knows it.
            p.setUsePreviousValue(true);
            p.setNoEcho(true);
            previous.add(p);
          } else {
            p.setValue(value);
            values.add(p);
          }
        });
    values.addAll(previous);
    r.setParameters(values);
    r.setTags(new LinkedHashMap<>(ChangeSetTags.of(current)));
    r.setUpdated(false);
    r.setRecordedAt(now);
    rollback(run.status).getStacks().add(r);
  }

  /** The stack's update completed: a rollback returns it to its record. */
  static void markUpdated(StackUpgradeStatus status, String stack) {
    if (!RollbackPlanner.isRollback(status.getPlan())) {
      find(status, stack).ifPresent(r -> r.setUpdated(true));
    }
  }

  /** The records of the stacks whose update completed, newest first (reverse template order). */
  static List<RollbackRecord> toRollBack(StackUpgradeStatus status) {
    if (status.getRollback() == null) {
      return List.of();
    }
    TemplateOrder order = new TemplateOrder();
    return status.getRollback().getStacks().stream()
        .filter(r -> Boolean.TRUE.equals(r.getUpdated()))
        .sorted(
            Comparator.comparing(RollbackRecord::getTemplate, order)
                .thenComparing(RollbackRecord::getName)
                .reversed())
        .toList();
  }

  static RollbackStatus rollback(StackUpgradeStatus status) {
    if (status.getRollback() == null) {
      status.setRollback(new RollbackStatus());
    }
    return status.getRollback();
  }

  private static Optional<RollbackRecord> find(StackUpgradeStatus status, String stack) {
    return status.getRollback() == null
        ? Optional.empty()
        : status.getRollback().getStacks().stream()
            .filter(r -> stack.equals(r.getName()))
            .findFirst();
  }

  /** The version the cluster observed on the stack; the upgrade's starting version otherwise. */
  private static String versionOf(UpgradeRun run, String stack) {
    TTESClusterStatus cs = run.cluster.getStatus();
    if (cs != null && cs.getStacks() != null) {
      for (TTESClusterStatus.StackStatus s : cs.getStacks()) {
        if (stack.equals(s.getName()) && s.getVersion() != null) {
          return s.getVersion();
        }
      }
    }
    return run.status.getFromVersion() != null
        ? run.status.getFromVersion()
        : cs == null ? null : cs.getVersion();
  }
}
