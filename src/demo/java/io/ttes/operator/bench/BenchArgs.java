package io.ttes.operator.bench;

import io.ttes.operator.config.OperatorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The command line of every benchmark: {@code --name=value} options, bare {@code --flag}s and
 * {@code --help}. One parser so that the four benchmarks reject the same mistakes with the same
 * words: a word that is not {@code --name=value}, an option the benchmark does not know (a typo
 * must not silently run the default size), a value of the wrong type.
 *
 * <p>{@code exec:java} passes {@code -Dbench.args="--a=1 --b=2"} as one argument when it is quoted,
 * so every argument is split on whitespace first; blank words are ignored.
 */
final class BenchArgs {

  /**
   * What one benchmark accepts.
   *
   * @param benchmark the class name, for the usage text
   * @param options option name → what it sets and its default, in the order the usage lists them
   * @param flags flag name → what it does
   */
  record Spec(String benchmark, Map<String, String> options, Map<String, String> flags) {
    Spec {
      options = new LinkedHashMap<>(options);
      flags = new LinkedHashMap<>(flags);
    }

    /** What {@code --help} prints: every option and flag with what it does. */
    String usage() {
      StringBuilder b = new StringBuilder();
      b.append("Options of ")
          .append(benchmark)
          .append(" (mvn -Pbench test-compile exec:java -Dbench.class=io.ttes.operator.bench.")
          .append(benchmark)
          .append(" -Dbench.args=\"...\"):\n");
      options.forEach((name, what) -> b.append(String.format("  --%-22s %s%n", name + "=", what)));
      flags.forEach((name, what) -> b.append(String.format("  --%-22s %s%n", name, what)));
      b.append(String.format("  --%-22s %s%n", "help", "print this and exit"));
      return b.toString();
    }

    private String known() {
      List<String> names = new ArrayList<>();
      options.keySet().forEach(n -> names.add("--" + n));
      flags.keySet().forEach(n -> names.add("--" + n));
      names.add("--help");
      return String.join(" ", names);
    }
  }

  /** {@code name, what, name, what, ...} as a map that keeps that order (Map.of does not). */
  static Map<String, String> ordered(String... nameWhatPairs) {
    if (nameWhatPairs.length % 2 != 0) {
      throw new IllegalArgumentException("name/what pairs, got an odd count");
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameWhatPairs.length; i += 2) {
      m.put(nameWhatPairs[i], nameWhatPairs[i + 1]);
    }
    return m;
  }

  private final Spec spec;
  private final Map<String, String> values;
  private final Set<String> flags;

  private BenchArgs(Spec spec, Map<String, String> values, Set<String> flags) {
    this.spec = spec;
    this.values = values;
    this.flags = flags;
  }

  /**
   * Reads {@code args} against {@code spec}.
   *
   * @throws IllegalArgumentException naming the word that is malformed or unknown
   */
  static BenchArgs parse(String[] args, Spec spec) {
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> flags = new TreeSet<>();
    for (String arg : args) {
      for (String word : arg.trim().split("\\s+")) {
        if (word.isEmpty()) {
          continue;
        }
        if (!word.startsWith("--")) {
          throw new IllegalArgumentException("expected --name=value, got " + word);
        }
        int eq = word.indexOf('=');
        String name = word.substring(2, eq < 0 ? word.length() : eq);
        if (eq < 0 && (spec.flags().containsKey(name) || name.equals("help"))) {
          flags.add(name);
        } else if (eq < 0) {
          throw new IllegalArgumentException(
              spec.options().containsKey(name)
                  ? "expected --" + name + "=value, got " + word
                  : "expected --name=value, got " + word);
        } else if (spec.options().containsKey(name)) {
          values.put(name, word.substring(eq + 1));
        } else {
          throw new IllegalArgumentException(
              "unknown option --" + name + "; known: " + spec.known());
        }
      }
    }
    return new BenchArgs(spec, values, flags);
  }

  /** Whether {@code --help} was given: the caller prints {@link #usage()} and runs nothing. */
  boolean help() {
    return flags.contains("help");
  }

  String usage() {
    return spec.usage();
  }

  boolean flag(String name) {
    requireKnown(spec.flags().containsKey(name), name);
    return flags.contains(name);
  }

  int integer(String name, int fallback) {
    String v = value(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " is a whole number, got " + v);
    }
  }

  /** A duration as the operator's settings take it: {@code 5s}, {@code 15m}, {@code 500ms}. */
  Duration duration(String name, Duration fallback) {
    String v = value(name);
    try {
      return OperatorConfig.duration(v, fallback);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--" + name + " is a duration such as 5s, 15m or 500ms, got " + v);
    }
  }

  /** A word as given, or {@code fallback} when it is absent or blank. */
  String string(String name, String fallback) {
    String v = value(name);
    return v == null ? fallback : v;
  }

  private String value(String name) {
    requireKnown(spec.options().containsKey(name), name);
    String v = values.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  // A benchmark reading a name its Spec does not declare is a bug in the benchmark, not input.
  private static void requireKnown(boolean declared, String name) {
    if (!declared) {
      throw new IllegalStateException("--" + name + " is not declared in the benchmark's Spec");
    }
  }
}
