package io.ttes.operator.upgrade.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Windows at fixed instants. 2026-01-05 is a Monday; Europe/Amsterdam moves to summer time on
 * 2026-03-29 at 01:00Z (02:00 CET becomes 03:00 CEST) and back on 2026-10-25 at 01:00Z (03:00 CEST
 * becomes 02:00 CET).
 */
class MaintenanceWindowTest {
  private static final String AMSTERDAM = "Europe/Amsterdam";

  private static Instant at(String text) {
    return Instant.parse(text);
  }

  private static MaintenanceWindow window(String days, String start, String duration, String tz) {
    return MaintenanceWindow.parse(
        days.isEmpty() ? List.of() : Arrays.asList(days.split(",")), start, duration, tz);
  }

  @Test
  void aWindowIsOpenFromItsStartUpToButNotIncludingItsEnd() {
    // Monday and Wednesday 02:00-04:00 CET = 01:00Z-03:00Z in winter.
    MaintenanceWindow w = window("Mon,Wed", "02:00", "2h", AMSTERDAM);

    assertThat(w.isOpen(at("2026-01-05T00:59:59Z"))).isFalse();
    assertThat(w.isOpen(at("2026-01-05T01:00:00Z"))).isTrue();
    assertThat(w.isOpen(at("2026-01-05T02:59:59Z"))).isTrue();
    assertThat(w.isOpen(at("2026-01-05T03:00:00Z"))).isFalse();
    assertThat(w.isOpen(at("2026-01-06T01:30:00Z"))).as("Tuesday").isFalse();
    assertThat(w.closesAt(at("2026-01-05T01:30:00Z"))).contains(at("2026-01-05T03:00:00Z"));
    assertThat(w.closesAt(at("2026-01-05T03:00:00Z"))).isEmpty();
  }

  @Test
  void theNextOpeningIsNowWhenOpenElseTheNextStart() {
    MaintenanceWindow w = window("Mon,Wed", "02:00", "2h", AMSTERDAM);

    assertThat(w.nextOpening(at("2026-01-05T01:30:00Z"))).isEqualTo(at("2026-01-05T01:30:00Z"));
    assertThat(w.nextOpening(at("2026-01-05T03:00:00Z"))).isEqualTo(at("2026-01-07T01:00:00Z"));
    assertThat(w.nextOpening(at("2026-01-04T12:00:00Z"))).isEqualTo(at("2026-01-05T01:00:00Z"));
    // Thursday: the next one is Monday.
    assertThat(w.nextOpening(at("2026-01-08T00:00:00Z"))).isEqualTo(at("2026-01-12T01:00:00Z"));
  }

  @Test
  void aWindowRunsPastMidnightIntoTheNextDay() {
    // Friday 23:00 for 3h, UTC: open until Saturday 02:00.
    MaintenanceWindow w = window("Friday", "23:00", "3h", "UTC");

    assertThat(w.isOpen(at("2026-01-09T22:59:00Z"))).isFalse();
    assertThat(w.isOpen(at("2026-01-09T23:00:00Z"))).isTrue();
    assertThat(w.isOpen(at("2026-01-10T01:59:00Z"))).as("Saturday").isTrue();
    assertThat(w.isOpen(at("2026-01-10T02:00:00Z"))).isFalse();
    assertThat(w.closesAt(at("2026-01-10T01:00:00Z"))).contains(at("2026-01-10T02:00:00Z"));
    assertThat(w.nextOpening(at("2026-01-10T02:00:00Z"))).isEqualTo(at("2026-01-16T23:00:00Z"));
  }

  @Test
  void springForwardAWindowAcrossTheChangeLastsItsElapsedDuration() {
    // Sunday 01:30 CET for 2h: 00:30Z-02:30Z, which the clocks show as 01:30-04:30.
    MaintenanceWindow w = window("Sun", "01:30", "2h", AMSTERDAM);

    assertThat(w.nextOpening(at("2026-03-28T12:00:00Z"))).isEqualTo(at("2026-03-29T00:30:00Z"));
    assertThat(w.isOpen(at("2026-03-29T02:29:59Z"))).isTrue();
    assertThat(w.closesAt(at("2026-03-29T01:00:00Z"))).contains(at("2026-03-29T02:30:00Z"));
    // A week later it is 01:30 CEST = 23:30Z on Saturday.
    assertThat(w.nextOpening(at("2026-03-29T03:00:00Z"))).isEqualTo(at("2026-04-04T23:30:00Z"));
  }

