package io.ttes.operator.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.PlannedStack;
import io.ttes.operator.aws.ChangeSets.ChangeDetail;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The resource changes status keeps: every change, and a bounded number of its details. */
class StatusChangesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void detailsAreCarriedIntoStatusAsCloudFormationListedThem() {
    ResourceChange service =
        new ResourceChange(
            "Modify",
            "Service",
            "svc",
            "AWS::ECS::Service",
            "Conditional",
            List.of(
                new ChangeDetail(
                    "Properties",
                    "TaskDefinition",
                    "Conditionally",
                    "Static",
                    "ParameterReference",
                    "Image")));

    StackUpgradeStatus.ResourceChange stored = StatusChanges.toStatus(List.of(service)).get(0);

    assertThat(stored.getDetails())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getAttribute()).isEqualTo("Properties");
              assertThat(d.getName()).isEqualTo("TaskDefinition");
              assertThat(d.getRequiresRecreation()).isEqualTo("Conditionally");
              assertThat(d.getEvaluation()).isEqualTo("Static");
              assertThat(d.getChangeSource()).isEqualTo("ParameterReference");
              assertThat(d.getCausingEntity()).isEqualTo("Image");
            });
    assertThat(stored.getDetailsOmitted()).isNull();
  }

  @Test
  void aStackKeepsAtMostTheCapOfDetailsAndEachResourceCountsWhatItLeftOut() {
    // 30 resources of 3 details each: 90 details, of which the first 40 are kept.
    List<ResourceChange> changes = new ArrayList<>();
    for (int r = 0; r < 30; r++) {
      changes.add(resource("Res" + r, 3));
    }

    List<StackUpgradeStatus.ResourceChange> stored = StatusChanges.toStatus(changes);

    assertThat(stored).hasSize(30);
    assertThat(stored.stream().mapToInt(c -> c.getDetails().size()).sum())
        .isEqualTo(StatusChanges.MAX_DETAILS_PER_STACK);
    // Resource 13 is cut after its first detail (13 * 3 + 1 = 40).
    assertThat(stored.get(12).getDetails()).hasSize(3);
    assertThat(stored.get(12).getDetailsOmitted()).isNull();
    assertThat(stored.get(13).getDetails()).hasSize(1);
    assertThat(stored.get(13).getDetailsOmitted()).isEqualTo(2);
    assertThat(stored.get(29).getDetails()).isEmpty();
    assertThat(stored.get(29).getDetailsOmitted()).isEqualTo(3);
    assertThat(
            stored.stream()
                .mapToInt(c -> c.getDetailsOmitted() == null ? 0 : c.getDetailsOmitted())
                .sum())
        .isEqualTo(50);
  }

  @Test
  void theDetailsOfAHugeChangeSetAddAFewKibibytesToTheStatusWhateverItsSize() throws Exception {
    // 500 resources with 20 details each, every field at AWS's longest plausible length.
    List<ResourceChange> changes = new ArrayList<>();
    for (int r = 0; r < 500; r++) {
      changes.add(resource("R".repeat(250) + r, 20));
    }
    List<StackUpgradeStatus.ResourceChange> with = StatusChanges.toStatus(changes);
    List<StackUpgradeStatus.ResourceChange> without =
        StatusChanges.toStatus(
            changes.stream()
                .map(
                    c ->
                        new ResourceChange(
                            c.action(),
                            c.logicalId(),
                            c.physicalId(),
                            c.resourceType(),
                            c.replacement()))
                .toList());

    int added = bytes(with) - bytes(without);

    System.out.printf(
        "details of 500 resources x 20 details, fields of 300 characters: %d bytes of status%n",
        added);
    // 40 details with two fields cut to 128 characters, and one omitted count per resource.
    assertThat(added).isLessThan(40 * 1024);
    assertThat(with.get(0).getDetails().get(0).getName()).hasSize(StatusChanges.MAX_FIELD);
  }

  @Test
  void readingStatusBackGivesTheChangesThePlanHashCovers() {
    PlannedStack ps = new PlannedStack();
    ps.setChanges(StatusChanges.toStatus(List.of(resource("Res", 2))));

    assertThat(StatusChanges.fromStatus(ps))
        .containsExactly(
            new ResourceChange("Modify", "Res", "res", "AWS::SSM::Parameter", "False"));
  }

  private static ResourceChange resource(String id, int details) {
    List<ChangeDetail> list = new ArrayList<>();
    for (int d = 0; d < details; d++) {
      list.add(
          new ChangeDetail(
              "Properties",
              "P".repeat(300) + d,
              "Never",
              "Static",
              "ParameterReference",
              "E".repeat(300)));
    }
    return new ResourceChange("Modify", id, id.toLowerCase(), "AWS::SSM::Parameter", "False", list);
  }

  private static int bytes(Object o) throws Exception {
    return JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8).length;
  }
}
