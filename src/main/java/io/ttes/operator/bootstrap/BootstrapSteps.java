package io.ttes.operator.bootstrap;

import io.ttes.operator.api.v1alpha1.IdentityServerMode;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretsManagerKeySelector;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrapSpec;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The runbook's bootstrap commands (docs/runbook.md) for a cluster and a TenantBootstrap, in the
 * runbook's order, each with the steps it must wait for ({@link BootstrapStep#after}): the three
 * database steps (storage-db init, noc-db init, is-db migrate) depend on nothing and run at once;
 * the OAuth clients need the Identity Server's schema (is-db migrate) and run at once after it; the
 * tenant steps come after every cluster-wide step (which also frees the cluster's guard for the
 * next bootstrap), the admin user after its tenant. Pure. Secret values are never in a command:
 * they are {@code $(NAME)} references resolved by the OpsTask when it starts.
 */
public final class BootstrapSteps {
  public static final String STORAGE_INIT = "storage-db-init";
  public static final String NOC_INIT = "noc-db-init";
  public static final String IS_MIGRATE = "is-db-migrate";
  public static final String OAUTH_CLI = "oauth-client-cli";
  public static final String OAUTH_CONSOLE = "oauth-client-console";
  public static final String OAUTH_NOC = "oauth-client-noc";
  public static final String CREATE_TENANT = "create-tenant";
  public static final String CREATE_ADMIN = "create-admin-user";

