package io.ttes.operator.release;

import io.ttes.operator.version.TtesVersion;
import java.util.List;

/**
 * A version an upgrade must stop at on its way to the target, and the release notes that say so.
 *
 * @param version the version to move to first
 * @param notes the release notes that require the stop
 */
public record RequiredHop(TtesVersion version, List<ReleaseNote> notes) {
  public RequiredHop {
    notes = List.copyOf(notes);
  }
}
