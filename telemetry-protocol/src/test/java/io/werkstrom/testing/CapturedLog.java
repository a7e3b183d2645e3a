package io.werkstrom.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * What one class logs while open, as lines {@code "LEVEL message"} (plus {@code " / "} and the
 * message of a logged exception). Closing restores the logger's level and stops capturing.
 */
public final class CapturedLog implements AutoCloseable {

    private final Logger logger;
    private final Level levelBefore;
    private final AbstractAppender appender;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private CapturedLog(Logger logger, Level level) {
        this.logger = logger;
        levelBefore = logger.getLevel();
        appender = new AbstractAppender("capture-" + logger.getName(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage()
                        + (event.getThrown() == null ? "" : " / " + event.getThrown().getMessage()));
            }
        };
        appender.start();
        logger.addAppender(appender);
        if (level != null) {
            logger.setLevel(level);
        }
    }

    /** Captures what {@code source} logs at the levels its logger has now. */
    public static CapturedLog of(Class<?> source) {
        return new CapturedLog((Logger) LogManager.getLogger(source), null);
    }

    /** Captures what {@code source} logs at {@code level} and above, whatever its logger's level. */
    public static CapturedLog of(Class<?> source, Level level) {
        return new CapturedLog((Logger) LogManager.getLogger(source), level);
    }

    /** Captures what the logger named {@code name} logs at {@code level} and above, whatever its level. */
    public static CapturedLog of(String name, Level level) {
        return new CapturedLog((Logger) LogManager.getLogger(name), level);
    }

    /** The lines logged so far at WARN, oldest first. */
    public List<String> warnings() {
        return lines.stream().filter(line -> line.startsWith("WARN ")).toList();
    }

    /** The lines logged so far, oldest first. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        logger.setLevel(levelBefore);
        logger.removeAppender(appender);
        appender.stop();
    }
}
