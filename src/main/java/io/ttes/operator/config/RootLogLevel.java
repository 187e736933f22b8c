package io.ttes.operator.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Sets the root logger's level from {@link OperatorConfig#logLevel()}. Done in code, after the
 * logback configuration is final (text or JSON), so that {@code --log-level} works as well as
 * {@code TTES_LOG_LEVEL}; loggers the configuration quiets on purpose (informers) keep their level.
 */
public final class RootLogLevel {
  private RootLogLevel() {}

  public static void apply(String level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
  }
}
