package io.ttes.operator.aws.fake;

import io.ttes.operator.aws.SsmCommands;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SSM Run Command in memory. A command is InProgress for its first invocation reads (default one),
 * then Success (exit 0) or Failed (non-zero), as scripted by {@link #whenCommandContains}. Comments
 * are limited to 100 characters like SSM's. Thread-safe.
 *
 * <p>Right after SendCommand, GetCommandInvocation answers InvocationDoesNotExist for a while ("The
 * command ID and managed node ID you specified didn't match any invocations",
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html;
 * SSM is eventually consistent, which is why the SDKs' CommandExecuted waiter retries on it:
 * https://github.com/aws/aws-sdk/issues/86): here for the first read of each command (see {@link
 * #invocationHiddenForReads}), or always with {@link #invocationsNeverAppear}.
 */
public final class FakeSsmCommands implements SsmCommands {
  public static final String SEND_COMMAND = "SSM.SendCommand";
  public static final String LIST_COMMANDS = "SSM.ListCommands";
  public static final String GET_COMMAND_INVOCATION = "SSM.GetCommandInvocation";
  public static final String CANCEL_COMMAND = "SSM.CancelCommand";

  private final CallLog calls;
  private final Clock clock;
  private final Map<String, Sent> commands = new LinkedHashMap<>();
  private final Map<String, State> state = new LinkedHashMap<>();
  private final List<Script> scripts = new ArrayList<>();
  private int readsUntilDone = 1;
  private int hiddenReads = 1;
  private int sequence;

  public FakeSsmCommands(CallLog calls, Clock clock) {
    this.calls = calls;
    this.clock = clock;
  }

  /** One sent command as SSM received it. */
  public record Sent(
      String commandId,
      String instanceId,
      List<String> shellLines,
      String comment,
      int timeoutSeconds,
      Instant sentAt) {
    @Override
    public String toString() {
      // The lines may hold secret values.
      return "Sent[" + commandId + " on " + instanceId + "]";
    }
  }

  /** Commands report InProgress to their first {@code reads} GetCommandInvocation calls. */
  public synchronized FakeSsmCommands invocationReadsUntilDone(int reads) {
    this.readsUntilDone = reads;
    return this;
  }

  /** GetCommandInvocation answers InvocationDoesNotExist to the first {@code reads} reads. */
  public synchronized FakeSsmCommands invocationHiddenForReads(int reads) {
    this.hiddenReads = reads;
    return this;
  }

  /** Invocations never appear (the instance was replaced, or its agent never picks them up). */
  public synchronized FakeSsmCommands invocationsNeverAppear() {
    this.hiddenReads = Integer.MAX_VALUE;
    return this;
  }

  /** Scripts commands whose shell lines contain {@code fragment}; the latest match wins. */
  public synchronized Script whenCommandContains(String fragment) {
    Script script = new Script(fragment);
    scripts.add(script);
    return script;
  }

  /** What a scripted command does. */
  public final class Script {
    private final String fragment;
    private int exitCode;
    private String stdout = "";
    private String stderr = "";

    private Script(String fragment) {
      this.fragment = fragment;
    }

    public Script exitCode(int code) {
      synchronized (FakeSsmCommands.this) {
        this.exitCode = code;
      }
      return this;
    }

    public Script stdout(String text) {
      synchronized (FakeSsmCommands.this) {
        this.stdout = text;
      }
      return this;
    }

    public Script stderr(String text) {
      synchronized (FakeSsmCommands.this) {
        this.stderr = text;
      }
      return this;
    }
  }

  public synchronized List<Sent> sent() {
    return commands.values().stream().toList();
  }

  @Override
  public String send(String instanceId, List<String> shellLines, String comment, int timeoutSecs) {
    calls.call(SEND_COMMAND);
    synchronized (this) {
      if (comment != null && comment.length() > 100) {
        throw CallLog.invalid(SEND_COMMAND, "Comment: up to 100 characters");
      }
      String id = String.format("%08x-0000-4000-8000-%012x", ++sequence, sequence);
      commands.put(
          id,
          new Sent(id, instanceId, List.copyOf(shellLines), comment, timeoutSecs, clock.instant()));
      state.put(id, new State());
      return id;
    }
  }

  @Override
  public Optional<String> findByComment(String instanceId, String comment, Instant since) {
    calls.call(LIST_COMMANDS);
    synchronized (this) {
      return commands.values().stream()
          .filter(c -> c.instanceId().equals(instanceId))
          .filter(c -> comment.equals(c.comment()))
          .filter(c -> !c.sentAt().isBefore(since))
          .map(Sent::commandId)
          .reduce((first, second) -> second);
    }
  }

  @Override
  public Invocation invocation(String commandId, String instanceId) {
    calls.call(GET_COMMAND_INVOCATION);
    synchronized (this) {
      Sent sent = commands.get(commandId);
      if (sent == null || !sent.instanceId().equals(instanceId)) {
        throw CallLog.notFound(GET_COMMAND_INVOCATION, "InvocationDoesNotExist");
      }
      State s = state.get(commandId);
      if (s.done == null && s.hiddenReads < hiddenReads) {
        s.hiddenReads++;
        throw CallLog.notFound(GET_COMMAND_INVOCATION, "InvocationDoesNotExist");
      }
      if (s.done == null) {
        s.reads++;
        if (s.reads > readsUntilDone) {
          Script script = scriptFor(sent);
          int code = script == null ? 0 : script.exitCode;
          s.done =
              new Invocation(
                  commandId,
                  code == 0 ? "Success" : "Failed",
                  code,
                  script == null ? "" : script.stdout,
                  script == null ? "" : script.stderr,
                  sent.sentAt(),
                  clock.instant());
        }
      }
      if (s.done != null) {
        return s.done;
      }
      return new Invocation(commandId, "InProgress", -1, "", "", sent.sentAt(), null);
    }
  }

  @Override
  public void cancel(String commandId, String instanceId) {
    calls.call(CANCEL_COMMAND);
    synchronized (this) {
      Sent sent = commands.get(commandId);
      if (sent == null) {
        throw CallLog.notFound(CANCEL_COMMAND, "InvalidCommandId");
      }
      State s = state.get(commandId);
      if (s.done == null) {
        s.done = new Invocation(commandId, "Cancelled", -1, "", "", sent.sentAt(), clock.instant());
      }
    }
  }

  private static final class State {
    int hiddenReads;
    int reads;
    Invocation done;
  }

  private Script scriptFor(Sent sent) {
    Script best = null;
    for (Script s : scripts) {
      if (sent.shellLines().stream().anyMatch(l -> l.contains(s.fragment))) {
        best = s;
      }
    }
    return best;
  }
}
