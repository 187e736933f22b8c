package io.ttes.operator.upgrade;

import io.ttes.operator.aws.Snapshots;
import io.ttes.operator.digest.Sha256;
import java.util.List;
import java.util.Locale;

/**
 * Deterministic names of what an upgrade creates on AWS and in Kubernetes. Each is derived from the
 * StackUpgrade's uid (or name) and the attempt, so after a crash between a call and the status
 * write the operator finds what it started instead of starting it again. A name that would be too
 * long is shortened and gets a digest of the full name, so shortened names stay unique.
 */
public final class Names {
  /** CloudFormation change set names: {@code [a-zA-Z][-a-zA-Z0-9]*}, at most 128. */
  public static final int CHANGE_SET_MAX = 128;

  /**
   * RDS DB cluster snapshot identifiers: 1-63 letters, digits or hyphens, a letter first, no
   * trailing or double hyphen, stored lowercase (DB instance snapshots allow 255; 63 fits both).
   */
  public static final int RDS_SNAPSHOT_MAX = 63;

  /**
   * ElastiCache snapshot names: the CreateSnapshot reference documents no limit; 40 is the limit of
   * replication group and cache cluster ids, kept here as a conservative bound.
   */
  public static final int ELASTICACHE_SNAPSHOT_MAX = 40;

  /**
   * EBS snapshot ids are chosen by AWS ({@code snap-...}); the name goes into a tag value (at most
   * 256) by which the snapshot is found again. Kept as short as the RDS form for readability.
   */
  public static final int EBS_TAG_VALUE_MAX = 63;

  /** Kubernetes object names used as label values: DNS-1123 labels, at most 63. */
  public static final int DNS_LABEL_MAX = 63;

  /** ECS RunTask startedBy: up to 128 letters, digits, hyphens, slashes and underscores. */
  public static final int STARTED_BY_MAX = 128;

  private static final int DIGEST = 6;

  private Names() {}

  /**
   * {@code ttes-<first 8 of uid>-<template>-a<attempt>}, plus {@code -s} for the second change set
   * of a stack, the one that passes the snapshot parameter (the first one showed the risk and is
   * never executed).
   */
  public static String changeSetName(
      String uid, String template, int attempt, boolean carriesSnapshot) {
    String prefix = "ttes-" + shortId(uid) + "-";
    String suffix = "-a" + attempt + (carriesSnapshot ? "-s" : "");
    return fit(prefix, clean(template, false), suffix, CHANGE_SET_MAX);
  }

  /**
   * The snapshot taken of one data resource before its stack's change set runs: {@code ttes-<first
   * 8 of uid>-<template>-<logical id>-a<attempt>}, lowercase, valid for the kind (RDS identifier
   * rules, ElastiCache name, EBS tag value). The attempt is part of it because a retried upgrade
   * must protect the data as it is at the retry, not as it was before the failed attempt.
   */
  public static String snapshotName(
      Snapshots.Kind kind, String uid, String template, String logicalId, int attempt) {
    String prefix = "ttes-" + shortId(uid) + "-";
    String suffix = "-a" + attempt;
    String middle = clean(template + "-" + logicalId, true);
    return fit(prefix, middle, suffix, maxSnapshotLength(kind));
  }

  /** The most characters {@link #snapshotName} uses for a kind. */
  public static int maxSnapshotLength(Snapshots.Kind kind) {
    return switch (kind) {
      case RDS_CLUSTER, RDS_INSTANCE -> RDS_SNAPSHOT_MAX;
      case ELASTICACHE_REPLICATION_GROUP, ELASTICACHE_CACHE_CLUSTER -> ELASTICACHE_SNAPSHOT_MAX;
      case EBS_VOLUME -> EBS_TAG_VALUE_MAX;
    };
  }

  /**
   * The OpsTask running migration {@code n} (1-based): {@code <upgrade name>-migrate-<n>-<command
   * words>}, a DNS-1123 label. A retried upgrade (attempt 2 and later) appends {@code -a<attempt>}:
   * the OpsTasks of a failed attempt stay (they are the record of what ran) and must not be taken
   * for the new attempt's.
   */
  public static String migrationTaskName(
      String upgradeName, int attempt, int n, List<String> command) {
    String rest =
        "-migrate-"
            + n
            + "-"
            + clean(String.join("-", command), true)
            + (attempt > 1 ? "-a" + attempt : "");
    rest = "-" + trimHyphens(collapse(rest));
    String head = clean(upgradeName, true);
    if (head.isEmpty()) {
      head = "upgrade";
    }
    if (head.length() + rest.length() <= DNS_LABEL_MAX) {
      return head + rest;
    }
    String digest = Sha256.hex(head + rest, DIGEST);
    int room = DNS_LABEL_MAX - rest.length() - DIGEST - 1;
    if (room >= 1) {
      return trimHyphens(head.substring(0, room)) + "-" + digest + rest;
    }
    // A command too long to keep whole: keep the beginning of everything.
    String all = head + rest;
    return trimHyphens(all.substring(0, DNS_LABEL_MAX - DIGEST - 1)) + "-" + digest;
  }

  /** The ECS startedBy token of a task launched for the object with this uid. */
  public static String startedBy(String uid) {
    String token = "ttes-operator/" + uid.replaceAll("[^A-Za-z0-9_-]", "");
    return token.length() <= STARTED_BY_MAX ? token : token.substring(0, STARTED_BY_MAX);
  }

  static String shortId(String uid) {
    if (uid == null) {
      throw new IllegalArgumentException("uid is required");
    }
    String hex = uid.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    if (hex.isEmpty()) {
      throw new IllegalArgumentException("uid has no letters or digits");
    }
    // A digest of the whole uid, not its first characters: uids that share a prefix (sequential
    // ones, as test API servers hand out) must not share change set or snapshot names.
    return Sha256.hex(hex, 8);
  }

  /** {@code prefix + middle + suffix}, with middle shortened and digested when too long. */
  private static String fit(String prefix, String middle, String suffix, int max) {
    String full = collapse(prefix + middle + suffix);
    if (full.length() <= max) {
      return full;
    }
    int room = max - prefix.length() - suffix.length() - DIGEST - 1;
    String shortened = trimHyphens(middle.substring(0, Math.max(0, room)));
    String digest = Sha256.hex(full, DIGEST);
    return collapse(prefix + (shortened.isEmpty() ? "" : shortened + "-") + digest + suffix);
  }

  /** Letters, digits and single hyphens only, no hyphen at either end. */
  private static String clean(String s, boolean lowercase) {
    String t = s == null ? "" : s;
    if (lowercase) {
      t = t.toLowerCase(Locale.ROOT);
    }
    t = t.replaceAll(lowercase ? "[^a-z0-9]" : "[^A-Za-z0-9]", "-");
    return trimHyphens(collapse(t));
  }

  private static String collapse(String s) {
    return s.replaceAll("-{2,}", "-");
  }

  private static String trimHyphens(String s) {
    return s.replaceAll("^-+", "").replaceAll("-+$", "");
  }
}
