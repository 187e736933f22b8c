package io.ttes.operator.aws;

import static io.ttes.operator.aws.fake.FakeChangeSets.GET_TEMPLATE_SUMMARY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.aws.ChangeSets.ChangeSetRequest;
import io.ttes.operator.aws.ChangeSets.ResourceChange;
import io.ttes.operator.aws.ChangeSets.TemplateParameter;
import io.ttes.operator.aws.ChangeSets.TemplateSummary;
import io.ttes.operator.aws.fake.FakeAws;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The template summary read for a change set serves GetTemplateSummary by stack name once that
 * change set's update completed, and only then.
 */
class StackReadingsTest {
  private static final String URL = "https://templates/3.33.2/api.yml";
  private static final TemplateSummary TARGET =
      new TemplateSummary(
          List.of(
              new TemplateParameter("Image", null, false, ""),
              new TemplateParameter("DbPassword", null, true, "")),
          List.of());

  private final FakeAws aws = new FakeAws();
  private final StackReadings readings = new StackReadings(aws, aws.clock());
  private final AwsServices services = readings.forTarget(new AwsTarget("eu-west-1", null));

  @BeforeEach
  void stack() {
    aws.stacks().stack("api").status("UPDATE_COMPLETE").parameter("Image", "3.33.1");
    aws.changeSets().template(URL, TARGET);
    aws.changeSets()
        .changesFor(
            "api",
            List.of(new ResourceChange("Modify", "Service", "svc", "AWS::ECS::Service", "False")));
  }

  @Test
  void afterOurUpdateCompletesTheStacksTemplateIsKnownWithoutAsking() {
    services.stacks().describe(List.of("api"));
    update();

    TemplateSummary running = services.changeSets().stackTemplateSummary("api");
    assertThat(running).isEqualTo(TARGET);
    assertThat(aws.calls().count(GET_TEMPLATE_SUMMARY)).isEqualTo(1); // the plan's, by URL
  }

  @Test
  void anUpdateOutsideTheOperatorAfterOursIsAskedAbout() {
    services.stacks().describe(List.of("api"));
    update();
    aws.mutableClock().advance(Duration.ofMinutes(1));
    aws.stacks().stack("api").status("UPDATE_COMPLETE"); // someone's update: a new time
    services.stacks().describe(List.of("api"));

    services.changeSets().stackTemplateSummary("api");
    assertThat(aws.calls().count(GET_TEMPLATE_SUMMARY)).isEqualTo(2);
  }

  @Test
  void aRolledBackUpdateIsAskedAbout() {
    aws.stacks().nextUpdateEnds("api", "UPDATE_ROLLBACK_COMPLETE", "Service", "boom");
    services.stacks().describe(List.of("api"));
    update();

    services.changeSets().stackTemplateSummary("api");
    assertThat(aws.calls().count(GET_TEMPLATE_SUMMARY)).isEqualTo(2);
  }

  @Test
  void aRefusedExecutionIsAskedAbout() {
    services.changeSets().templateSummary(URL);
    create();
    aws.changeSets().obsolete("api");
    assertThatThrownBy(() -> services.changeSets().execute("api", "cs-1"))
        .isInstanceOf(AwsException.class);
    aws.mutableClock().advance(Duration.ofSeconds(1));
    services.stacks().describe(List.of("api"));

    services.changeSets().stackTemplateSummary("api");
    assertThat(aws.calls().count(GET_TEMPLATE_SUMMARY)).isEqualTo(2);
  }

  @Test
  void aStackAChangeSetWasExecutedOnMayHaveMovedUntilReadAgain() {
    AwsTarget target = new AwsTarget("eu-west-1", null);
    assertThat(readings.mayHaveMoved(target, "api", Duration.ZERO)).isTrue(); // never read
    services.stacks().describe(List.of("api"));
    assertThat(readings.mayHaveMoved(target, "api", Duration.ZERO)).isFalse();
    services.changeSets().templateSummary(URL);
    create();
    aws.mutableClock().advance(Duration.ofSeconds(1));
    services.changeSets().execute("api", "cs-1");
    assertThat(readings.mayHaveMoved(target, "api", Duration.ZERO)).isTrue();
    aws.mutableClock().advance(Duration.ofSeconds(1));
    services.stacks().describe(List.of("api")); // in progress
    assertThat(readings.mayHaveMoved(target, "api", Duration.ZERO)).isTrue();
  }

  /** The upgrade's way: summary by URL, change set, execute, follow the stack to its end. */
  private void update() {
    services.changeSets().templateSummary(URL);
    create();
    aws.mutableClock().advance(Duration.ofSeconds(1));
    services.changeSets().execute("api", "cs-1");
    do {
      aws.mutableClock().advance(Duration.ofSeconds(1));
    } while (services.stacks().describe(List.of("api")).get("api").inProgress());
  }

  private void create() {
    services
        .changeSets()
        .create(
            new ChangeSetRequest(
                "api",
                "cs-1",
                URL,
                Map.of("Image", "3.33.2", "DbPassword", "p"),
                List.of(),
                List.of(),
                Map.of(),
                "d"));
  }
}
