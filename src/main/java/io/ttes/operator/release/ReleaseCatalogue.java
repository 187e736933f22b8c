package io.ttes.operator.release;

import io.ttes.operator.release.Release.Migration;
import io.ttes.operator.release.Release.PassThrough;
import io.ttes.operator.version.TtesVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What TTES release notes require of an upgrade: per version, the database migrations to run and
 * the versions an upgrade must stop at. The operator ships one catalogue ({@link #shipped()},
 * filled from the public release notes of The Things Stack); a second document in the same format
 * extends it ({@link #extendedBy}). Versions compare as {@link TtesVersion} orders them (SemVer),
 * so a pre-release sorts before its release: {@code 3.33.0-rc.1} has not reached {@code 3.33.0}.
 * Immutable.
 */
public final class ReleaseCatalogue {
  /** The catalogue in the jar. */
  public static final String SHIPPED_RESOURCE = "/io/ttes/operator/release/releases.yaml";

  private static volatile ReleaseCatalogue shipped;

  private final TreeMap<TtesVersion, Release> releases;

  private ReleaseCatalogue(Collection<Release> releases) {
    this.releases = new TreeMap<>();
    releases.forEach(r -> this.releases.put(r.version(), r));
  }

  /**
   * The catalogue shipped in the jar, read once. A shipped document that does not read is a build
   * defect (a test reads it), so it fails with {@link IllegalStateException}.
   */
  public static ReleaseCatalogue shipped() {
    ReleaseCatalogue c = shipped;
    if (c == null) {
      try (InputStream in = ReleaseCatalogue.class.getResourceAsStream(SHIPPED_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(SHIPPED_RESOURCE + " is missing from the jar");
        }
        c = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "releases.yaml");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (CatalogueProblem e) {
        throw new IllegalStateException(
            "the shipped release catalogue is broken: " + e.getMessage(), e);
      }
      shipped = c;
    }
    return c;
  }

  /**
   * Reads a catalogue document (format in docs/releases.md).
   *
   * @param source the document's name in messages (a resource, {@code configmap/<name>/<key>})
   * @throws CatalogueProblem (an {@link IllegalArgumentException}) naming the source, line and
   *     field of the first problem
   */
  public static ReleaseCatalogue parse(String text, String source) {
    Objects.requireNonNull(text, "text");
    return new ReleaseCatalogue(CatalogueReader.read(text, source));
  }

  /** This catalogue with the document {@code text} merged over it (see {@link #mergedWith}). */
  public ReleaseCatalogue extendedBy(String text, String source) {
    return mergedWith(parse(text, source));
  }

  /**
   * This catalogue with {@code extension} merged over it. A version only the extension lists is
   * added; for a version both list, the extension's migrations and stops are added to this one's
   * (an identical command and reason, or a stop at the same version, is kept once), unless the
   * extension's entry says {@code replace: true}, in which case it replaces this one's.
   */
  public ReleaseCatalogue mergedWith(ReleaseCatalogue extension) {
    Map<TtesVersion, Release> merged = new TreeMap<>(releases);
    for (Release ext : extension.releases.values()) {
      Release base = merged.get(ext.version());
      if (base == null || ext.replace()) {
        merged.put(ext.version(), ext);
        continue;
      }
      List<Migration> migrations = new ArrayList<>(base.migrations());
      ext.migrations().stream().filter(m -> !migrations.contains(m)).forEach(migrations::add);
      List<PassThrough> through = new ArrayList<>(base.through());
      for (PassThrough p : ext.through()) {
        if (through.stream().noneMatch(t -> t.version().equals(p.version()))) {
          through.add(p);
        }
      }
      merged.put(ext.version(), new Release(ext.version(), migrations, through, false));
    }
    return new ReleaseCatalogue(merged.values());
  }

  /** Every release the catalogue knows, lowest version first. */
  public List<Release> releases() {
    return List.copyOf(releases.values());
  }

  /** The entry of exactly {@code version}, if any. */
  public Optional<Release> release(TtesVersion version) {
    return Optional.ofNullable(releases.get(version));
  }

  /**
   * The migrations an upgrade from {@code from} to {@code to} must run: those of every release
   * above {@code from} and up to and including {@code to}, one entry per command in the order the
   * commands first appear (lowest release first), each with all the notes that require it. Empty
   * when {@code to} is not above {@code from}.
   */
  public List<RequiredMigration> migrationsBetween(TtesVersion from, TtesVersion to) {
    Map<String, List<ReleaseNote>> byCommand = new LinkedHashMap<>();
    for (Release r : crossed(from, to)) {
      for (Migration m : r.migrations()) {
        byCommand
            .computeIfAbsent(m.command(), k -> new ArrayList<>())
            .add(new ReleaseNote(r.version(), m.feature(), m.reason()));
      }
    }
    List<RequiredMigration> out = new ArrayList<>();
    byCommand.forEach((command, notes) -> out.add(new RequiredMigration(command, notes)));
    return out;
  }

  /**
   * The versions an upgrade from {@code from} to {@code to} must stop at, lowest first: for every
   * release above {@code from} up to {@code to} that says "through" a version, that version when
   * {@code from} is below the stop's {@code below}. Moving from one stop to the next needs none of
   * the earlier ones again, so an upgrade plans {@code from → stop1 → ... → to}. Empty when none
   * (or when {@code to} is not above {@code from}).
   */
  public List<RequiredHop> requiredHops(TtesVersion from, TtesVersion to) {
    Map<TtesVersion, List<ReleaseNote>> stops = new TreeMap<>();
    for (Release r : crossed(from, to)) {
      for (PassThrough p : r.through()) {
        if (from.compareTo(p.below()) < 0) {
          stops
              .computeIfAbsent(p.version(), k -> new ArrayList<>())
              .add(new ReleaseNote(r.version(), null, p.reason()));
        }
      }
    }
    List<RequiredHop> out = new ArrayList<>();
    stops.forEach((version, notes) -> out.add(new RequiredHop(version, notes)));
    return out;
  }

  /**
   * The version an upgrade stopping at {@code stop} on its way to {@code to} moves to: the highest
   * release of the stop's MAJOR.MINOR this catalogue lists that is at least {@code stop} and below
   * {@code to}, or {@code stop} itself when it lists none. "Through v3.24" means the 3.24 line, and
   * its latest patch carries its fixes; the catalogue's stop names the patch known when the entry
   * was written, an extension can name a later one. Pre-releases are never chosen.
   */
  public TtesVersion latestPatch(TtesVersion stop, TtesVersion to) {
    Objects.requireNonNull(stop, "stop");
    Objects.requireNonNull(to, "to");
    TtesVersion best = stop;
    for (TtesVersion v : releases.keySet()) {
      if (v.major() == stop.major()
          && v.minor() == stop.minor()
          && v.preRelease() == null
          && v.compareTo(best) > 0
          && v.compareTo(to) < 0) {
        best = v;
      }
    }
    return best;
  }

  private Collection<Release> crossed(TtesVersion from, TtesVersion to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.compareTo(from) <= 0) {
      return List.of();
    }
    return releases.subMap(from, false, to, true).values();
  }
}
