package io.ttes.operator.opstask;

import io.ttes.operator.api.v1alpha1.OpsTaskSpec.SecretArg;
import io.ttes.operator.status.Reasons;
import io.ttes.operator.status.SpecProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The command an OpsTask runs: the cluster's binary followed by {@code spec.command}, where {@code
 * $(NAME)} stands for the value of secretArgs NAME. Expansion follows Kubernetes container args:
 * {@code $$} is a literal {@code $} (so {@code $$(NAME)} stays {@code $(NAME)}), and {@code $(x)}
 * whose content cannot be a secretArgs name (lower case, punctuation) is left as written. An
 * upper-case reference that is not declared is an error rather than left as is: it is almost always
 * a typo that would otherwise send the literal text as a password.
 *
 * <p>Secret values only ever pass through {@link #argv} and {@link #shellLine}; nothing here puts
 * them in an exception message or {@code toString}.
 */
public final class CommandLine {
  private static final Pattern REFERENCE_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");
  private static final Pattern SECRET_ARG_NAME = Pattern.compile("^[A-Z_][A-Z0-9_]{0,63}$");
  private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./$()-]+");

  private final String binary;
  private final List<String> words;
  private final List<List<Segment>> expansions;
  private final Set<String> referenced;

  private CommandLine(
      String binary, List<String> words, List<List<Segment>> expansions, Set<String> referenced) {
    this.binary = binary;
    this.words = words;
    this.expansions = expansions;
    this.referenced = referenced;
  }

  /**
   * Validates and parses {@code command} against the declared {@code secretArgs}. Throws {@link
   * SpecProblem} (reason InvalidSpec) naming the offending field.
   */
  public static CommandLine parse(String binary, List<String> command, List<SecretArg> secretArgs) {
    Set<String> declared = declaredNames(secretArgs);
    if (command == null || command.isEmpty()) {
      throw invalid("spec.command", "must name a command, for example [is-db, migrate]");
    }
    List<List<Segment>> expansions = new ArrayList<>();
    Set<String> referenced = new LinkedHashSet<>();
    for (int i = 0; i < command.size(); i++) {
      String field = "spec.command[" + i + "]";
      String word = command.get(i);
      if (word == null || word.isEmpty()) {
        throw invalid(field, "is empty");
      }
      checkNoControlCharacters(field, word);
      List<Segment> segments = expand(word);
      for (Segment s : segments) {
        if (s.reference() && !declared.contains(s.text())) {
          throw invalid(field, "$(" + s.text() + ") is not declared in spec.secretArgs");
        }
        if (s.reference()) {
          referenced.add(s.text());
        }
      }
      expansions.add(segments);
    }
    if (binary == null || binary.isBlank()) {
      throw invalid("TTESCluster spec.ops.binary", "is empty");
    }
    checkNoControlCharacters("TTESCluster spec.ops.binary", binary);
    return new CommandLine(binary, List.copyOf(command), List.copyOf(expansions), referenced);
  }

  /** Checks the AMI command prefix words of the cluster. */
  public static void checkPrefix(List<String> prefix) {
    if (prefix == null) {
      return;
    }
    for (int i = 0; i < prefix.size(); i++) {
      String field = "TTESCluster spec.ops.ami.commandPrefix[" + i + "]";
      String word = prefix.get(i);
      if (word == null || word.isEmpty()) {
        throw invalid(field, "is empty");
      }
      checkNoControlCharacters(field, word);
    }
  }

  /** The secretArgs names the command refers to. */
  public Set<String> referencedNames() {
    return Set.copyOf(referenced);
  }

  /**
   * The argv for the ECS container command override, secret values substituted: {@code
   * ["tti-lw-stack", "is-db", "migrate"]}.
   */
  public List<String> argv(Map<String, String> secretValues) {
    List<String> argv = new ArrayList<>();
    argv.add(binary);
    for (List<Segment> segments : expansions) {
      StringBuilder word = new StringBuilder();
      for (Segment s : segments) {
        if (s.reference()) {
          String value = secretValues.get(s.text());
          if (value == null) {
            throw new IllegalArgumentException("no value for $(" + s.text() + ")");
          }
          word.append(value);
        } else {
          word.append(s.text());
        }
      }
      argv.add(word.toString());
    }
    return argv;
  }

  /**
   * One POSIX shell line for SSM on the AMI: prefix words, binary and arguments, each
   * single-quoted, so no value (secret or not) can end the word or start another command.
   */
  public String shellLine(List<String> prefix, Map<String, String> secretValues) {
    checkPrefix(prefix);
    for (Map.Entry<String, String> e : secretValues.entrySet()) {
      if (e.getValue() != null && e.getValue().indexOf('\0') >= 0) {
        // A shell word cannot hold NUL; never show the value.
        throw invalid("spec.secretArgs", "the value of " + e.getKey() + " contains NUL");
      }
    }
    List<String> all = new ArrayList<>(prefix == null ? List.of() : prefix);
    all.addAll(argv(secretValues));
    return String.join(" ", all.stream().map(CommandLine::shellQuote).toList());
  }

  /**
   * What status.commandLine shows: the binary and the words as written, {@code $(NAME)} left as is;
   * words a shell would split are shown single-quoted.
   */
  public String display() {
    StringBuilder line = new StringBuilder(binary);
    for (String word : words) {
      line.append(' ').append(PLAIN_WORD.matcher(word).matches() ? word : shellQuote(word));
    }
    return line.toString();
  }

  /** POSIX single quoting: {@code it's} becomes {@code 'it'\''s'}. */
  public static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  @Override
  public String toString() {
    return "CommandLine[" + display() + "]";
  }

  private static Set<String> declaredNames(List<SecretArg> secretArgs) {
    Map<String, Integer> seen = new HashMap<>();
    if (secretArgs == null) {
      return Set.of();
    }
    for (int i = 0; i < secretArgs.size(); i++) {
      SecretArg arg = secretArgs.get(i);
      String field = "spec.secretArgs[" + i + "]";
      if (arg == null) {
        throw invalid(field, "is empty");
      }
      if (arg.getName() == null || !SECRET_ARG_NAME.matcher(arg.getName()).matches()) {
        throw invalid(field + ".name", "must match [A-Z_][A-Z0-9_]*");
      }
      Integer previous = seen.put(arg.getName(), i);
      if (previous != null) {
        throw invalid(
            field + ".name",
            "duplicate name " + arg.getName() + " (also spec.secretArgs[" + previous + "])");
      }
      boolean kubernetes = arg.getSecretKeyRef() != null;
      boolean secretsManager = arg.getSecretsManagerKeyRef() != null;
      if (kubernetes == secretsManager) {
        throw invalid(field, "set exactly one of secretKeyRef and secretsManagerKeyRef");
      }
      if (kubernetes
          && (isBlank(arg.getSecretKeyRef().getName())
              || isBlank(arg.getSecretKeyRef().getKey()))) {
        throw invalid(field + ".secretKeyRef", "needs a Secret name and key");
      }
      if (secretsManager
          && (isBlank(arg.getSecretsManagerKeyRef().getSecretId())
              || isBlank(arg.getSecretsManagerKeyRef().getKey()))) {
        throw invalid(field + ".secretsManagerKeyRef", "needs a secret id and key");
      }
    }
    return seen.keySet();
  }

  /** Splits a word into literal text and $(NAME) references, Kubernetes style. */
  private static List<Segment> expand(String word) {
    List<Segment> segments = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < word.length()) {
      char c = word.charAt(i);
      if (c == '$' && i + 1 < word.length()) {
        char next = word.charAt(i + 1);
        if (next == '$') {
          literal.append('$');
          i += 2;
          continue;
        }
        if (next == '(') {
          int close = word.indexOf(')', i + 2);
          if (close > 0 && REFERENCE_NAME.matcher(word.substring(i + 2, close)).matches()) {
            if (!literal.isEmpty()) {
              segments.add(new Segment(literal.toString(), false));
              literal.setLength(0);
            }
            segments.add(new Segment(word.substring(i + 2, close), true));
            i = close + 1;
            continue;
          }
        }
      }
      literal.append(c);
      i++;
    }
    if (!literal.isEmpty() || segments.isEmpty()) {
      segments.add(new Segment(literal.toString(), false));
    }
    return segments;
  }

  private static void checkNoControlCharacters(String field, String word) {
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (Character.isISOControl(c)) {
        String name =
            switch (c) {
              case '\0' -> "NUL";
              case '\n' -> "a newline";
              case '\r' -> "a carriage return";
              case '\t' -> "a tab";
              default -> String.format("control character U+%04X", (int) c);
            };
        throw invalid(field, "contains " + name + " at position " + i);
      }
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static SpecProblem invalid(String field, String message) {
    return new SpecProblem(Reasons.INVALID_SPEC, field, message);
  }

  /** Literal text, or the name of a secretArgs reference. */
  private record Segment(String text, boolean reference) {}
}
