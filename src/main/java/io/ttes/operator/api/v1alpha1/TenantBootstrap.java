package io.ttes.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** Makes a TTES deployment, and one tenant of it, usable: databases, OAuth clients, admin. */
@JsonClassDescription(
    "Makes a TTES deployment and one tenant usable: the databases, OAuth clients, the tenant"
        + " and its admin user, each as an OpsTask run in the runbook's order.")
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("TenantBootstrap")
@Singular("tenantbootstrap")
@Plural("tenantbootstraps")
@Categories(ApiGroup.CATEGORY)
@ShortNames("tb")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Cluster",
    jsonPath = ".spec.clusterRef.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Tenant",
    jsonPath = ".spec.tenant.id",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class TenantBootstrap extends CustomResource<TenantBootstrapSpec, TenantBootstrapStatus>
    implements Namespaced {

  // No initStatus(): a resource without status on the server must read as null here, or the
  // first status patch would address fields under a stored null.
}
