package io.ttes.operator.release;

import io.ttes.operator.version.TtesVersion;
import java.util.List;

/**
 * What the notes of one release require of an upgrade that reaches it.
 *
 * @param version the release
 * @param migrations the commands its notes require, in the order of the notes
 * @param through the versions an upgrade from below {@link PassThrough#below()} must stop at
 * @param replace in an extension document: this entry replaces the shipped entry of the same
 *     version instead of adding to it
 */
public record Release(
    TtesVersion version, List<Migration> migrations, List<PassThrough> through, boolean replace) {
  public Release {
    migrations = List.copyOf(migrations);
    through = List.copyOf(through);
  }

  /**
   * A migration the notes require.
   *
   * @param command the words after the binary, single-spaced: {@code is-db migrate}
   * @param feature the bullet the reason is nested under, or null
   * @param reason the release-note line that requires it, verbatim
   */
  public record Migration(String command, String feature, String reason) {}

  /**
   * A version an upgrade must stop at: an upgrade from below {@code below} to this release or later
   * first moves to {@code version}.
   *
   * @param version the version to stop at, lower than the release
   * @param below upgrades from versions lower than this one must stop; at most {@code version}
   * @param reason the release-note line that says so, verbatim
   */
  public record PassThrough(TtesVersion version, TtesVersion below, String reason) {}
}
