package io.ttes.operator.version;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the TTES version a stack runs: the tag of a {@code
 * thethingsindustries/lorawan-stack:<version>-aws...} image parameter ({@code 5-x} stacks take
 * their images as parameters), else a {@value #VERSION_TAG} tag. The operator no longer writes that
 * tag (a change set's tags replace the stack's, see upgrade/ChangeSetTags) and drops it at the next
 * upgrade, so a stale tag left by an older operator must not outrank the image the stack runs.
 */
public final class StackVersions {
  public static final String VERSION_TAG = "ops.ttes.io/version";

  /** An image reference of TTES with its version tag, e.g. .../lorawan-stack:3.33.1-aws. */
  public static final Pattern IMAGE =
      Pattern.compile(
          "^(?<repo>(?:[^:/]+(?::[0-9]+)?/)*thethingsindustries/lorawan-stack[a-z-]*)"
              + ":(?<version>[0-9]+\\.[0-9]+\\.[0-9]+(?:-rc\\.?[0-9]+)?)(?<suffix>-aws[a-z0-9-]*)?$");

  private StackVersions() {}

  public static Optional<TtesVersion> of(Map<String, String> tags, Map<String, String> params) {
    if (params != null) {
      Optional<TtesVersion> image =
          params.values().stream()
              .map(StackVersions::imageVersion)
              .flatMap(Optional::stream)
              .max(TtesVersion::compareTo);
      if (image.isPresent()) {
        return image;
      }
    }
    return tags == null ? Optional.empty() : TtesVersion.parse(tags.get(VERSION_TAG));
  }

  /** The version in an image parameter value, if it is a TTES image. */
  public static Optional<TtesVersion> imageVersion(String value) {
    if (value == null) {
      return Optional.empty();
    }
    Matcher m = IMAGE.matcher(value.trim());
    return m.matches() ? TtesVersion.parse(m.group("version")) : Optional.empty();
  }

  /** The same image moved to {@code target}, or empty when the value is not a TTES image. */
  public static Optional<String> withVersion(String value, TtesVersion target) {
    if (value == null) {
      return Optional.empty();
    }
    Matcher m = IMAGE.matcher(value.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    String suffix = m.group("suffix") == null ? "" : m.group("suffix");
    return Optional.of(m.group("repo") + ":" + target + suffix);
  }
}
