package io.ttes.operator.upgrade.window;

import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When an upgrade may start executing a stack: on the given days of the week, from {@code start}
 * (wall-clock time in {@code zone}) for {@code duration}. A window opens on a day in {@code days}
 * and may run past midnight into the next days (up to 7 days long).
 *
 * <p>Time and daylight saving: {@code duration} is elapsed time, so a 2h window that spans a clock
 * change still lasts two hours. A start time the clocks skip (02:30 on the spring-forward night in
 * Europe/Amsterdam) opens when the skipped hour ends (03:00 summer time); a start time that occurs
 * twice (02:30 on the fall-back night) opens the first time. A window whose occurrences chain
 * through the whole week (every day for 24h, one day for 168h) is {@linkplain #alwaysOpen() always
 * open}.
 *
 * @param days the days on which the window opens, in {@code zone}
 * @param start the wall-clock time it opens
 * @param duration how long it stays open, more than zero and at most {@link #MAX_DURATION}
 * @param zone the time zone of {@code days} and {@code start}
 */
public record MaintenanceWindow(
    Set<DayOfWeek> days, LocalTime start, Duration duration, ZoneId zone) {
  /** Where the window sits in a StackUpgrade; field names in problems start with it. */
  public static final String FIELD = "spec.window";

  public static final Duration MAX_DURATION = Duration.ofDays(7);
  public static final Duration MIN_DURATION = Duration.ofMinutes(1);

  private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):([0-5][0-9])");
  private static final Pattern GO_DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(h|m|s)");
  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  public MaintenanceWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(zone, "zone");
    if (days == null || days.isEmpty()) {
      throw new IllegalArgumentException("days must not be empty");
    }
    days = Set.copyOf(EnumSet.copyOf(days));
    if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("duration must be between 1m and 168h");
    }
  }

  /**
   * The window of {@code spec.window}; see {@link #parse(String, List, String, String, String)}.
   */
  public static MaintenanceWindow parse(
      List<String> days, String start, String duration, String timeZone) {
    return parse(FIELD, days, start, duration, timeZone);
  }

  /**
   * Reads a window as a user writes it.
   *
   * @param field where the window sits, for messages ({@code spec.window})
   * @param days {@code Monday}..{@code Sunday} or {@code Mon}..{@code Sun}, any case; null or empty
   *     for every day
   * @param start {@code HH:mm}, 24-hour clock
   * @param duration a Go duration as Kubernetes writes them ({@code 2h}, {@code 90m}, {@code
   *     1h30m}, {@code 1.5h}; units h, m, s), from 1m to 168h
   * @param timeZone an IANA time zone name ({@code Europe/Amsterdam}); null or blank for UTC
   * @throws SpecProblem with reason {@value Reasons#INVALID_SPEC} naming the field at fault
   */
  public static MaintenanceWindow parse(
      String field, List<String> days, String start, String duration, String timeZone) {
    Set<DayOfWeek> dayset = EnumSet.noneOf(DayOfWeek.class);
    if (days == null || days.isEmpty()) {
      dayset = EnumSet.allOf(DayOfWeek.class);
    } else {
      for (int i = 0; i < days.size(); i++) {
        dayset.add(day(days.get(i), field + ".days[" + i + "]"));
      }
    }
    return new MaintenanceWindow(
        dayset,
        time(start, field + ".start"),
        goDuration(duration, field + ".duration"),
        zone(timeZone, field + ".timeZone"));
  }

  /** Whether a stack may start executing at {@code t}. */
  public boolean isOpen(Instant t) {
    return alwaysOpen() || occurrences(t, 8, 1).stream().anyMatch(o -> o.contains(t));
  }

  /** {@code t} when the window is open at {@code t}, else the next instant it opens. */
  public Instant nextOpening(Instant t) {
    if (isOpen(t)) {
      return t;
    }
    return occurrences(t, 1, 8).stream()
        .map(Occurrence::open)
        .filter(open -> open.isAfter(t))
        .min(Comparator.naturalOrder())
        .orElseThrow(); // a day of every week is in days, so one opens within 8 days
  }

  /**
   * When the open period around {@code t} ends (occurrences that overlap or touch count as one
   * period); empty when the window is closed at {@code t} or {@linkplain #alwaysOpen() never
   * closes}.
   */
  public Optional<Instant> closesAt(Instant t) {
    if (alwaysOpen() || !isOpen(t)) {
      return Optional.empty();
    }
    Instant end = null;
    for (Occurrence o : occurrences(t, 8, 16)) {
      if (end == null) {
        if (o.contains(t)) {
          end = o.close();
        }
      } else if (!o.open().isAfter(end) && o.close().isAfter(end)) {
        end = o.close();
      }
    }
    return Optional.ofNullable(end);
  }

  /**
   * Whether the occurrences chain through the whole week: from each opening day the next one opens
   * before (or as) the window closes, counting days as 24 hours.
   */
  public boolean alwaysOpen() {
    List<Integer> sorted = days.stream().map(DayOfWeek::getValue).sorted().toList();
    for (int i = 0; i < sorted.size(); i++) {
      int next = i + 1 < sorted.size() ? sorted.get(i + 1) : sorted.get(0) + 7;
      if (Duration.ofDays(next - sorted.get(i)).compareTo(duration) > 0) {
        return false;
      }
    }
    return true;
  }

  /** {@code Mon, Thu 22:00 for 3h (Europe/Amsterdam)}, for status and events. */
  public String describe() {
    String dayNames =
        days.size() == 7
            ? "every day"
            : String.join(
                ", ",
                days.stream()
                    .sorted()
                    .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH))
                    .toList());
    return dayNames + " " + start + " for " + goString(duration) + " (" + zone.getId() + ")";
  }

  /** One opening of the window: [open, close). */
  record Occurrence(Instant open, Instant close) {
    boolean contains(Instant t) {
      return !t.isBefore(open) && t.isBefore(close);
    }
  }

  /** The occurrences opening on the local dates from {@code before} days before t's to after. */
  List<Occurrence> occurrences(Instant t, int before, int after) {
    LocalDate today = t.atZone(zone).toLocalDate();
    List<Occurrence> out = new ArrayList<>();
    for (LocalDate d = today.minusDays(before);
        !d.isAfter(today.plusDays(after));
        d = d.plusDays(1)) {
      if (days.contains(d.getDayOfWeek())) {
        Instant open = openingOn(d);
        out.add(new Occurrence(open, open.plus(duration)));
      }
    }
    return out;
  }

  private Instant openingOn(LocalDate date) {
    LocalDateTime local = LocalDateTime.of(date, start);
    ZoneRules rules = zone.getRules();
    List<ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.isEmpty()) {
      // The clocks skip this time: open when the skipped stretch ends.
      return rules.getTransition(local).getInstant();
    }
    // Twice on a fall-back night: the offset before the change is the first occurrence.
    return local.toInstant(offsets.get(0));
  }

  private static DayOfWeek day(String text, String field) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (DayOfWeek d : DayOfWeek.values()) {
      if (t.length() >= 3 && (d.name().equals(t) || (t.length() == 3 && d.name().startsWith(t)))) {
        return d;
      }
    }
    throw problem(
        field, "`" + shorten(text) + "` is not a day of the week (Monday..Sunday or Mon..Sun)");
  }

  private static LocalTime time(String text, String field) {
    if (text == null || text.isBlank()) {
      throw problem(field, "is required (HH:mm, 24-hour clock, for example 02:00)");
    }
    Matcher m = HH_MM.matcher(text.trim());
    if (!m.matches()) {
      throw problem(
          field,
          "`" + shorten(text) + "` is not a time as HH:mm (24-hour clock, for example 02:00)");
    }
    return LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** A Go duration (h, m, s parts, decimals allowed), as metav1.Duration fields are written. */
  static Duration goDuration(String text, String field) {
    if (text == null || text.isBlank()) {
      throw problem(field, "is required (a duration such as 2h, 90m or 1h30m)");
    }
    String t = text.trim();
    Matcher m = GO_DURATION_PART.matcher(t);
    BigDecimal seconds = BigDecimal.ZERO;
    int at = 0;
    while (at < t.length() && m.find(at) && m.start() == at) {
      BigDecimal value = new BigDecimal(m.group(1));
      int unit =
          switch (m.group(2)) {
            case "h" -> 3600;
            case "m" -> 60;
            default -> 1;
          };
      seconds = seconds.add(value.multiply(BigDecimal.valueOf(unit)));
      at = m.end();
      if (seconds.compareTo(BigDecimal.valueOf(MAX_DURATION.getSeconds() + 1)) > 0) {
        break;
      }
    }
    if (at != t.length()) {
      throw problem(
          field,
          "`" + shorten(text) + "` is not a duration such as 2h, 90m or 1h30m (units h, m, s)");
    }
    Duration d =
        Duration.ofNanos(
            seconds.multiply(NANOS_PER_SECOND).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue());
    if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(MAX_DURATION) > 0) {
      throw problem(field, "`" + shorten(text) + "` must be between 1m and 168h (7 days)");
    }
    return d;
  }

  private static ZoneId zone(String text, String field) {
    if (text == null || text.isBlank()) {
      return ZoneId.of("UTC");
    }
    String t = text.trim();
    if (!ZoneId.getAvailableZoneIds().contains(t)) {
      throw problem(
          field,
          "`" + shorten(text) + "` is not an IANA time zone name (for example Europe/Amsterdam)");
    }
    return ZoneId.of(t);
  }

  static String goString(Duration d) {
    long s = d.getSeconds();
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
    }
    if (s % 3600 >= 60) {
      b.append(s % 3600 / 60).append('m');
    }
    if (s % 60 > 0 || b.length() == 0) {
      b.append(s % 60).append('s');
    }
    return b.toString();
  }

  private static SpecProblem problem(String field, String message) {
    return new SpecProblem(Reasons.INVALID_SPEC, field, message);
  }

  private static String shorten(String value) {
    if (value == null) {
      return "";
    }
    return value.length() > 40 ? value.substring(0, 40) + "..." : value;
  }
}