  @Test
  void springForwardAStartTimeTheClocksSkipOpensWhenTheSkippedHourEnds() {
    // 02:30 does not exist on 2026-03-29 in Amsterdam: the window opens at 03:00 CEST = 01:00Z.
    MaintenanceWindow w = window("Sun,Mon", "02:30", "1h", AMSTERDAM);

    assertThat(w.nextOpening(at("2026-03-29T00:00:00Z"))).isEqualTo(at("2026-03-29T01:00:00Z"));
    assertThat(w.isOpen(at("2026-03-29T00:59:59Z"))).isFalse();
    assertThat(w.isOpen(at("2026-03-29T01:59:59Z"))).isTrue();
    assertThat(w.closesAt(at("2026-03-29T01:00:00Z"))).contains(at("2026-03-29T02:00:00Z"));
    // Monday it is an ordinary 02:30 CEST = 00:30Z.
    assertThat(w.nextOpening(at("2026-03-29T02:00:00Z"))).isEqualTo(at("2026-03-30T00:30:00Z"));
  }

  @Test
  void fallBackAStartTimeThatOccursTwiceOpensTheFirstTime() {
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET): the window opens at 00:30Z and
    // lasts one elapsed hour, so it has closed when the clocks show 02:30 the second time.
    MaintenanceWindow w = window("Sun", "02:30", "1h", AMSTERDAM);

