package io.ttes.operator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * The operator's process-level series: Micrometer's JVM (memory, GC, threads, class loading),
 * process and system binders, {@code ttes_build_info{version}} and {@code ttes_leader}, 1 while
 * this pod reconciles (it holds the Lease, or leader election is off), 0 for a standby. {@code
 * sum(ttes_leader)} is the number of pods reconciling: an alert fires when it stays 0.
 */
final class OperatorMetrics implements AutoCloseable {
  static final String BUILD_INFO = "ttes.build.info";
  static final String LEADER = "ttes.leader";

  private final JvmGcMetrics gc = new JvmGcMetrics();

  OperatorMetrics(MeterRegistry registry, BooleanSupplier reconciling) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    // Registers a GC notification listener on the JVM's collectors; closed with the operator.
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder(BUILD_INFO, () -> 1)
        .description("Always 1; the operator's version is the label")
        .tag("version", version())
        .strongReference(true)
        .register(registry);
    Gauge.builder(LEADER, () -> reconciling.getAsBoolean() ? 1 : 0)
        .description("1 while this pod reconciles (leader, or leader election off), else 0")
        .strongReference(true)
        .register(registry);
  }

  /** The build's version (Maven resource filtering fills build.properties). */
  static String version() {
    Properties props = new Properties();
    try (InputStream in = OperatorMetrics.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        return "unknown";
      }
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String version = props.getProperty("version", "unknown");
    return version.startsWith("${") ? "unknown" : version;
  }

  @Override
  public void close() {
    gc.close();
  }
}
