package io.ttes.operator.release;

import java.util.ArrayList;
import java.util.List;

/**
 * A migration command an upgrade must run, with every release note between its versions that
 * requires it (one command, however many releases ask for it).
 *
 * @param command the words after the binary: {@code is-db migrate}
 * @param notes the release notes that require it, oldest release first
 */
public record RequiredMigration(String command, List<ReleaseNote> notes) {
  public RequiredMigration {
    notes = List.copyOf(notes);
  }

  /** The command as {@code spec.migrations.commands} lists it: {@code ["is-db", "migrate"]}. */
  public List<String> args() {
    return List.of(command.split(" "));
  }

  /** The command line as the runbook writes it: {@code tti-lw-stack is-db migrate}. */
  public String commandLine(String binary) {
    return binary + " " + command;
  }

  /**
   * The migration commands of an upgrade: {@code commands} (the spec's list, which stays as it is
   * and in its order) followed by each required command it lacks, in the order given.
   */
  public static List<List<String>> addedTo(
      List<List<String>> commands, List<RequiredMigration> required) {
    List<List<String>> all = new ArrayList<>();
    commands.forEach(c -> all.add(List.copyOf(c)));
    for (RequiredMigration r : required) {
      if (all.stream().noneMatch(c -> c.equals(r.args()))) {
        all.add(r.args());
      }
    }
    return all;
  }
}
