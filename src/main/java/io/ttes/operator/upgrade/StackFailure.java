package io.ttes.operator.upgrade;

import io.ttes.operator.aws.Stacks.StackEvent;
import java.util.List;
import java.util.Optional;

/**
 * The stack event that explains why an update failed, found among the events of that update (newest
 * first, as DescribeStackEvents returns them, back to the update's first event). The resource that
 * failed first is the cause; "Resource update cancelled" events of the resources CloudFormation
 * stopped afterwards, and the stack's own events, only follow from it.
 */
record StackFailure(StackEvent event) {
  static final String CANCELLED = "Resource update cancelled";

  /**
   * What CloudFormation writes when the stack policy denies an update of a resource
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html):
   * "Action denied by stack policy: Statement [#1] does not allow [Update:*] for resource
   * [LogicalResourceId/...]". The update fails and the stack rolls back.
   */
  static final String POLICY_DENIAL = "denied by stack policy";

  static Optional<StackFailure> of(String stackName, List<StackEvent> newestFirst) {
    StackEvent cause = null;
    StackEvent anyFailed = null;
    for (StackEvent e : newestFirst) {
      if (!e.failed()) {
        continue;
      }
      anyFailed = e;
      boolean stackItself = "AWS::CloudFormation::Stack".equals(e.resourceType());
      boolean cancelled = e.reason() != null && e.reason().contains(CANCELLED);
      if (!stackItself && !cancelled) {
        cause = e;
      }
    }
    StackEvent found = cause != null ? cause : anyFailed;
    return Optional.ofNullable(found).map(StackFailure::new);
  }

  boolean deniedByStackPolicy() {
    return event.reason() != null && event.reason().contains(POLICY_DENIAL);
  }

  /** The message of a {@code StackPolicyDenied} failure of {@code stack}. */
  String policyDenial(String stack) {
    return "the stack policy of stack "
        + stack
        + " denies the update ("
        + describe()
        + "); CloudFormation rolled the stack back and no later stack was changed; allow the"
        + " update in the stack policy of "
        + stack
        + " (aws cloudformation set-stack-policy --stack-name "
        + stack
        + ")";
  }

  String describe() {
    return event.logicalId()
        + " ("
        + event.resourceType()
        + ") "
        + event.status()
        + ": "
        + event.reason();
  }
}
