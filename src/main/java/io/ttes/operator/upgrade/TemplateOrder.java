package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.TTESClusterSpec.StackRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Orders TTES template names as the template numbering does: {@code 1-1-vpc} < {@code 1-2-bastion}
 * < {@code 2-4a-is-s3} < {@code 2-4b-routing-s3} < {@code 10-1-x}. The two numbers compare as
 * numbers (a plain string sort would put {@code 10-1} before {@code 2-1}), then the letter (none
 * before {@code a}), then the rest of the name so that the order is total. Names that do not follow
 * the numbering sort after all numbered ones, by name.
 */
public final class TemplateOrder implements Comparator<String> {
  private static final Pattern NUMBERED =
      Pattern.compile("^([0-9]{1,9})-([0-9]{1,9})([a-z]?)(?:-(.*))?$");

  @Override
  public int compare(String a, String b) {
    Key ka = Key.of(a);
    Key kb = Key.of(b);
    if (ka == null || kb == null) {
      if (ka != null) {
        return -1;
      }
      if (kb != null) {
        return 1;
      }
      return nullSafe(a).compareTo(nullSafe(b));
    }
    int c = Integer.compare(ka.major, kb.major);
    if (c == 0) {
      c = Integer.compare(ka.minor, kb.minor);
    }
    if (c == 0) {
      c = ka.letter.compareTo(kb.letter);
    }
    if (c == 0) {
      c = ka.rest.compareTo(kb.rest);
    }
    return c;
  }

  /**
   * The stacks in upgrade order (template numbering, then stack name); the input is not changed.
   */
  public List<StackRef> sortStacks(Collection<StackRef> stacks) {
    List<StackRef> sorted = new ArrayList<>(stacks);
    sorted.sort(Comparator.comparing(StackRef::getTemplate, this).thenComparing(StackRef::getName));
    return sorted;
  }

  private static String nullSafe(String s) {
    return s == null ? "" : s;
  }

  private record Key(int major, int minor, String letter, String rest) {
    static Key of(String template) {
      if (template == null) {
        return null;
      }
      Matcher m = NUMBERED.matcher(template);
      if (!m.matches()) {
        return null;
      }
      return new Key(
          Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)),
          m.group(3),
          m.group(4) == null ? "" : m.group(4));
    }
  }
}
