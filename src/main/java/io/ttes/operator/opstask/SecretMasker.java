package io.ttes.operator.opstask;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Replaces every secret value in a text with {@code ****}. Used on log tails and on any message
 * built from AWS output before it reaches status or events. Values are matched longest first in a
 * single pass, so a shorter secret inside a longer one cannot leave part of the longer one visible,
 * and the mask itself is never matched again. Short values (1–3 characters) are masked too: showing
 * them would reveal the secret, and a few over-masked characters in a log are the lesser harm. A
 * value with surrounding whitespace (a Secret written with a trailing newline) is also matched
 * without it.
 */
public final class SecretMasker {
  public static final String MASK = "****";
  private static final SecretMasker NONE = new SecretMasker(null, 0);

  private final Pattern pattern;
  private final int count;

  private SecretMasker(Pattern pattern, int count) {
    this.pattern = pattern;
    this.count = count;
  }

  public static SecretMasker of(Collection<String> secretValues) {
    Set<String> values = new LinkedHashSet<>();
    for (String value : secretValues) {
      if (value != null && !value.isEmpty()) {
        values.add(value);
        String stripped = value.strip();
        if (!stripped.isEmpty()) {
          values.add(stripped);
        }
      }
    }
    if (values.isEmpty()) {
      return NONE;
    }
    String alternatives =
        values.stream()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .map(Pattern::quote)
            .collect(Collectors.joining("|"));
    return new SecretMasker(Pattern.compile(alternatives), values.size());
  }

  /** A masker with no values: returns texts unchanged. */
  public static SecretMasker none() {
    return NONE;
  }

  /** The text with every secret value replaced by {@link #MASK}; null stays null. */
  public String mask(String text) {
    if (text == null || pattern == null) {
      return text;
    }
    return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(MASK));
  }

  @Override
  public String toString() {
    return "SecretMasker[" + count + " values]";
  }
}
