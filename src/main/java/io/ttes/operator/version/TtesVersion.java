package io.ttes.operator.version;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.semver4j.Semver;

/** A TTES release version, {@code MAJOR.MINOR.PATCH[-PRERELEASE]}, ordered as semver orders. */
public record TtesVersion(int major, int minor, int patch, String preRelease)
    implements Comparable<TtesVersion> {
  /** One pre-release identifier as SemVer allows it: numeric without leading zero, or text. */
  private static final String IDENTIFIER = "(?:0|[1-9][0-9]{0,8}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)";

  private static final Pattern SEMVER =
      Pattern.compile(
          "^(0|[1-9][0-9]{0,5})\\.(0|[1-9][0-9]{0,5})\\.(0|[1-9][0-9]{0,5})(?:-("
              + IDENTIFIER
              + "(?:\\."
              + IDENTIFIER
              + ")*))?$");

  private static final int MAX_PRE_RELEASE = 64;

  /** Parses a version; empty when the text is not one. */
  public static Optional<TtesVersion> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = SEMVER.matcher(text.trim());
    if (!m.matches() || (m.group(4) != null && m.group(4).length() > MAX_PRE_RELEASE)) {
      return Optional.empty();
    }
    return Optional.of(
        new TtesVersion(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            m.group(4)));
  }

  /**
   * SemVer 2.0 precedence (semver.org, item 11), by semver4j: a release sorts after its
   * pre-releases, and pre-release identifiers compare one by one, numeric ones as numbers ({@code
   * 3.34.0-rc.10} after {@code 3.34.0-rc.2}), others as ASCII text.
   */
  @Override
  public int compareTo(TtesVersion o) {
    return semver().compareTo(o.semver());
  }

  private Semver semver() {
    // The pattern above admits only what SemVer admits, so this never fails.
    return new Semver(toString());
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (preRelease == null ? "" : "-" + preRelease);
  }
}