    assertThat(w.nextOpening(at("2026-10-24T12:00:00Z"))).isEqualTo(at("2026-10-25T00:30:00Z"));
    assertThat(w.isOpen(at("2026-10-25T01:29:59Z"))).isTrue();
    assertThat(w.isOpen(at("2026-10-25T01:30:00Z"))).isFalse();
    assertThat(w.closesAt(at("2026-10-25T00:45:00Z"))).contains(at("2026-10-25T01:30:00Z"));
  }

  @Test
  void fallBackAWindowAcrossTheChangeLastsItsElapsedDuration() {
    // Sunday 01:00 CEST (23:00Z Saturday) for 3h closes at 02:00Z, when the clocks show 03:00 CET.
    MaintenanceWindow w = window("Sun", "01:00", "3h", AMSTERDAM);

    assertThat(w.nextOpening(at("2026-10-24T12:00:00Z"))).isEqualTo(at("2026-10-24T23:00:00Z"));
    assertThat(w.isOpen(at("2026-10-25T01:59:59Z"))).isTrue();
    assertThat(w.isOpen(at("2026-10-25T02:00:00Z"))).isFalse();
    assertThat(w.closesAt(at("2026-10-25T00:00:00Z"))).contains(at("2026-10-25T02:00:00Z"));
    // Next week: 01:00 CET = 00:00Z.
    assertThat(w.nextOpening(at("2026-10-25T02:00:00Z"))).isEqualTo(at("2026-11-01T00:00:00Z"));
  }

  @Test
  void overlappingOccurrencesCloseWhenTheLastOfThemEnds() {
    // Monday and Tuesday 00:00 for 36h: Monday 00:00 to Wednesday 12:00 without a break.
    MaintenanceWindow w = window("Mon,Tue", "00:00", "36h", "UTC");

    assertThat(w.closesAt(at("2026-01-05T06:00:00Z"))).contains(at("2026-01-07T12:00:00Z"));
    assertThat(w.isOpen(at("2026-01-06T12:00:00Z"))).isTrue();
    assertThat(w.isOpen(at("2026-01-07T12:00:00Z"))).isFalse();
    assertThat(w.alwaysOpen()).isFalse();
  }

  @Test
  void aSevenDayWindowOnOneDayIsAlwaysOpen() {
    MaintenanceWindow w = window("Mon", "00:00", "168h", "UTC");

    assertThat(w.alwaysOpen()).isTrue();
    assertThat(w.isOpen(at("2026-01-11T23:59:59Z"))).isTrue();
    assertThat(w.nextOpening(at("2026-01-11T23:59:59Z"))).isEqualTo(at("2026-01-11T23:59:59Z"));
    assertThat(w.closesAt(at("2026-01-11T23:59:59Z"))).isEmpty();
    assertThat(window("", "00:00", "24h", AMSTERDAM).alwaysOpen()).isTrue();
  }

  @Test
  void anHourShortOfAWeekClosesForThatHour() {
    MaintenanceWindow w = window("Mon", "00:00", "167h", "UTC");

    assertThat(w.alwaysOpen()).isFalse();
    assertThat(w.isOpen(at("2026-01-11T22:59:59Z"))).isTrue();
    assertThat(w.isOpen(at("2026-01-11T23:00:00Z"))).isFalse();
    assertThat(w.closesAt(at("2026-01-05T00:00:00Z"))).contains(at("2026-01-11T23:00:00Z"));
    assertThat(w.nextOpening(at("2026-01-11T23:00:00Z"))).isEqualTo(at("2026-01-12T00:00:00Z"));
  }

  @Test
  void daysAreEnglishNamesOrAbbreviationsInAnyCaseAndNoneMeansEveryDay() {
    assertThat(window("monday,TUE,Wed,thursday", "01:00", "1h", "UTC").days())
        .containsExactlyInAnyOrder(
            DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY);
    assertThat(MaintenanceWindow.parse(null, "01:00", "1h", null).days())
        .containsExactlyInAnyOrder(DayOfWeek.values());
  }

  @Test
  void noTimeZoneMeansUtc() {
    MaintenanceWindow w = MaintenanceWindow.parse(List.of("Mon"), "02:00", "1h", null);

    assertThat(w.zone().getId()).isEqualTo("UTC");
    assertThat(w.isOpen(at("2026-01-05T02:00:00Z"))).isTrue();
  }

  @ParameterizedTest(name = "{0} = {1} minutes")
  @CsvSource({"2h, 120", "90m, 90", "1h30m, 90", "1.5h, 90", "168h, 10080", "1m, 1", "3600s, 60"})
  void durationsAreWrittenAsKubernetesWritesThem(String text, long minutes) {
    assertThat(MaintenanceWindow.goDuration(text, "d")).isEqualTo(Duration.ofMinutes(minutes));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          Mon,Funday | 02:00 | 2h    | UTC              | spec.window.days[1] | `Funday` is not a day of the week
          Tues       | 02:00 | 2h    | UTC              | spec.window.days[0] | `Tues` is not a day of the week
          Mon        | 2:00  | 2h    | UTC              | spec.window.start   | `2:00` is not a time as HH:mm
          Mon        | 24:00 | 2h    | UTC              | spec.window.start   | `24:00` is not a time as HH:mm
          Mon        | ''    | 2h    | UTC              | spec.window.start   | is required
          Mon        | 02:00 | PT2H  | UTC              | spec.window.duration | `PT2H` is not a duration such as 2h
          Mon        | 02:00 | 2 h   | UTC              | spec.window.duration | `2 h` is not a duration
          Mon        | 02:00 | 2d    | UTC              | spec.window.duration | `2d` is not a duration
          Mon        | 02:00 | -1h   | UTC              | spec.window.duration | `-1h` is not a duration
          Mon        | 02:00 | 169h  | UTC              | spec.window.duration | `169h` must be between 1m and 168h
          Mon        | 02:00 | 30s   | UTC              | spec.window.duration | `30s` must be between 1m and 168h
          Mon        | 02:00 | 0m    | UTC              | spec.window.duration | `0m` must be between 1m and 168h
          Mon        | 02:00 | ''    | UTC              | spec.window.duration | is required
          Mon        | 02:00 | 2h    | Mars/Olympus     | spec.window.timeZone | `Mars/Olympus` is not an IANA time zone name
          Mon        | 02:00 | 2h    | +02:00           | spec.window.timeZone | `+02:00` is not an IANA time zone name
          """)
  void badInputNamesTheField(
      String days, String start, String duration, String tz, String field, String message) {
    assertThatThrownBy(() -> window(days, start, duration, tz))
        .isInstanceOfSatisfying(
            SpecProblem.class,
            p -> {
              assertThat(p.reason()).isEqualTo(Reasons.INVALID_SPEC);
              assertThat(p.field()).isEqualTo(field);
              assertThat(p.getMessage()).startsWith(field + ": ").contains(message);
            });
  }

  @Test
  void aCallerNamesWhereTheWindowSits() {
    assertThatThrownBy(
            () -> MaintenanceWindow.parse("spec.hops[1].window", List.of("Mon"), "9", "1h", null))
        .hasMessageStartingWith("spec.hops[1].window.start: ");
  }

  @Test
  void itDescribesItselfForStatusAndEvents() {
    assertThat(window("Thu,Mon", "22:00", "1h30m", AMSTERDAM).describe())
        .isEqualTo("Mon, Thu 22:00 for 1h30m (Europe/Amsterdam)");
    assertThat(window("", "02:00", "3h", "UTC").describe())
        .isEqualTo("every day 02:00 for 3h (UTC)");
  }

  @Test
  void theValueTypeRefusesWhatParseRefuses() {
    assertThatThrownBy(
            () ->
                new MaintenanceWindow(
                    java.util.Set.of(),
                    LocalTime.NOON,
                    Duration.ofHours(1),
                    java.time.ZoneOffset.UTC))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new MaintenanceWindow(
                    java.util.Set.of(DayOfWeek.MONDAY),
                    LocalTime.NOON,
                    Duration.ofDays(8),
                    java.time.ZoneOffset.UTC))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
