package io.ttes.operator.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures every log line of the JVM (message, MDC and stack traces) for leak checks. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();

  public static LogCapture attach() {
    LogCapture capture = new LogCapture();
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture.setContext(ctx);
    capture.start();
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(capture);
    return capture;
  }

  @Override
  protected synchronized void append(ILoggingEvent e) {
    StringBuilder b =
        new StringBuilder(e.getFormattedMessage()).append(' ').append(e.getMDCPropertyMap());
    if (e.getThrowableProxy() != null) {
      b.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
    }
    lines.add(b.toString());
  }

  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  public synchronized String all() {
    return String.join("\n", lines);
  }

  @Override
  public void close() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
    stop();
  }
}
