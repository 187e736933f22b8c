package io.ttes.operator.upgrade;

import io.ttes.operator.release.ReleaseCatalogue;
import io.ttes.operator.release.ReleaseNote;
import io.ttes.operator.release.RequiredHop;
import io.ttes.operator.release.RequiredMigration;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * The hops of an upgrade under {@code spec.path: Hops}: from the version it started at, through
 * every version the release catalogue says to stop at, to the target. The hops already finished
 * come from status.hops (they are facts and never recomputed); the rest is asked of the catalogue
 * again on every reconcile from the last finished hop's version, so an edited targetVersion or
 * catalogue changes only what is still ahead. Pure.
 *
 * @param legs every hop in order, finished ones first; one leg for an upgrade without stops
 * @param current the index of the hop being worked on: the first unfinished one, or the last when
 *     all are finished
 */
record HopRoute(List<Leg> legs, int current) {
  /** At most this many hops: a catalogue whose stops do not progress cannot loop. */
  static final int MAX_HOPS = 16;

  /**
   * One hop.
   *
   * @param from the version the stacks run when the hop starts
   * @param to the version the hop moves them to
   * @param reasons why the upgrade stops at {@code to} (release-note lines as {@code version:
   *     line}); empty for the last hop
   * @param required the migrations the release notes of the versions this hop crosses require
   *     (above {@code from}, up to {@code to}); empty for a finished hop
   * @param finished whether status.hops records the hop as Succeeded
   */
  record Leg(
      TtesVersion from,
      TtesVersion to,
      List<String> reasons,
      List<RequiredMigration> required,
      boolean finished) {
    Leg {
      reasons = List.copyOf(reasons);
      required = List.copyOf(required);
    }
  }

  HopRoute {
    legs = List.copyOf(legs);
  }

  /**
   * The route from {@code start} to {@code target} after the {@code finished} hops.
   *
   * @param start the version the upgrade started at (status.fromVersion, or the cluster's version
   *     before it started)
   * @param finished the hops status.hops records as Succeeded, in order
   */
  static HopRoute of(
      ReleaseCatalogue catalogue, TtesVersion start, TtesVersion target, List<Leg> finished) {
    List<Leg> legs = new ArrayList<>(finished);
    TtesVersion at = finished.isEmpty() ? start : finished.get(finished.size() - 1).to();
    while (legs.size() < MAX_HOPS && target.compareTo(at) > 0) {
      List<RequiredHop> stops = catalogue.requiredHops(at, target);
      TtesVersion next = target;
      List<String> reasons = List.of();
      if (!stops.isEmpty()) {
        RequiredHop stop = stops.get(0);
        TtesVersion chosen = catalogue.latestPatch(stop.version(), target);
        if (chosen.compareTo(at) > 0) {
          next = chosen;
          reasons = stop.notes().stream().map(ReleaseNote::toString).toList();
        }
      }
      legs.add(new Leg(at, next, reasons, catalogue.migrationsBetween(at, next), false));
      at = next;
    }
    int current = 0;
    while (current < legs.size() - 1 && legs.get(current).finished()) {
      current++;
    }
    return new HopRoute(legs, current);
  }

  /** Whether the upgrade walks more than one hop: only then is status.hops written. */
  boolean multiHop() {
    return legs.size() > 1;
  }

  /** The hop being worked on; null for an empty route (nothing to do). */
  Leg leg() {
    return legs.isEmpty() ? null : legs.get(current);
  }

  /** Whether the current hop is the last one. */
  boolean last() {
    return current >= legs.size() - 1;
  }

  /** {@code hop 1/2: 3.23.2 → 3.24.2} for the hop at {@code index} (0-based). */
  String label(int index) {
    Leg leg = legs.get(index);
    return "hop " + (index + 1) + "/" + legs.size() + ": " + leg.from() + " → " + leg.to();
  }
}
