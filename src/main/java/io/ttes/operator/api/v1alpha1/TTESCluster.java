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

/** One TTES deployment on AWS: its stacks, how ops commands run against it, and what it is now. */
@JsonClassDescription(
    "One TTES deployment on AWS: its CloudFormation stacks, how ops commands run against it,"
        + " and the version it runs. Observed, never changed, by the operator; StackUpgrade and"
        + " TenantBootstrap act on it.")
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("TTESCluster")
@Singular("ttescluster")
@Plural("ttesclusters")
@Categories(ApiGroup.CATEGORY)
@ShortNames("ttc")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Region",
    jsonPath = ".spec.region",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Platform",
    jsonPath = ".spec.platform",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Version",
    jsonPath = ".status.version",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Upgrade",
    jsonPath = ".status.activeUpgrade",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class TTESCluster extends CustomResource<TTESClusterSpec, TTESClusterStatus>
    implements Namespaced {

  // No initStatus(): a resource without status on the server must read as null here, or the
  // first status patch would address fields under a stored null.
}
