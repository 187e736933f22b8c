package io.ttes.operator.upgrade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.aws.ChangeSets.ChangeDetail;
import io.ttes.operator.aws.ChangeSets.ChangeSetInfo;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the recorded DescribeChangeSet responses in src/test/resources/changesets/. */
final class ChangeSetFixtures {
  static final String AURORA_REPLACEMENT = "describe-change-set-aurora-replacement.json";
  static final String NO_CHANGES = "describe-change-set-no-changes.json";
  static final String REDIS_AND_VOLUME = "describe-change-set-redis-and-volume.json";
  static final String REDIS_CONDITIONAL = "describe-change-set-redis-conditional.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ChangeSetFixtures() {}

  static ChangeSetInfo load(String file) {
    try (InputStream in = ChangeSetFixtures.class.getResourceAsStream("/changesets/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + file);
      }
      return parse(JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same mapping the SDK implementation does: only Type=Resource changes are kept. */
  static ChangeSetInfo parse(JsonNode root) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (JsonNode p : root.path("Parameters")) {
      parameters.put(p.path("ParameterKey").asText(), text(p, "ParameterValue"));
    }
    List<ResourceChange> changes = new ArrayList<>();
    for (JsonNode c : root.path("Changes")) {
      if (!"Resource".equals(c.path("Type").asText())) {
        continue;
      }
      JsonNode rc = c.path("ResourceChange");
      changes.add(
          new ResourceChange(
              text(rc, "Action"),
              text(rc, "LogicalResourceId"),
              text(rc, "PhysicalResourceId"),
              text(rc, "ResourceType"),
              text(rc, "Replacement"),
              details(rc.path("Details"))));
    }
    return new ChangeSetInfo(
        text(root, "ChangeSetId"),
        text(root, "ChangeSetName"),
        text(root, "StackName"),
        text(root, "Status"),
        text(root, "ExecutionStatus"),
        text(root, "StatusReason"),
        parameters,
        changes);
  }

  private static List<ChangeDetail> details(JsonNode details) {
    List<ChangeDetail> out = new ArrayList<>();
    for (JsonNode d : details) {
      JsonNode t = d.path("Target");
      out.add(
          new ChangeDetail(
              text(t, "Attribute"),
              text(t, "Name"),
              text(t, "RequiresRecreation"),
              text(d, "Evaluation"),
              text(d, "ChangeSource"),
              text(d, "CausingEntity")));
    }
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
