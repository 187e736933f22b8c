package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/** The upgrade wanted. */
@Data
@JsonClassDescription(
    "The upgrade wanted: the cluster, the target version and how change sets are approved.")
public class StackUpgradeSpec {
  public static final String SEMVER = "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$";

  @Required
  @JsonPropertyDescription("The TTESCluster to upgrade.")
  private ClusterRef clusterRef;

  @Required
  @Pattern(SEMVER)
  @JsonPropertyDescription("TTES version to move to, for example 3.33.2.")
  private String targetVersion;

  @JsonPropertyDescription("Per-stack overrides: skip a stack or set its parameters.")
  private List<StackOverride> stacks = new ArrayList<>();

  @JsonPropertyDescription("Parameter overrides for every stack that declares the parameter.")
  private Map<String, String> parameters = new LinkedHashMap<>();

  @Default("Automatic")
  @JsonPropertyDescription("Automatic, or Manual: execution waits until approvedPlan = plan hash.")
  private ApprovalMode approval = ApprovalMode.Automatic;

  @JsonPropertyDescription("Manual approval: set to status.plan.hash to let the plan execute.")
  private String approvedPlan;

  @Default("false")
  @JsonPropertyDescription("Plan only; never execute. Ends in phase Planned.")
  private boolean dryRun;

  @Default("false")
  @JsonPropertyDescription("Pause between steps; the running step finishes first.")
  private boolean suspend;

  @Default("false")
  @JsonPropertyDescription("Allow a targetVersion lower than the observed version.")
  private boolean allowDowngrade;

  @JsonPropertyDescription("Snapshots before a change set replaces or removes a data resource.")
  private DataProtection dataProtection = new DataProtection();

  @JsonPropertyDescription("Migration commands run right after a given template's stack.")
  private Migrations migrations = new Migrations();

  @JsonPropertyDescription(
      "Maintenance window: a stack or migration starts only while it is open (one already started"
          + " finishes). Planning and approval happen any time. Empty: any time.")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private Window window;

  // No schema default and left out of JSON while unset: an upgrade planned before this field
  // existed keeps its spec digest, so its plan stays valid.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyDescription(
      "Hops (the default when empty) or Direct: what an upgrade across a version the release notes"
          + " say to pass through does. Hops plans and executes one hop after another (each with"
          + " its own plan, approval, snapshots and migrations; status.hops); Direct stops with"
          + " IntermediateVersionRequired naming that version.")
  private Path path;

  // Left out of JSON while unset, and out of the spec digest (as approvedPlan is): asking for a
  // rollback must not void the plan of the upgrade it undoes.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyDescription(
      "True on a Failed or Succeeded upgrade: return every stack it updated to the template and"
          + " parameters recorded before its update, newest first, through the same approval and"
          + " snapshots. Database migrations are not undone. Once started a rollback runs to its"
          + " end; setting it back to false, or true again after it finished, changes nothing.")
  private Boolean rollback;

  /** Whether the spec asks for a rollback. */
  public boolean rollbackRequested() {
    return Boolean.TRUE.equals(rollback);
  }

  /** How an upgrade crosses a version the release notes require an upgrade to pass through. */
  public enum Path {
    Hops,
    Direct
  }

  /** A maintenance window as written: days of the week, start time, duration and time zone. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Window {
    @JsonPropertyDescription(
        "Days the window opens: Monday..Sunday or Mon..Sun, any case. Empty: every day.")
    private List<String> days = new ArrayList<>();

    @Required
    @JsonPropertyDescription("Wall-clock time it opens, HH:mm on a 24-hour clock, e.g. 02:00.")
    private String start;

    @Required
    @JsonPropertyDescription(
        "How long it stays open, as Kubernetes writes durations: 2h, 90m, 1h30m (1m to 168h).")
    private String duration;

    @JsonPropertyDescription("IANA time zone of days and start, e.g. Europe/Amsterdam. Empty: UTC.")
    private String timeZone;
  }

  /** A per-stack override. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class StackOverride {
    @Required
    @JsonPropertyDescription("Stack name, as in the cluster's spec.stacks.")
    private String name;

    @JsonPropertyDescription("Leave this stack as it is.")
    private boolean skip;

    @JsonPropertyDescription("Parameter values for this stack only.")
    private Map<String, String> parameters = new LinkedHashMap<>();
  }

  /** Data protection settings. */
  @Data
  public static class DataProtection {
    @Default("true")
    @JsonPropertyDescription(
        "Snapshot a database the change set would replace or remove, and pass the snapshot to the"
            + " template, before executing. When false such a plan waits for approval.")
    private boolean snapshotBeforeReplace = true;

    @JsonPropertyDescription(
        "Template parameter that receives the snapshot, per resource type. Defaults:"
            + " AWS::RDS::DBCluster=DBSnapshotIdentifier, AWS::RDS::DBInstance=DBSnapshotIdentifier,"
            + " AWS::ElastiCache::ReplicationGroup=SnapshotName,"
            + " AWS::ElastiCache::CacheCluster=SnapshotName, AWS::EC2::Volume=VolumeSnapshotID.")
    private Map<String, String> snapshotParameters = new LinkedHashMap<>();
  }

  /** Migrations after a stack. */
  @Data
  public static class Migrations {
    @Default("5-2-ecs-ops")
    @JsonPropertyDescription("Template after whose stack the migrations run.")
    private String after = "5-2-ecs-ops";

    @JsonPropertyDescription("Commands after the binary, run in order as OpsTasks.")
    private List<List<String>> commands =
        new ArrayList<>(
            List.of(
                List.of("is-db", "migrate"),
                List.of("ns-db", "migrate"),
                List.of("as-db", "migrate"),
                List.of("noc-db", "migrate"),
                List.of("dcs-db", "migrate")));
  }
}
