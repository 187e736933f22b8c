package io.ttes.operator.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The operator's image as Jib builds it in {@code mvn package} (execution pod-image of pom.xml: the
 * same container configuration as the shipped image, on the empty base "scratch"): the image
 * config's Entrypoint, Cmd, User, Env and WorkingDir, and its layers unpacked into one root
 * directory. The base image's part (a JRE) is the host's: see docs/pod-harness.md.
 */
public record PodImage(
    List<String> entrypoint,
    List<String> cmd,
    String user,
    List<String> env,
    String workingDir,
    Path root) {
  static final Path TAR = Path.of("target/pod-image.tar");
  // One folder per JVM: the ITs run in two forks, and one must not unpack over the other's pod.
  private static final Path UNPACKED = Path.of("target/pod-image-" + ProcessHandle.current().pid());
  private static PodImage loaded;

  /** Reads and unpacks target/pod-image.tar once per JVM, into a folder of that JVM's. */
  public static synchronized PodImage load() {
    if (loaded == null) {
      loaded = unpack();
    }
    return loaded;
  }

  private static PodImage unpack() {
    if (!Files.isRegularFile(TAR)) {
      throw new IllegalStateException(
          TAR
              + " is missing: it is built by the Jib execution pod-image in the package phase"
              + " (mvn package, or mvn verify), which the pod-shaped tests need.");
    }
    try {
      delete(UNPACKED);
      Path oci = UNPACKED.resolve("tar");
      Path root = UNPACKED.resolve("rootfs");
      Files.createDirectories(oci);
      Files.createDirectories(root);
      run(List.of("tar", "-xf", TAR.toAbsolutePath().toString(), "-C", oci.toString()));
      ObjectMapper json = new ObjectMapper();
      JsonNode manifest = json.readTree(oci.resolve("manifest.json").toFile()).get(0);
      for (JsonNode layer : manifest.path("Layers")) {
        run(
            List.of(
                "tar",
                "--warning=no-unknown-keyword",
                "-xzf",
                oci.resolve(layer.asText()).toString(),
                "-C",
                root.toString()));
      }
      JsonNode config =
          json.readTree(oci.resolve(manifest.path("Config").asText()).toFile()).path("config");
      return new PodImage(
          strings(config.path("Entrypoint")),
          strings(config.path("Cmd")),
          config.path("User").asText(""),
          strings(config.path("Env")),
          config.path("WorkingDir").asText(""),
          root.toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return List.copyOf(out);
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(p);
      }
    }
  }
}
