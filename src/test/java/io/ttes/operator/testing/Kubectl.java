package io.ttes.operator.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real kubectl against the in-process API, through a kubeconfig of its own. There is no
 * fallback: a machine without kubectl fails the test that uses this, naming what to install (CI
 * installs Debian's kubernetes-client where none is on PATH).
 */
public final class Kubectl {
  /** What one kubectl run printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    /** The output, failing with both streams when kubectl did not exit 0. */
    public String ok() {
      if (exitCode != 0) {
        throw new AssertionError(
            "kubectl exited " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return stdout;
    }
  }

  private final Path binary;
  private final Path kubeconfig;

  private Kubectl(Path binary, Path kubeconfig) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
  }

  /** A kubectl for the API at url, namespace {@code namespace}; fails when none is installed. */
  public static Kubectl forApi(String url, String namespace, Path dir) {
    Path binary = find();
    try {
      Files.createDirectories(dir);
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, kubeconfig(url, namespace));
      return new Kubectl(binary, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The kubeconfig of an in-process API (a token, since the API does not check one). */
  public static String kubeconfig(String url, String namespace) {
    return """
        apiVersion: v1
        kind: Config
        clusters: [{name: embedded, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: demo, user: {token: demo}}]
        contexts: [{name: embedded, context: {cluster: embedded, user: demo, namespace: %s}}]
        current-context: embedded
        """
        .formatted(url, namespace);
  }

  private static Path find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        "kubectl is not on PATH; install it (Debian: apt-get install kubernetes-client) to run"
            + " this test");
  }

  /** Runs kubectl with the given arguments (60 s at most). */
  public Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(kubeconfig.getParent(), "kubectl", ".out");
      Path err = Files.createTempFile(kubeconfig.getParent(), "kubectl", ".err");
      Process p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl " + String.join(" ", args) + " ran over 60 s");
      }
      Result result =
          new Result(
              p.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
