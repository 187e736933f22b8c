package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/** What to make usable. */
@Data
@JsonClassDescription(
    "What to make usable: the cluster, the tenant, the databases, the OAuth clients and the"
        + " admin user.")
public class TenantBootstrapSpec {
  /** TTES identifier rules: 2 to 36 lowercase letters, digits and single dashes. */
  public static final String TTES_ID = "^[a-z0-9](?:[-]?[a-z0-9]){1,35}$";

  @Required
  @JsonPropertyDescription("The TTESCluster to bootstrap.")
  private ClusterRef clusterRef;

  @JsonPropertyDescription(
      "Multi-tenant: the tenant to create. Single-tenant: the default tenant id for the admin.")
  private Tenant tenant;

  @JsonPropertyDescription("Events storage (Timescale) initialisation; cluster-wide.")
  private Storage storage = new Storage();

  @JsonPropertyDescription("NOC database initialisation; cluster-wide.")
  private Noc noc = new Noc();

  @JsonPropertyDescription("OAuth clients to create; cluster-wide.")
  private OAuthClients oauthClients = new OAuthClients();

  @JsonPropertyDescription("Admin user of the tenant.")
  private Admin admin;

  @Default("false")
  @JsonPropertyDescription(
      "When true the bootstrap's commands start even while an upgrade of the cluster is between"
          + " updating the ops stack and its last migration (its OpsTasks get"
          + " spec.allowDuringUpgrade). By default they wait, and the bootstrap is Reconciling with"
          + " reason WaitingForUpgrade naming the upgrade.")
  private boolean allowDuringUpgrade;

  /** The tenant. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Tenant {
    @Required
    @Pattern(TTES_ID)
    @JsonPropertyDescription("Tenant id (TTES id rules: lowercase letters, digits, dashes).")
    private String id;

    @Size(max = 256)
    @JsonPropertyDescription("Display name of the tenant.")
    private String name;
  }

  /** Storage settings. */
  @Data
  public static class Storage {
    @Default("false")
    @JsonPropertyDescription("Initialise the events storage (storage-db init) once per cluster.")
    private boolean init;

    @Default("12h")
    @Pattern("^[0-9]+[smhd]$")
    @JsonPropertyDescription("Timescale chunk time interval, for example 12h.")
    private String chunkTimeInterval = "12h";

    @Default("31")
    @Min(1)
    @Max(3650)
    @JsonPropertyDescription("Days events are kept (Timescale retention policy).")
    private int retentionDays = 31;
  }

  /** NOC settings. */
  @Data
  public static class Noc {
    @Default("false")
    @JsonPropertyDescription("Initialise the NOC database (noc-db init) once per cluster.")
    private boolean init;
  }

  /** OAuth clients. */
  @Data
  public static class OAuthClients {
    @Default("false")
    @JsonPropertyDescription("Create the OAuth client of the CLI.")
    private boolean cli;

    @Default("false")
    @JsonPropertyDescription(
        "Create the OAuth client of the Console (needs spec.domain of the cluster).")
    private boolean console;

    @Default("false")
    @JsonPropertyDescription("Create the OAuth client of the NOC.")
    private boolean noc;
  }

  /** The admin user. */
  @Data
  @NoArgsConstructor
  @AllArgsConstructor
  public static class Admin {
    @Required
    @Pattern("^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$")
    @Size(max = 254)
    @JsonPropertyDescription("Email address of the tenant admin user.")
    private String email;

    @Required
    @JsonPropertyDescription("Secret key holding the admin password.")
    private SecretKeySelector passwordSecretRef;
  }
}
