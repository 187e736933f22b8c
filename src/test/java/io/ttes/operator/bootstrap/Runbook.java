package io.ttes.operator.bootstrap;

import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap commands of the manual runbook (docs/runbook.md, "The commands"), written out by
 * hand from it (not from {@link BootstrapSteps}), so the tests compare the operator with the
 * runbook and not with itself. Secret values appear as {@code $(NAME)} the way OpsTask specs hold
 * them; {@link #substituted} puts the values in, as ECS receives them.
 */
final class Runbook {
  static final String BINARY = "tti-lw-stack";

  private Runbook() {}

  static List<String> storageInit(String chunk, int days) {
    return List.of(
        "storage-db",
        "init",
        "--timescaledb.chunk-time-interval",
        chunk,
        "--timescaledb.enable-retention-policy",
        "--timescaledb.retention-days",
        String.valueOf(days));
  }

  static List<String> nocInit() {
    return List.of("noc-db", "init");
  }

  static List<String> isMigrate() {
    return List.of("is-db", "migrate");
  }

  static List<String> cliClient(String tenantId) {
    return List.of(
        "is-db",
        "create-oauth-client",
        "--tenant-id=" + tenantId,
        "--id=cli",
        "--name=Command Line Interface",
        "--no-secret",
        "--redirect-uri=local-callback",
        "--redirect-uri=code");
  }

  /** Console or NOC client; {@code secondary}: only the absolute URIs. */
  static List<String> webClient(
      String tenantId, String path, String name, String domain, boolean secondary) {
    List<String> c = new ArrayList<>();
    c.addAll(
        List.of(
            "is-db",
            "create-oauth-client",
            "--tenant-id=" + tenantId,
            "--id=$(CLIENT_ID)",
            "--name=" + name,
            "--secret=$(CLIENT_SECRET)"));
    if (!secondary) {
      c.add("--redirect-uri=/" + path + "/oauth/callback");
    }
    c.add("--redirect-uri=https://" + domain + "/" + path + "/oauth/callback");
    if (!secondary) {
      c.add("--logout-redirect-uri=/" + path);
    }
    c.add("--logout-redirect-uri=https://" + domain + "/" + path);
    return List.copyOf(c);
  }

  static List<String> consoleClient(String tenantId, String domain, boolean secondary) {
    return webClient(tenantId, "console", "Console", domain, secondary);
  }

  static List<String> nocClient(String tenantId, String domain, boolean secondary) {
    return webClient(tenantId, "noc", "Network Operations Center", domain, secondary);
  }

  static List<String> createTenant(String id, String name) {
    return List.of("is-db", "create-tenant", "--id=" + id, "--name=" + name);
  }

  static List<String> createAdmin(String tenantId, String email) {
    return List.of(
        "is-db",
        "create-admin-user",
        "--tenant-id",
        tenantId,
        "--email",
        email,
        "--password",
        "$(ADMIN_PASSWORD)");
  }

  /**
   * The whole bootstrap of the example manifest (storage, NOC, all three clients, admin) in the
   * order the issue gives: cluster-wide steps first (migrate before any create), then the tenant.
   */
  static List<List<String>> full(
      boolean multiTenant, String tenantId, String tenantName, String domain, String email) {
    String oauthTenant = multiTenant ? "NULL" : tenantId;
    List<List<String>> all = new ArrayList<>();
    all.add(storageInit("12h", 31));
    all.add(nocInit());
    all.add(isMigrate());
    all.add(cliClient(oauthTenant));
    all.add(consoleClient(oauthTenant, domain, false));
    all.add(nocClient(oauthTenant, domain, false));
    if (multiTenant) {
      all.add(createTenant(tenantId, tenantName));
    }
    all.add(createAdmin(tenantId, email));
    return all;
  }

  /** The argv ECS receives: binary in front, $(CLIENT_ID) etc. replaced by the client's values. */
  static List<String> substituted(
      List<String> command, String clientId, String clientSecret, String adminPassword) {
    List<String> argv = new ArrayList<>();
    argv.add(BINARY);
    for (String word : command) {
      argv.add(
          word.replace("$(CLIENT_ID)", clientId == null ? "$(CLIENT_ID)" : clientId)
              .replace("$(CLIENT_SECRET)", clientSecret == null ? "$(CLIENT_SECRET)" : clientSecret)
              .replace("$(ADMIN_PASSWORD)", adminPassword));
    }
    return argv;
  }
}
