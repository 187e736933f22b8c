package io.ttes.operator.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The real AWS emulator, {@code moto_server}, started on a free loopback port. Tests that need AWS
 * use it; when moto is not installed they fail with a message saying how to install it, never a
 * silent skip.
 *
 * <p>moto takes seconds to start (its Python imports), and some thirty test classes use it, so a
 * closed server is not stopped: it forgets all its state ({@code /moto-api/reset}, the ECS task
 * transition, the request recorder) and waits in this JVM's pool for the next {@link #start}. Each
 * caller still gets a server that looks freshly started; two open at once are two processes. The
 * pool's processes end with the JVM.
 */
public final class MotoServer implements AutoCloseable {
  public static final String REGION = "eu-west-1";

  private static final Deque<MotoServer> IDLE = new ArrayDeque<>();
  private static final List<Process> STARTED = new ArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  synchronized (IDLE) {
                    STARTED.forEach(Process::destroy);
                  }
                },
                "moto-pool-stop"));
  }

  private final Process process;
  private final int port;
  private final Path logFile;
  private boolean open = true;

  private MotoServer(Process process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts moto_server and waits until it answers; throws with install help when absent. */
  public static MotoServer start() {
    // The SDK reads credentials and region from system properties before the environment.
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    System.setProperty("aws.region", REGION);
    synchronized (IDLE) {
      while (!IDLE.isEmpty()) {
        MotoServer idle = IDLE.pop();
        if (idle.process.isAlive()) {
          idle.open = true;
          return idle;
        }
      }
    }
    int port = freePort();
    List<String> command = command(port);
    try {
      Path logDir = Path.of("target", "moto");
      Files.createDirectories(logDir);
      Path log = logDir.resolve("moto-" + port + ".log");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      pb.environment().put("MOTO_ALLOW_NONEXISTENT_REGION", "true");
      // moto's request recorder (/moto-api/recorder/*) writes to its working directory otherwise.
      pb.environment()
          .put(
              "MOTO_RECORDER_FILEPATH",
              logDir.resolve("moto-" + port + ".recording").toAbsolutePath().toString());
      Process process = pb.start();
      synchronized (IDLE) {
        STARTED.add(process);
      }
      MotoServer server = new MotoServer(process, port, log);
      server.awaitReady(Duration.ofSeconds(60));
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(missingMessage(command), e);
    }
  }

  private static List<String> command(int port) {
    String explicit = System.getenv("MOTO_SERVER");
    if (explicit != null && !explicit.isBlank()) {
      return List.of(explicit, "-H", "127.0.0.1", "-p", String.valueOf(port));
    }
    String onPath = which("moto_server");
    if (onPath != null) {
      return List.of(onPath, "-H", "127.0.0.1", "-p", String.valueOf(port));
    }
    String python = which("python3");
    if (python != null && pythonHasMoto(python)) {
      return List.of(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", String.valueOf(port));
    }
    throw new IllegalStateException(missingMessage(List.of("moto_server")));
  }

  private static String missingMessage(List<String> command) {
    return "The AWS emulator moto_server is required by the integration tests but could not be"
        + " started ("
        + String.join(" ", command)
        + "). Install it with: pip install 'moto[server]==5.2.1' (or set MOTO_SERVER to its path).";
  }

  private static boolean pythonHasMoto(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import moto.server").start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String which(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
    dirs.add(System.getProperty("user.home") + "/.pyenv/shims");
    for (String dir : dirs) {
      File f = new File(dir, name);
      if (f.isFile() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private void awaitReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "moto_server exited with " + process.exitValue() + "; output: " + readLog());
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) endpoint().resolve("/moto-api/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        if (c.getResponseCode() < 500) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      sleep(100);
    }
    stop();
    throw new IllegalStateException("moto_server did not answer within " + timeout);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  /** Forgets all emulated AWS state. */
  public void reset() {
    post("/moto-api/reset", "");
  }

  /**
   * Makes ECS tasks advance with time ({@code seconds} per state) instead of one state per
   * DescribeTasks read, so polling faster does not finish tasks sooner.
   */
  public void ecsTasksAdvanceEvery(int seconds) {
    post(
        "/moto-api/state-manager/set-transition",
        "{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"time\", \"seconds\": "
            + seconds
            + "}}");
  }

  /** Restores moto's default: one ECS task state per DescribeTasks read. */
  public void ecsTasksAdvancePerRead() {
    post(
        "/moto-api/state-manager/set-transition",
        "{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"manual\","
            + " \"times\": 1}}");
  }

  private void post(String path, String body) {
    try {
      HttpURLConnection c = (HttpURLConnection) endpoint().resolve(path).toURL().openConnection();
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.setRequestProperty("Content-Type", "application/json");
      c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      int code = c.getResponseCode();
      if (code >= 300) {
        throw new IllegalStateException("moto " + path + " answered " + code);
      }
    } catch (IOException e) {
      throw new IllegalStateException("moto " + path + " failed", e);
    }
  }

  private String readLog() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Gives the server back: all emulated state is forgotten and the process waits for the next
   * {@link #start} of this JVM. A server that cannot be reset is stopped instead.
   */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    if (!process.isAlive()) {
      return;
    }
    try {
      reset();
      ecsTasksAdvancePerRead();
      post("/moto-api/recorder/stop-recording", "");
      post("/moto-api/recorder/reset-recording", "");
    } catch (RuntimeException e) {
      stop();
      return;
    }
    synchronized (IDLE) {
      IDLE.push(this);
    }
  }

  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
