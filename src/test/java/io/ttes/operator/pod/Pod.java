package io.ttes.operator.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pod's container, supervised as the kubelet does with restartPolicy Always: started in its
 * sandbox, probed (readiness decides {@link #isReady()}, liveness failures past the threshold kill
 * and restart it), restarted with backoff whenever it exits, and terminated with SIGTERM, the grace
 * period, then SIGKILL. Every start writes its own log file.
 */
final class Pod {
  private final String name;
  private final Container container;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path dir;
  private final Kubelet.RestartBackoff backoff;
  private final Duration grace;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean deleted = new AtomicBoolean();
  private final AtomicInteger restarts = new AtomicInteger();
  private final AtomicInteger livenessKills = new AtomicInteger();
  private final List<Path> logs = new ArrayList<>();
  private final Instant created = Instant.now();
  private volatile Instant firstReady;
  private volatile Process process;
  private Thread supervisor;

  Pod(
      String name,
      Container container,
      List<String> command,
      Map<String, String> env,
      Path dir,
      Kubelet.RestartBackoff backoff,
      Duration grace) {
    this.name = name;
    this.container = container;
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.dir = dir;
    this.backoff = backoff;
    this.grace = grace;
  }

  void start() {
    supervisor = new Thread(this::supervise, "kubelet-" + name);
    supervisor.setDaemon(true);
    supervisor.start();
  }

  String name() {
    return name;
  }

  Map<String, String> env() {
    return env;
  }

  List<String> command() {
    return command;
  }

  boolean isReady() {
    return ready.get();
  }

  int restarts() {
    return restarts.get();
  }

  int livenessKills() {
    return livenessKills.get();
  }

  /** From pod creation to the first successful readiness probe. */
  Optional<Duration> timeToReady() {
    Instant r = firstReady;
    return r == null ? Optional.empty() : Optional.of(Duration.between(created, r));
  }

  /** The port a probe or a client reaches: the named container port resolved. */
  int port(Probe probe) {
    var port = probe.getHttpGet().getPort();
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no container port " + port.getStrVal()));
  }

  int readinessPort() {
    return port(container.getReadinessProbe());
  }

  /**
   * Waits until the pod is ready, at most {@code timeout} after it was created; fails with the
   * container log when it does not get ready.
   */
  Duration awaitReady(Duration timeout) {
    Instant deadline = created.plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (ready.get()) {
        return timeToReady().orElseThrow();
      }
      sleep(50);
    }
    throw new AssertionError(
        "pod " + name + " not ready within " + timeout + "; restarts " + restarts + "\n" + logs());
  }

  /** SIGKILL to the container's process (what an OOM kill or a node failure does). */
  void kill() {
    Process p = process;
    if (p != null) {
      Optional<ProcessHandle> java = javaProcess(p);
      java.ifPresent(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      // Dead before the caller goes on: a kill at an AWS call must land before the answer does.
      java.ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    }
  }

  /** Pod deletion: not ready at once, SIGTERM, the grace period, SIGKILL; no restart. */
  void delete() {
    deleted.set(true);
    ready.set(false);
    Process p = process;
    if (p != null) {
      stop(p);
    }
    try {
      supervisor.join(grace.toMillis() + 5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every container start's output, oldest first. */
  synchronized String logs() {
    StringBuilder b = new StringBuilder();
    for (Path log : logs) {
      try {
        b.append("==> ").append(log.getFileName()).append('\n').append(Files.readString(log));
      } catch (IOException e) {
        b.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  private void supervise() {
    Duration delay = backoff.initial();
    while (!deleted.get()) {
      Process p;
      try {
        p = launch();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      process = p;
      Prober readiness = new Prober(container.getReadinessProbe(), ready::set);
      Prober liveness =
          new Prober(
              container.getLivenessProbe(),
              alive -> {
                if (!alive) {
                  livenessKills.incrementAndGet();
                  stop(p);
                }
              });
      readiness.start(p);
      liveness.start(p);
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      ready.set(false);
      readiness.interrupt();
      liveness.interrupt();
      if (deleted.get()) {
        return;
      }
      restarts.incrementAndGet();
      sleep(delay.toMillis());
      delay =
          delay.multipliedBy(2).compareTo(backoff.max()) > 0
              ? backoff.max()
              : delay.multipliedBy(2);
    }
  }

  private synchronized Process launch() throws IOException {
    Path log = dir.resolve("container-" + logs.size() + ".log");
    logs.add(log);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    return pb.start();
  }

  /** SIGTERM to the container's main process, SIGKILL after the grace period. */
  private void stop(Process p) {
    Optional<ProcessHandle> main = javaProcess(p);
    main.ifPresentOrElse(ProcessHandle::destroy, p::destroy);
    try {
      if (!p.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        main.ifPresent(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The container's entrypoint process inside bwrap (bwrap and its PID-1 helper are not it). */
  private static Optional<ProcessHandle> javaProcess(Process bwrap) {
    return bwrap
        .descendants()
        .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst();
  }

  /** One probe of the container, polled at its rendered timings from container start. */
  private final class Prober extends Thread {
    private final Probe probe;
    private final java.util.function.Consumer<Boolean> onResult;
    private Process target;

    Prober(Probe probe, java.util.function.Consumer<Boolean> onResult) {
      super("probe-" + name);
      setDaemon(true);
      this.probe = probe;
      this.onResult = onResult;
    }

    void start(Process p) {
      target = p;
      if (probe != null) {
        start();
      }
    }

    @Override
    public void run() {
      int period = or(probe.getPeriodSeconds(), 10);
      int threshold = or(probe.getFailureThreshold(), 3);
      int timeout = or(probe.getTimeoutSeconds(), 1);
      URI uri = URI.create("http://127.0.0.1:" + port(probe) + probe.getHttpGet().getPath());
      int failures = 0;
      if (!pause(or(probe.getInitialDelaySeconds(), 0) * 1000L)) {
        return;
      }
      while (target.isAlive()) {
        if (get(uri, timeout)) {
          failures = 0;
          if (firstReady == null && probe == container.getReadinessProbe()) {
            firstReady = Instant.now();
          }
          onResult.accept(true);
        } else if (++failures >= threshold) {
          onResult.accept(false);
          if (probe == container.getLivenessProbe()) {
            return;
          }
        }
        if (!pause(period * 1000L)) {
          return;
        }
      }
    }
  }

  private static boolean get(URI uri, int timeoutSeconds) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(timeoutSeconds * 1000);
      c.setReadTimeout(timeoutSeconds * 1000);
      int code = c.getResponseCode();
      c.disconnect();
      return code >= 200 && code < 400;
    } catch (IOException e) {
      return false;
    }
  }

  private static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    pause(millis);
  }
}
