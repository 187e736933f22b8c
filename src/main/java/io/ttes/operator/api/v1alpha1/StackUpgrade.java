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

/** Moves a TTES deployment to a target version, stack by stack, through reviewed change sets. */
@JsonClassDescription(
    "Moves a TTESCluster to a new TTES version: change sets for its stacks in template order,"
        + " reviewed when approval is Manual, snapshots before a database could be replaced, and the"
        + " migrations of the new version.")
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("StackUpgrade")
@Singular("stackupgrade")
@Plural("stackupgrades")
@Categories(ApiGroup.CATEGORY)
@ShortNames("su")
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
    name = "From",
    jsonPath = ".status.fromVersion",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Target",
    jsonPath = ".spec.targetVersion",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Hop",
    jsonPath = ".status.hop",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Plan",
    jsonPath = ".status.plan.hash",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class StackUpgrade extends CustomResource<StackUpgradeSpec, StackUpgradeStatus>
    implements Namespaced {

  // No initStatus(): a resource without status on the server must read as null here, or the
  // first status patch would address fields under a stored null.
}
