package io.ttes.operator.release;

import io.ttes.operator.release.Release.Migration;
import io.ttes.operator.release.Release.PassThrough;
import io.ttes.operator.release.YamlTree.Node;
import io.ttes.operator.version.TtesVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a catalogue document into {@link Release}s, or throws a {@link CatalogueProblem} naming the
 * first field at fault and its line. The format is described in docs/releases.md.
 */
final class CatalogueReader {
  /** One word of a command: lower-case letters, digits, {@code . _ = -}; a flag starts with --. */
  private static final Pattern WORD = Pattern.compile("(--)?[a-z0-9][a-z0-9._=-]*");

  private static final Set<String> BINARIES = Set.of("ttn-lw-stack", "tti-lw-stack");
  private static final int MAX_TEXT = 500;
  private static final int MAX_WORDS = 8;

  private final String source;

  private CatalogueReader(String source) {
    this.source = source;
  }

  static List<Release> read(String text, String source) {
    CatalogueReader reader = new CatalogueReader(source);
    return reader.document(YamlTree.read(text, source));
  }

  private List<Release> document(Node root) {
    Map<String, Node> fields = mapping(root, null, Set.of("source", "releases"));
    if (fields.containsKey("source")) {
      text(fields.get("source"), "source", false);
    }
    Node releases = required(fields, root, null, "releases");
    if (!releases.isList()) {
      throw problem(releases, "releases", "must be a list of releases");
    }
    List<Release> out = new ArrayList<>();
    Map<TtesVersion, Integer> seen = new HashMap<>();
    for (int i = 0; i < releases.list().size(); i++) {
      Node entry = releases.list().get(i);
      String field = "releases[" + i + "]";
      Release release = release(entry, field);
      Integer earlier = seen.putIfAbsent(release.version(), entry.line());
      if (earlier != null) {
        throw problem(
            entry,
            field + ".version",
            release.version() + " is listed twice (also on line " + earlier + ")");
      }
      out.add(release);
    }
    return out;
  }

  private Release release(Node entry, String field) {
    Map<String, Node> fields =
        mapping(entry, field, Set.of("version", "migrations", "through", "replace"));
    TtesVersion version = version(required(fields, entry, field, "version"), field + ".version");
    boolean replace = false;
    if (fields.containsKey("replace")) {
      Node r = fields.get("replace");
      String value = text(r, field + ".replace", true);
      if (!value.equals("true") && !value.equals("false")) {
        throw problem(r, field + ".replace", "must be true or false, not `" + shorten(value) + "`");
      }
      replace = value.equals("true");
    }
    List<Migration> migrations = new ArrayList<>();
    for (Item item : items(fields.get("migrations"), field + ".migrations")) {
      migrations.add(migration(item.node(), item.field()));
    }
    List<PassThrough> through = new ArrayList<>();
    for (Item item : items(fields.get("through"), field + ".through")) {
      through.add(passThrough(item.node(), item.field(), version));
    }
    if (migrations.isEmpty() && through.isEmpty() && !replace) {
      throw problem(
          entry, field, "release " + version + " lists neither migrations nor through versions");
    }
    return new Release(version, migrations, through, replace);
  }

  private Migration migration(Node node, String field) {
    Map<String, Node> fields = mapping(node, field, Set.of("command", "feature", "reason"));
    Node c = required(fields, node, field, "command");
    String command = String.join(" ", text(c, field + ".command", true).trim().split("\\s+"));
    String[] words = command.split(" ");
    if (BINARIES.contains(words[0])) {
      throw problem(
          c,
          field + ".command",
          "write the words after the binary (`is-db migrate`), not `" + words[0] + "`");
    }
    if (words.length > MAX_WORDS) {
      throw problem(c, field + ".command", "has more than " + MAX_WORDS + " words");
    }
    for (String word : words) {
      if (!WORD.matcher(word).matches()) {
        throw problem(
            c,
            field + ".command",
            "`"
                + shorten(word)
                + "` is not a subcommand word (lower-case letters, digits, . _ = -, flags"
                + " with --)");
      }
    }
    String feature =
        fields.containsKey("feature") ? line(fields.get("feature"), field + ".feature") : null;
    String reason = line(required(fields, node, field, "reason"), field + ".reason");
    return new Migration(command, feature, reason);
  }

  private PassThrough passThrough(Node node, String field, TtesVersion release) {
    Map<String, Node> fields = mapping(node, field, Set.of("version", "below", "reason"));
    Node v = required(fields, node, field, "version");
    TtesVersion version = version(v, field + ".version");
    if (version.compareTo(release) >= 0) {
      throw problem(v, field + ".version", version + " must be lower than the release " + release);
    }
    TtesVersion below = new TtesVersion(version.major(), version.minor(), 0, null);
    if (fields.containsKey("below")) {
      Node b = fields.get("below");
      below = version(b, field + ".below");
      if (below.compareTo(version) > 0) {
        throw problem(
            b, field + ".below", below + " must not be higher than the version " + version);
      }
    }
    String reason = line(required(fields, node, field, "reason"), field + ".reason");
    return new PassThrough(version, below, reason);
  }

  private record Item(Node node, String field) {}

  private List<Item> items(Node list, String field) {
    if (list == null || list.value() == null) {
      return List.of();
    }
    if (!list.isList()) {
      throw problem(list, field, "must be a list");
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < list.list().size(); i++) {
      out.add(new Item(list.list().get(i), field + "[" + i + "]"));
    }
    return out;
  }

  private Map<String, Node> mapping(Node node, String field, Set<String> allowed) {
    if (!node.isMap()) {
      throw problem(node, field, "must be a mapping with " + String.join(", ", sorted(allowed)));
    }
    for (Map.Entry<String, Node> e : node.map().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw problem(
            e.getValue(),
            field == null ? e.getKey() : field + "." + e.getKey(),
            "unknown field (known: " + String.join(", ", sorted(allowed)) + ")");
      }
    }
    return node.map();
  }

  private Node required(Map<String, Node> fields, Node parent, String field, String name) {
    Node n = fields.get(name);
    if (n == null || n.value() == null) {
      throw problem(
          n == null ? parent : n, field == null ? name : field + "." + name, "is required");
    }
    return n;
  }

  private TtesVersion version(Node node, String field) {
    String text = text(node, field, true);
    return TtesVersion.parse(text)
        .orElseThrow(
            () ->
                problem(
                    node,
                    field,
                    "`" + shorten(text) + "` is not a version (MAJOR.MINOR.PATCH[-PRERELEASE])"));
  }

  /** A text on one line: inner whitespace (a folded YAML string) becomes single spaces. */
  private String line(Node node, String field) {
    String value = String.join(" ", text(node, field, true).trim().split("\\s+"));
    if (value.isEmpty()) {
      throw problem(node, field, "is empty");
    }
    if (value.length() > MAX_TEXT) {
      throw problem(node, field, "is longer than " + MAX_TEXT + " characters");
    }
    return value;
  }

  private String text(Node node, String field, boolean nonBlank) {
    if (node.value() == null) {
      if (nonBlank) {
        throw problem(node, field, "is empty");
      }
      return "";
    }
    if (!node.isText()) {
      throw problem(node, field, "must be a text, not a " + (node.isList() ? "list" : "mapping"));
    }
    if (nonBlank && node.text().isBlank()) {
      throw problem(node, field, "is empty");
    }
    return node.text();
  }

  private CatalogueProblem problem(Node node, String field, String message) {
    return new CatalogueProblem(source, node.line(), field, message);
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static String shorten(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "..." : value;
  }
}
