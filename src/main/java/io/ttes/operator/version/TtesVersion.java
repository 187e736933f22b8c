package io.ttes.operator.version;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A TTES release version, {@code MAJOR.MINOR.PATCH[-PRERELEASE]}, ordered as semver orders. */
public record TtesVersion(int major, int minor, int patch, String preRelease)
    implements Comparable<TtesVersion> {
  private static final Pattern SEMVER =
      Pattern.compile(
          "^(0|[1-9][0-9]{0,5})\\.(0|[1-9][0-9]{0,5})\\.(0|[1-9][0-9]{0,5})(?:-([0-9A-Za-z.-]{1,64}))?$");

  /** Parses a version; empty when the text is not one. */
  public static Optional<TtesVersion> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = SEMVER.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new TtesVersion(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            m.group(4)));
  }

  @Override
  public int compareTo(TtesVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Integer.compare(patch, o.patch);
    }
    if (c == 0 && !Objects.equals(preRelease, o.preRelease)) {
      // A release sorts after its pre-releases.
      if (preRelease == null) {
        return 1;
      }
      if (o.preRelease == null) {
        return -1;
      }
      c = preRelease.compareTo(o.preRelease);
    }
    return c;
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (preRelease == null ? "" : "-" + preRelease);
  }
}
