package io.ttes.operator.upgrade;

import io.ttes.operator.aws.Stacks.StackInfo;
import io.ttes.operator.version.StackVersions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Tags of an upgrade's change sets. CloudFormation replaces a stack's whole tag set with the
 * Tags of the change set it executes and propagates them to every resource of the stack
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html):
 * tagging with only the operator's own tag stripped users' cost and owner tags, and a changed tag
 * turned stacks whose template did not change into updates of all their resources. So a change set
 * carries the stack's tags exactly as they are, and the operator adds none: the version a stack
 * runs is read from its image parameters. The {@value StackVersions#VERSION_TAG} tag earlier
 * versions of the operator added is dropped (once; after that the tags no longer change).
 */
final class ChangeSetTags {
  private ChangeSetTags() {}

  static Map<String, String> of(StackInfo current) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (current != null && current.tags() != null) {
      tags.putAll(current.tags());
    }
    tags.remove(StackVersions.VERSION_TAG);
    return tags;
  }
}
