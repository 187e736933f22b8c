package io.ttes.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ttes.operator.api.v1alpha1.ClusterRef;
import io.ttes.operator.api.v1alpha1.IdentityServerMode;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretsManagerKeySelector;
import io.ttes.operator.api.v1alpha1.SecretKeySelector;
import io.ttes.operator.api.v1alpha1.TTESClusterSpec;
import io.ttes.operator.api.v1alpha1.TenantBootstrapSpec;
import io.ttes.operator.bootstrap.BootstrapStep.Scope;
import io.ttes.operator.opstask.CommandLine;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BootstrapStepsTest {
  private static final String DOMAIN = "eu1.example.com";

  @Test
  void multiTenantRunsTheRunbookCommandsInOrderWithNullTenantForOAuthClients() {
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster(true), example());

    assertThat(steps)
        .extracting(BootstrapStep::command)
        .containsExactlyElementsOf(
            Runbook.full(true, "acme", "ACME Corp", DOMAIN, "admin@acme.example"));
    assertThat(steps)
        .extracting(BootstrapStep::name)
        .containsExactly(
            "storage-db-init",
            "noc-db-init",
            "is-db-migrate",
            "oauth-client-cli",
            "oauth-client-console",
            "oauth-client-noc",
            "create-tenant",
            "create-admin-user");
    assertThat(steps.subList(0, 6)).allMatch(s -> s.scope() == Scope.CLUSTER);
    assertThat(steps.subList(6, 8)).allMatch(s -> s.scope() == Scope.TENANT);
  }

  @Test
  void singleTenantPutsTheTenantIdOnOAuthClientsAndCreatesNoTenant() {
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster(false), example());

    assertThat(steps)
        .extracting(BootstrapStep::command)
        .containsExactlyElementsOf(
            Runbook.full(false, "acme", "ACME Corp", DOMAIN, "admin@acme.example"));
    assertThat(steps).extracting(BootstrapStep::name).doesNotContain("create-tenant");
    assertThat(steps)
        .filteredOn(s -> s.name().startsWith("oauth-client"))
        .allSatisfy(s -> assertThat(s.command()).contains("--tenant-id=acme"));
  }

  @Test
  void secondaryClusterUsesOnlyAbsoluteUrisAndDoesNotMigrateTheIdentityServer() {
    TTESClusterSpec cluster = cluster(true);
    cluster.setIdentityServer(IdentityServerMode.External);

    List<BootstrapStep> steps = BootstrapSteps.plan(cluster, example());

    assertThat(steps).extracting(BootstrapStep::name).doesNotContain("is-db-migrate");
    assertThat(command(steps, "oauth-client-console"))
        .isEqualTo(Runbook.consoleClient("NULL", DOMAIN, true))
        .containsExactly(
            "is-db",
            "create-oauth-client",
            "--tenant-id=NULL",
            "--id=$(CLIENT_ID)",
            "--name=Console",
            "--secret=$(CLIENT_SECRET)",
            "--redirect-uri=https://eu1.example.com/console/oauth/callback",
            "--logout-redirect-uri=https://eu1.example.com/console");
    assertThat(command(steps, "oauth-client-noc"))
        .isEqualTo(Runbook.nocClient("NULL", DOMAIN, true));
    assertThat(steps)
        .flatExtracting(BootstrapStep::command)
        .noneMatch(w -> w.matches("--(logout-)?redirect-uri=/.*"));
  }

  @Test
  void oauthClientSecretsAreReferencesToTheDeploymentsSecretsManagerSecrets() {
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster(true), example());

    assertThat(step(steps, "oauth-client-console").secretArgs())
        .containsExactly(
            new SecretArg(
                "CLIENT_ID",
                null,
                new SecretsManagerKeySelector("prod-eu1-c1-console-oauth-client", "client_id")),
            new SecretArg(
                "CLIENT_SECRET",
                null,
                new SecretsManagerKeySelector(
                    "prod-eu1-c1-console-oauth-client", "client_secret")));
    assertThat(step(steps, "oauth-client-noc").secretArgs())
        .extracting(a -> a.getSecretsManagerKeyRef().getSecretId())
        .containsOnly("prod-eu1-c1-noc-oauth-client");
    assertThat(step(steps, "create-admin-user").secretArgs())
        .containsExactly(
            new SecretArg("ADMIN_PASSWORD", new SecretKeySelector("acme-admin", "password")));
    assertThat(step(steps, "oauth-client-cli").secretArgs()).isEmpty();
  }

  @Test
  void onlyCreateCommandsMayCountAnAlreadyExistsFailureAsDone() {
    List<BootstrapStep> steps = BootstrapSteps.plan(cluster(true), example());

    assertThat(steps)
        .filteredOn(BootstrapStep::createsObject)
        .extracting(BootstrapStep::name)
        .containsExactly(
            "oauth-client-cli",
            "oauth-client-console",
            "oauth-client-noc",
            "create-tenant",
            "create-admin-user");
  }

  @Test
  void storageOptionsComeFromTheSpec() {
    TenantBootstrapSpec spec = example();
    spec.getStorage().setChunkTimeInterval("1d");
    spec.getStorage().setRetentionDays(90);

    assertThat(command(BootstrapSteps.plan(cluster(true), spec), "storage-db-init"))
        .isEqualTo(Runbook.storageInit("1d", 90));
  }

  @Test
  void stepsThatAreNotAskedForAreLeftOut() {
    TenantBootstrapSpec spec = example();
    spec.getStorage().setInit(false);
    spec.getNoc().setInit(false);
    spec.setOauthClients(new TenantBootstrapSpec.OAuthClients());
    spec.setAdmin(null);

    assertThat(BootstrapSteps.plan(cluster(true), spec))
        .extracting(BootstrapStep::command)
        .containsExactly(Runbook.isMigrate(), Runbook.createTenant("acme", "ACME Corp"));
  }

  @Test
  void aTenantWithoutNameIsNamedAfterItsId() {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setName(null);

    assertThat(command(BootstrapSteps.plan(cluster(true), spec), "create-tenant"))
        .isEqualTo(Runbook.createTenant("acme", "acme"));
  }

  @Test
  void shellCharactersInTheTenantNameStayInsideOneArgument() {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setName("ACME; rm -rf / && echo 'x' `id`");

    assertThat(command(BootstrapSteps.plan(cluster(true), spec), "create-tenant"))
        .containsExactly(
            "is-db", "create-tenant", "--id=acme", "--name=ACME; rm -rf / && echo 'x' `id`");
  }

  @Test
  void dollarReferencesWrittenByUsersAreNotExpandedIntoSecrets() {
    // An email or name with $(ADMIN_PASSWORD) in it must reach TTES as written, not with the
    // password put in: the OpsTask expands $(NAME) in every word and $$ is its literal dollar.
    TenantBootstrapSpec spec = example();
    spec.getTenant().setName("Pay $(ADMIN_PASSWORD) Corp");
    spec.getAdmin().setEmail("$(ADMIN_PASSWORD)@acme.example");

    List<BootstrapStep> steps = BootstrapSteps.plan(cluster(true), spec);

    assertThat(command(steps, "create-tenant")).contains("--name=Pay $$(ADMIN_PASSWORD) Corp");
    assertThat(command(steps, "create-admin-user"))
        .containsSequence("--email", "$$(ADMIN_PASSWORD)@acme.example")
        .endsWith("--password", "$(ADMIN_PASSWORD)");
    BootstrapStep admin = step(steps, "create-admin-user");
    assertThat(
            CommandLine.parse("tti-lw-stack", admin.command(), admin.secretArgs())
                .argv(Map.of("ADMIN_PASSWORD", "pw-marker")))
        .containsSequence("--email", "$(ADMIN_PASSWORD)@acme.example")
        .endsWith("--password", "pw-marker");
    BootstrapStep tenant = step(steps, "create-tenant");
    assertThat(
            CommandLine.parse("tti-lw-stack", tenant.command(), tenant.secretArgs()).argv(Map.of()))
        .endsWith("--name=Pay $(ADMIN_PASSWORD) Corp");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ACME",
        "Acme",
        "a",
        "abcdefghijabcdefghijabcdefghijabcdefg", // 37
        "-acme",
        "acme-",
        "ac--me",
        "ac me",
        " acme",
        "acme;rm -rf /",
        "acme$(X)",
        "acmé",
        "аcme", // Cyrillic a
        "ac_me",
        "ac.me",
        ""
      })
  void badTenantIdsAreSpecProblemsNamingTheField(String id) {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setId(id);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.tenant.id");
    expectProblem(cluster(false), spec, Reasons.INVALID_SPEC, "spec.tenant.id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "a1", "0-9", "abcdefghijabcdefghijabcdefghijabcdef"}) // 36
  void goodTenantIdsAtTheEdgesOfTheRulesAreAccepted(String id) {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setId(id);

    assertThat(command(BootstrapSteps.plan(cluster(true), spec), "create-tenant"))
        .contains("--id=" + id);
  }

  @Test
  void aMissingTenantIdIsASpecProblem() {
    TenantBootstrapSpec spec = example();
    spec.setTenant(null);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.tenant.id");
    expectProblem(cluster(false), spec, Reasons.INVALID_SPEC, "spec.tenant.id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ACME\nCorp", "ACME\rCorp", "ACME\u0000", "\u001b[31mred", "tab\there"})
  void controlCharactersInTheTenantNameAreSpecProblems(String name) {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setName(name);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.tenant.name");
  }

  @Test
  void aTenantNameLongerThan256IsASpecProblem() {
    TenantBootstrapSpec spec = example();
    spec.getTenant().setName("x".repeat(257));

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.tenant.name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"admin", "admin@", "a b@acme.example", "admin@acme", "x\n@acme.example"})
  void badAdminEmailsAreSpecProblems(String email) {
    TenantBootstrapSpec spec = example();
    spec.getAdmin().setEmail(email);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.admin.email");
  }

  @Test
  void anAdminWithoutPasswordReferenceIsASpecProblem() {
    TenantBootstrapSpec spec = example();
    spec.getAdmin().setPasswordSecretRef(new SecretKeySelector("acme-admin", null));

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.admin.passwordSecretRef");
  }

  @ParameterizedTest
  @ValueSource(strings = {"console", "noc"})
  void consoleAndNocClientsNeedTheClusterDomain(String client) {
    TTESClusterSpec cluster = cluster(true);
    cluster.setDomain(null);
    TenantBootstrapSpec spec = example();
    spec.setOauthClients(oauth(o -> o.setConsole("console".equals(client))));
    spec.getOauthClients().setNoc("noc".equals(client));

    SpecProblem p = expectProblem(cluster, spec, Reasons.INVALID_SPEC, "TTESCluster spec.domain");
    assertThat(p.getMessage()).contains("redirect URIs");
  }

  @Test
  void theCliClientNeedsNoDomain() {
    TTESClusterSpec cluster = cluster(true);
    cluster.setDomain("");
    TenantBootstrapSpec spec = example();
    spec.setOauthClients(oauth(o -> o.setCli(true)));

    assertThat(BootstrapSteps.plan(cluster, spec))
        .extracting(BootstrapStep::name)
        .contains("oauth-client-cli");
  }

  @ParameterizedTest
  @ValueSource(strings = {"12", "12 h", "h", "12h; rm", "-1h"})
  void badChunkIntervalsAreSpecProblems(String interval) {
    TenantBootstrapSpec spec = example();
    spec.getStorage().setChunkTimeInterval(interval);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.storage.chunkTimeInterval");
  }

  @Test
  void retentionBelowOneDayIsASpecProblem() {
    TenantBootstrapSpec spec = example();
    spec.getStorage().setRetentionDays(0);

    expectProblem(cluster(true), spec, Reasons.INVALID_SPEC, "spec.storage.retentionDays");
  }

  // ---- helpers

  private static SpecProblem expectProblem(
      TTESClusterSpec cluster, TenantBootstrapSpec spec, String reason, String field) {
    Throwable t = catchThrowable(() -> BootstrapSteps.plan(cluster, spec));
    assertThat(t).isInstanceOf(SpecProblem.class);
    SpecProblem p = (SpecProblem) t;
    assertThat(p.reason()).isEqualTo(reason);
    assertThat(p.field()).isEqualTo(field);
    assertThat(p.getMessage()).startsWith(field + ": ");
    return p;
  }

  private static List<String> command(List<BootstrapStep> steps, String name) {
    return step(steps, name).command();
  }

  private static BootstrapStep step(List<BootstrapStep> steps, String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static TenantBootstrapSpec.OAuthClients oauth(
      Consumer<TenantBootstrapSpec.OAuthClients> set) {
    TenantBootstrapSpec.OAuthClients o = new TenantBootstrapSpec.OAuthClients();
    set.accept(o);
    return o;
  }

  static TTESClusterSpec cluster(boolean multiTenant) {
    TTESClusterSpec c = new TTESClusterSpec();
    c.setRegion("eu-west-1");
    c.setNaming(new TTESClusterSpec.Naming("prod", "eu1", "c1"));
    c.setDomain(DOMAIN);
    c.setMultiTenant(multiTenant);
    return c;
  }

  /** deploy/examples/40-tenantbootstrap-acme.yaml. */
  static TenantBootstrapSpec example() {
    TenantBootstrapSpec spec = new TenantBootstrapSpec();
    spec.setClusterRef(new ClusterRef("prod-eu1"));
    spec.setTenant(new TenantBootstrapSpec.Tenant("acme", "ACME Corp"));
    spec.getStorage().setInit(true);
    spec.getNoc().setInit(true);
    spec.getOauthClients().setCli(true);
    spec.getOauthClients().setConsole(true);
    spec.getOauthClients().setNoc(true);
    spec.setAdmin(
        new TenantBootstrapSpec.Admin(
            "admin@acme.example", new SecretKeySelector("acme-admin", "password")));
    return spec;
  }
}
