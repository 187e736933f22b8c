package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.Snapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Snapshots in memory. {@link #ensure} describes first and creates only when absent, like the real
 * implementation; a snapshot reports CREATING to the first N ensures (default one, the creating
 * call) and AVAILABLE afterwards, unless told to fail. Thread-safe.
 */
public final class FakeSnapshots implements Snapshots {
  private final CallLog calls;
  private final Map<String, Entry> snapshots = new LinkedHashMap<>();
  private final Map<String, String> failures = new HashMap<>();
  private final List<SnapshotRequest> created = new ArrayList<>();
  private int ensuresWhileCreating = 1;
  private int sequence;
  private Consumer<String> timeline = entry -> {};

  public FakeSnapshots(CallLog calls) {
    this.calls = calls;
  }

  /** Where snapshots are noted ("snapshot:<name>", "snapshot-AVAILABLE:<name>"). */
  synchronized void timeline(Consumer<String> timeline) {
    this.timeline = timeline;
  }

  /** Ensures during which a new snapshot reports CREATING (default 1). */
  public synchronized FakeSnapshots ensuresWhileCreating(int ensures) {
    this.ensuresWhileCreating = ensures;
    return this;
  }

  /** The snapshot of that name ends FAILED with {@code message}. */
  public synchronized FakeSnapshots failSnapshot(String name, String message) {
    failures.put(name, message);
    return this;
  }

  /** Requests that created a snapshot, in order. */
  public synchronized List<SnapshotRequest> created() {
    return List.copyOf(created);
  }

  /** Operation names of the describe and create calls for a kind. */
  public static String describeOperation(Kind kind) {
    return switch (kind) {
      case RDS_CLUSTER -> "RDS.DescribeDBClusterSnapshots";
      case RDS_INSTANCE -> "RDS.DescribeDBSnapshots";
      case ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CACHE_CLUSTER ->
          "ElastiCache.DescribeSnapshots";
      case EBS_VOLUME -> "EC2.DescribeSnapshots";
    };
  }

  public static String createOperation(Kind kind) {
    return switch (kind) {
      case RDS_CLUSTER -> "RDS.CreateDBClusterSnapshot";
      case RDS_INSTANCE -> "RDS.CreateDBSnapshot";
      case ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CACHE_CLUSTER -> "ElastiCache.CreateSnapshot";
      case EBS_VOLUME -> "EC2.CreateSnapshot";
    };
  }

  @Override
  public SnapshotState ensure(SnapshotRequest request) {
    calls.call(describeOperation(request.kind()));
    boolean exists;
    synchronized (this) {
      exists = snapshots.containsKey(request.name());
    }
    if (!exists) {
      calls.call(createOperation(request.kind()));
      synchronized (this) {
        if (!snapshots.containsKey(request.name())) {
          snapshots.put(request.name(), new Entry(request, parameterValue(request)));
          created.add(request);
          timeline.accept("snapshot:" + request.name());
        }
      }
    }
    synchronized (this) {
      Entry entry = snapshots.get(request.name());
      entry.ensures++;
      String failure = failures.get(request.name());
      if (failure != null) {
        return new SnapshotState(request.name(), entry.parameterValue, Status.FAILED, failure);
      }
      Status status = entry.ensures > ensuresWhileCreating ? Status.AVAILABLE : Status.CREATING;
      if (status == Status.AVAILABLE && !entry.reportedAvailable) {
        entry.reportedAvailable = true;
        timeline.accept("snapshot-AVAILABLE:" + request.name());
      }
      return new SnapshotState(request.name(), entry.parameterValue, status, null);
    }
  }

  private String parameterValue(SnapshotRequest request) {
    String arnPrefix = "arn:aws:rds:eu-west-1:123456789012:";
    return switch (request.kind()) {
      case RDS_CLUSTER -> arnPrefix + "cluster-snapshot:" + request.name();
      case RDS_INSTANCE -> arnPrefix + "snapshot:" + request.name();
      case ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CACHE_CLUSTER -> request.name();
      case EBS_VOLUME -> String.format("snap-%017x", ++sequence);
    };
  }

  private static final class Entry {
    final SnapshotRequest request;
    final String parameterValue;
    int ensures;
    boolean reportedAvailable;

    Entry(SnapshotRequest request, String parameterValue) {
      this.request = request;
      this.parameterValue = parameterValue;
    }
  }
}
