package io.ttes.operator.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * What the demo lets through to the console: by default only errors, so the converging resources
 * are what a user sees; with {@code --verbose} the operator's logs and the in-process API's request
 * log (java.util.logging, one record per HTTP request) as well. Restores the levels it found on
 * close, since DemoIT runs in the same JVM as the other integration tests.
 */
final class DemoLogs implements AutoCloseable {
  private static final String REQUEST_LOG = "io.fabric8.mockwebserver";
  // Held so java.util.logging does not collect the configured logger (it keeps weak references).
  private final java.util.logging.Logger requests = java.util.logging.Logger.getLogger(REQUEST_LOG);
  private final java.util.logging.Level requestsBefore = requests.getLevel();
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final TurboFilter errorsOnly = new ErrorsOnly();

  DemoLogs(boolean verbose) {
    if (verbose) {
      requests.setLevel(java.util.logging.Level.INFO);
    } else {
      requests.setLevel(java.util.logging.Level.WARNING);
      // A turbo filter, not the root level: loggers with a level of their own (logback-test.xml
      // sets WARN on some) would still print.
      errorsOnly.start();
      context.addTurboFilter(errorsOnly);
    }
  }

  @Override
  public void close() {
    requests.setLevel(requestsBefore);
    context.getTurboFilterList().remove(errorsOnly);
  }

  private static final class ErrorsOnly extends TurboFilter {
    @Override
    public FilterReply decide(
        Marker marker,
        ch.qos.logback.classic.Logger logger,
        Level level,
        String format,
        Object[] params,
        Throwable t) {
      return level != null && level.isGreaterOrEqual(Level.ERROR)
          ? FilterReply.NEUTRAL
          : FilterReply.DENY;
    }
  }
}
