package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.Action;
import io.ttes.operator.api.v1alpha1.OpsTaskFailurePolicy.Rule;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec;
import io.ttes.operator.api.v1alpha1.OpsTaskStatus.Attempt;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What happens after a failed attempt, in a Kubernetes Job's terms: the {@code failurePolicy} rules
 * (first match wins), then the defaults (infrastructure stops are Ignore, everything else Count),
 * then {@code backoffLimit} and the bound on ignored failures. Pure: data in, verdict out.
 */
final class RetryPolicy {
  /** Failed attempts retried without counting, per OpsTask, before they count after all. */
  static final int MAX_IGNORED = 5;

  /** Backoff before the second attempt; doubled for each further one, up to {@link #MAX_DELAY}. */
  static final Duration FIRST_DELAY = Duration.ofSeconds(10);

  static final Duration MAX_DELAY = Duration.ofMinutes(5);

  /** Reason of an OpsTask whose counted failures exceeded a backoffLimit above 0. */
  static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";

  /**
   * Stop codes the defaults retry without counting: the command did not run (TaskFailedToStart, SSM
   * Undeliverable / DeliveryTimedOut) or AWS took the capacity away (SpotInterruption,
   * TerminationNotice).
   */
  static final Set<String> INFRASTRUCTURE_STOPS =
      Set.of(
          "TaskFailedToStart",
          "SpotInterruption",
          "TerminationNotice",
          "Undeliverable",
          "DeliveryTimedOut");

  private RetryPolicy() {}

  /** How an attempt failed: the exit code (null: none), the stop code and our reason. */
  record Failure(Integer exitCode, String stopCode, String reason) {}

  /**
   * The decision about one failed attempt.
   *
   * @param action what was applied
   * @param retry true when a new attempt follows
   * @param reason the OpsTask's reason when it fails (the attempt's, or BackoffLimitExceeded)
   * @param why how the decision was reached, in a message's words
   */
  record Verdict(Action action, boolean retry, String reason, String why) {}

  static Verdict judge(OpsTaskSpec spec, List<Attempt> previous, Failure failure) {
    Matched matched = match(spec.getFailurePolicy(), failure);
    Action action = matched.action();
    String why = matched.why();
    if (action == Action.Fail) {
      return new Verdict(Action.Fail, false, failure.reason(), why + ": Fail, not retried");
    }
    if (action == Action.Ignore) {
      long ignored =
          previous.stream().filter(a -> Action.Ignore.name().equals(a.getAction())).count();
      if (ignored < MAX_IGNORED) {
        return new Verdict(
            Action.Ignore,
            true,
            failure.reason(),
            why
                + ": Ignore, retried without counting ("
                + (ignored + 1)
                + " of "
                + MAX_IGNORED
                + ")");
      }
      action = Action.Count;
      why += ": Ignore, but " + MAX_IGNORED + " failures were retried without counting already";
    }
    int limit = backoffLimit(spec);
    long counted =
        previous.stream().filter(a -> Action.Count.name().equals(a.getAction())).count() + 1;
    if (counted <= limit) {
      return new Verdict(
          Action.Count,
          true,
          failure.reason(),
          why + ": Count, failure " + counted + " of backoffLimit " + limit + ", retried");
    }
    return new Verdict(
        Action.Count,
        false,
        limit == 0 ? failure.reason() : BACKOFF_LIMIT_EXCEEDED,
        why + ": Count, failure " + counted + " exceeds backoffLimit " + limit);
  }

  /** The pause before attempt {@code next} (2, 3, ...): 10 s doubling, at most 5 minutes. */
  static Duration backoff(int next) {
    int doublings = Math.max(0, next - 2);
    if (doublings >= 10) {
      return MAX_DELAY;
    }
    Duration d = FIRST_DELAY.multipliedBy(1L << doublings);
    return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
  }

  static int backoffLimit(OpsTaskSpec spec) {
    return spec.getBackoffLimit() == null ? 0 : spec.getBackoffLimit();
  }

  /**
   * The action of the first rule of {@code policy} matching a RunTask failures[] reason, or null
   * when none does.
   */
  static Action forRefusal(OpsTaskFailurePolicy policy, String failureReason) {
    Matched m = userRule(policy, new Failure(null, failureReason, null));
    return m == null ? null : m.action();
  }

  private record Matched(Action action, String why) {}

  private static Matched match(OpsTaskFailurePolicy policy, Failure failure) {
    Matched rule = userRule(policy, failure);
    if (rule != null) {
      return rule;
    }
    if (failure.stopCode() != null && INFRASTRUCTURE_STOPS.contains(failure.stopCode())) {
      return new Matched(Action.Ignore, "stop code " + failure.stopCode() + " (default)");
    }
    return new Matched(
        Action.Count,
        failure.exitCode() != null
            ? "exit code " + failure.exitCode() + " (default)"
            : "stop code " + failure.stopCode() + " (default)");
  }

  private static Matched userRule(OpsTaskFailurePolicy policy, Failure failure) {
    if (policy == null || policy.getRules() == null) {
      return null;
    }
    List<Rule> rules = policy.getRules();
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      if (rule.getAction() != null && matches(rule, failure)) {
        return new Matched(rule.getAction(), "spec.failurePolicy.rules[" + i + "]");
      }
    }
    return null;
  }

  private static boolean matches(Rule rule, Failure failure) {
    if (rule.getOnExitCodes() != null) {
      if (failure.exitCode() == null || rule.getOnExitCodes().getOperator() == null) {
        return false;
      }
      boolean listed =
          rule.getOnExitCodes().getValues() != null
              && rule.getOnExitCodes().getValues().contains(failure.exitCode());
      return switch (rule.getOnExitCodes().getOperator()) {
        case In -> listed;
        case NotIn -> !listed;
      };
    }
    if (rule.getOnStopCodes() != null && failure.stopCode() != null) {
      for (String pattern : rule.getOnStopCodes()) {
        if (pattern.endsWith("*")
            ? failure.stopCode().startsWith(pattern.substring(0, pattern.length() - 1))
            : failure.stopCode().equals(pattern)) {
          return true;
        }
      }
    }
    return false;
  }
}
