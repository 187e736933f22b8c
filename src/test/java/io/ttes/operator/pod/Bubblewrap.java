package io.ttes.operator.pod;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bwrap command line that gives a process what a container gets: its own user id (in a user
 * namespace), PID namespace, IPC namespace and hostname, a root filesystem made of the image's
 * directories plus the host's /usr and /etc (which stand in for the base image: the JRE is the
 * host's), read-only when the pod says so, and writable only where volumes are mounted. The network
 * is the host's (loopback reaches the in-process API and the AWS emulator).
 */
final class Bubblewrap {
  /** Host directories that stand in for the base image's. */
  private static final List<String> BASE =
      List.of("/usr", "/etc", "/bin", "/lib", "/lib64", "/sbin");

  record Mount(Path source, String target, boolean readOnly) {}

  private Bubblewrap() {}

  /** The bwrap binary; fails (never skips) when it is missing. */
  static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir, "bwrap");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IllegalStateException(
        "bubblewrap (bwrap) is required by the pod-shaped tests and is not installed: apt-get"
            + " install bubblewrap (.ci/run installs it)");
  }

  static List<String> command(
      long uid,
      long gid,
      String hostname,
      boolean readOnlyRoot,
      Path imageRoot,
      List<Mount> mounts,
      String workingDir,
      List<String> argv)
      throws IOException {
    List<String> c = new ArrayList<>();
    c.add(binary());
    c.addAll(List.of("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts"));
    c.addAll(List.of("--uid", String.valueOf(uid), "--gid", String.valueOf(gid)));
    c.addAll(List.of("--hostname", hostname, "--die-with-parent", "--new-session"));
    for (String dir : BASE) {
      Path p = Path.of(dir);
      if (Files.isSymbolicLink(p)) {
        c.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
      } else if (Files.isDirectory(p)) {
        c.addAll(List.of("--ro-bind", dir, dir));
      }
    }
    c.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--ro-bind", "/sys", "/sys"));
    try (Stream<Path> top = Files.list(imageRoot)) {
      for (Path p : top.sorted().toList()) {
        c.addAll(List.of("--ro-bind", p.toString(), "/" + p.getFileName()));
      }
    }
    for (Mount m : mounts) {
      c.addAll(List.of(m.readOnly() ? "--ro-bind" : "--bind", m.source().toString(), m.target()));
    }
    if (readOnlyRoot) {
      c.addAll(List.of("--remount-ro", "/"));
    }
    c.addAll(List.of("--chdir", workingDir.isEmpty() ? "/" : workingDir, "--"));
    c.addAll(argv);
    return c;
  }
}
