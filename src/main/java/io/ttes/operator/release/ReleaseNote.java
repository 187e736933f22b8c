package io.ttes.operator.release;

import io.ttes.operator.version.TtesVersion;

/**
 * Why an upgrade must do something: the release whose notes say so and the line as written there.
 *
 * @param version the release whose notes hold the line
 * @param feature the bullet the line belongs to, when the line is nested under one; else null
 * @param line the release-note line, verbatim (it names {@code ttn-lw-stack}, the open-source
 *     binary)
 */
public record ReleaseNote(TtesVersion version, String feature, String line) {
  /** {@code 3.33.0: Support user email notification preferences. This requires ...}. */
  @Override
  public String toString() {
    return version + ": " + (feature == null ? "" : feature + " ") + line;
  }
}