  private static final Pattern TTES_ID = Pattern.compile(TenantBootstrapSpec.TTES_ID);
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}]");

  private BootstrapSteps() {}

  /** Validates the spec against the cluster and returns the steps; throws on bad input. */
  public static List<BootstrapStep> plan(TTESClusterSpec cluster, TenantBootstrapSpec spec) {
    validate(cluster, spec);
    List<BootstrapStep> steps = new ArrayList<>();
    // Multi-tenant OAuth clients belong to no tenant; single-tenant ones to the default tenant.
    String oauthTenant = cluster.isMultiTenant() ? "NULL" : spec.getTenant().getId();
    boolean secondary = cluster.getIdentityServer() == IdentityServerMode.External;
    TenantBootstrapSpec.Storage storage = spec.getStorage();
    if (storage != null && storage.isInit()) {
      steps.add(
          cluster(
              STORAGE_INIT,
              List.of(
                  "storage-db",
                  "init",
                  "--timescaledb.chunk-time-interval",
                  storage.getChunkTimeInterval(),
                  "--timescaledb.enable-retention-policy",
                  "--timescaledb.retention-days",
                  String.valueOf(storage.getRetentionDays())),
              List.of(),
              false));
    }
    if (spec.getNoc() != null && spec.getNoc().isInit()) {
      steps.add(cluster(NOC_INIT, List.of("noc-db", "init"), List.of(), false));
    }
    if (!secondary) {
      steps.add(cluster(IS_MIGRATE, List.of("is-db", "migrate"), List.of(), false));
    }
    TenantBootstrapSpec.OAuthClients oauth = spec.getOauthClients();
    if (oauth != null && oauth.isCli()) {
      steps.add(
          cluster(
              OAUTH_CLI,
              List.of(
                  "is-db",
                  "create-oauth-client",
                  "--tenant-id=" + oauthTenant,
                  "--id=cli",
                  "--name=Command Line Interface",
                  "--no-secret",
                  "--redirect-uri=local-callback",
                  "--redirect-uri=code"),
              List.of(),
              true));
    }
    if (oauth != null && oauth.isConsole()) {
      steps.add(oauthClient(cluster, OAUTH_CONSOLE, "console", "Console", oauthTenant, secondary));
    }
    if (oauth != null && oauth.isNoc()) {
      steps.add(
          oauthClient(
              cluster, OAUTH_NOC, "noc", "Network Operations Center", oauthTenant, secondary));
    }
    if (cluster.isMultiTenant()) {
      TenantBootstrapSpec.Tenant t = spec.getTenant();
      List<String> command =
          new ArrayList<>(List.of("is-db", "create-tenant", "--id=" + t.getId()));
      command.add(
          "--name="
              + literal(t.getName() == null || t.getName().isBlank() ? t.getId() : t.getName()));
      steps.add(new BootstrapStep(CREATE_TENANT, Scope.TENANT, command, List.of(), true, null));
    }
    if (spec.getAdmin() != null) {
      SecretKeySelector password = spec.getAdmin().getPasswordSecretRef();
      steps.add(
          new BootstrapStep(
              CREATE_ADMIN,
              Scope.TENANT,
              List.of(
                  "is-db",
                  "create-admin-user",
                  "--tenant-id",
                  spec.getTenant().getId(),
                  "--email",
                  literal(spec.getAdmin().getEmail()),
                  "--password",
                  "$(ADMIN_PASSWORD)"),
              List.of(new SecretArg("ADMIN_PASSWORD", password)),
              true,
              null));
    }
    return withDependencies(steps);
  }

  /** The steps, each with what it waits for (see the class comment). */
  private static List<BootstrapStep> withDependencies(List<BootstrapStep> steps) {
    List<String> clusterWide =
        steps.stream().filter(s -> s.scope() == Scope.CLUSTER).map(BootstrapStep::name).toList();
    List<BootstrapStep> result = new ArrayList<>();
    for (BootstrapStep step : steps) {
      List<String> after = new ArrayList<>();
      switch (step.name()) {
        case OAUTH_CLI, OAUTH_CONSOLE, OAUTH_NOC -> {
          if (clusterWide.contains(IS_MIGRATE)) {
            after.add(IS_MIGRATE);
          }
        }
        case CREATE_TENANT -> after.addAll(clusterWide);
        case CREATE_ADMIN -> {
          after.addAll(clusterWide);
          if (steps.stream().anyMatch(s -> s.name().equals(CREATE_TENANT))) {
            after.add(CREATE_TENANT);
          }
        }
        default -> {}
      }
      result.add(step.after(after));
    }
    return List.copyOf(result);
  }

  /**
   * The steps in waves: each wave holds the steps whose dependencies are all in earlier waves, so
   * the steps of one wave can run at the same time. Their number is how many times a bootstrap
   * waits for tasks that run at once.
   */
  public static List<List<BootstrapStep>> waves(List<BootstrapStep> steps) {
    Map<String, Integer> wave = new HashMap<>();
    List<List<BootstrapStep>> waves = new ArrayList<>();
    for (BootstrapStep step : steps) {
      int w = step.after().stream().mapToInt(d -> wave.getOrDefault(d, -1) + 1).max().orElse(0);
      wave.put(step.name(), w);
      while (waves.size() <= w) {
        waves.add(new ArrayList<>());
      }
      waves.get(w).add(step);
    }
    return waves;
  }

  /**
   * User-written text as a command word that the OpsTask passes on as written: it expands {@code
   * $(NAME)} in every word, so a name or email containing {@code $(ADMIN_PASSWORD)} would otherwise
   * receive the password. {@code $$} is its literal dollar.
   */
  private static String literal(String text) {
    return text.replace("$", "$$");
  }

  /** Secrets Manager secret holding an OAuth client's id and secret. */
  public static String oauthSecretId(TTESClusterSpec cluster, String client) {
    return cluster.getNaming().prefix() + "-" + client + "-oauth-client";
  }

  private static BootstrapStep oauthClient(
      TTESClusterSpec cluster,
      String step,
      String path,
      String displayName,
      String tenant,
      boolean secondary) {
    String secretId = oauthSecretId(cluster, path);
    String base = "https://" + cluster.getDomain() + "/" + path;
    List<String> command = new ArrayList<>();
    command.add("is-db");
    command.add("create-oauth-client");
    command.add("--tenant-id=" + tenant);
    command.add("--id=$(CLIENT_ID)");
    command.add("--name=" + displayName);
    command.add("--secret=$(CLIENT_SECRET)");
    // Secondary clusters serve Console/NOC on another domain than the Identity Server: only the
    // absolute URIs apply there.
    if (!secondary) {
      command.add("--redirect-uri=/" + path + "/oauth/callback");
    }
    command.add("--redirect-uri=" + base + "/oauth/callback");
    if (!secondary) {
      command.add("--logout-redirect-uri=/" + path);
    }
    command.add("--logout-redirect-uri=" + base);
    return cluster(
        step,
        command,
        List.of(
            new SecretArg("CLIENT_ID", null, new SecretsManagerKeySelector(secretId, "client_id")),
            new SecretArg(
                "CLIENT_SECRET", null, new SecretsManagerKeySelector(secretId, "client_secret"))),
        true);
  }

  private static BootstrapStep cluster(
      String name, List<String> command, List<SecretArg> secretArgs, boolean creates) {
    return new BootstrapStep(name, Scope.CLUSTER, command, secretArgs, creates, null);
  }

  private static void validate(TTESClusterSpec cluster, TenantBootstrapSpec spec) {
    TenantBootstrapSpec.Tenant tenant = spec.getTenant();
    boolean needsTenant =
        cluster.isMultiTenant()
            || spec.getAdmin() != null
            || (spec.getOauthClients() != null
                && (spec.getOauthClients().isCli()
                    || spec.getOauthClients().isConsole()
                    || spec.getOauthClients().isNoc()));
    if (needsTenant && (tenant == null || tenant.getId() == null)) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC,
          "spec.tenant.id",
          cluster.isMultiTenant()
              ? "a multi-tenant cluster needs the id of the tenant to create"
              : "a single-tenant cluster needs its default tenant id for OAuth clients and admin");
    }
    if (tenant != null && tenant.getId() != null && !TTES_ID.matcher(tenant.getId()).matches()) {
      throw new SpecProblem(
          Reasons.INVALID_SPEC,
          "spec.tenant.id",
          "must be 2-36 lowercase letters, digits and single dashes, starting and ending with a"
              + " letter or digit");
    }
    if (tenant != null && tenant.getName() != null) {
      if (CONTROL.matcher(tenant.getName()).find() || tenant.getName().length() > 256) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.tenant.name",
            "must be at most 256 characters without control characters");
      }
    }
    if (spec.getStorage() != null && spec.getStorage().isInit()) {
      if (spec.getStorage().getChunkTimeInterval() == null
          || !spec.getStorage().getChunkTimeInterval().matches("^[0-9]+[smhd]$")) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.storage.chunkTimeInterval", "must look like 12h or 1d");
      }
      if (spec.getStorage().getRetentionDays() < 1) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC, "spec.storage.retentionDays", "must be at least 1");
      }
    }
    if (spec.getAdmin() != null) {
      String email = spec.getAdmin().getEmail();
      if (email == null
          || !email.matches("^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$")
          || email.length() > 254) {
        throw new SpecProblem(Reasons.INVALID_SPEC, "spec.admin.email", "is not an email address");
      }
      if (spec.getAdmin().getPasswordSecretRef() == null
          || spec.getAdmin().getPasswordSecretRef().getName() == null
          || spec.getAdmin().getPasswordSecretRef().getKey() == null) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "spec.admin.passwordSecretRef",
            "needs the name and key of the Secret holding the admin password");
      }
    }
    TenantBootstrapSpec.OAuthClients oauth = spec.getOauthClients();
    if (oauth != null && (oauth.isConsole() || oauth.isNoc())) {
      if (cluster.getDomain() == null || cluster.getDomain().isBlank()) {
        throw new SpecProblem(
            Reasons.INVALID_SPEC,
            "TTESCluster spec.domain",
            "Console and NOC OAuth clients need the cluster's domain for their redirect URIs");
      }
    }
  }
}
