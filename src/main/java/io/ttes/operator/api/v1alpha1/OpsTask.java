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

/**
 * One ops command (tti-lw-stack ...) run against a TTES deployment, like a Job for the TTES CLI.
 */
@JsonClassDescription(
    "One ops command (tti-lw-stack ...) run against a TTESCluster as an ECS task (or SSM"
        + " command on platform AMI), like a Job for the TTES CLI. The spec cannot change once"
        + " created: create a new OpsTask to run another command.")
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("OpsTask")
@Singular("opstask")
@Plural("opstasks")
@Categories(ApiGroup.CATEGORY)
@ShortNames("ot")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Exit",
    jsonPath = ".status.exitCode",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Cluster",
    jsonPath = ".spec.clusterRef.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Command",
    jsonPath = ".status.commandLine",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class OpsTask extends CustomResource<OpsTaskSpec, OpsTaskStatus> implements Namespaced {

  // No initStatus(): a resource without status on the server must read as null here, or the
  // first status patch would address fields under a stored null.
}
