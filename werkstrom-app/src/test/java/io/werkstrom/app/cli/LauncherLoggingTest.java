package io.werkstrom.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.bridge.SLF4JBridgeHandler;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;

/**
 * The launcher's logging (werkstrom-logback.xml): Werkstrom's own warnings reach the console, the
 * libraries' only from errors up, one line each; everything at INFO, with stack traces, the log
 * file. Each threshold and the file can be set by a system property. Loaded into a logger context
 * of its own, not the tests' one.
 */
class LauncherLoggingTest {

    @TempDir
    Path dir;

    private record Run(String console, String file) {
    }

    private Run logWith(String consoleLevel) throws Exception {
        return logWith(consoleLevel, context -> {
            Logger own = context.getLogger("io.werkstrom.gateway.Gateway");
            Logger library = context.getLogger("org.eclipse.milo.opcua.sdk.client.OpcUaClient");
            own.info("own info");
            own.warn("own warning", new IllegalStateException("the cause"));
            own.error("own error");
            library.info("library info");
            library.warn("library warning");
            library.error("library error");
            context.getLogger("io.werkstrom.app.Werkstrom").error("command failed");
        });
    }

    private Run logWith(String consoleLevel, Consumer<LoggerContext> events) throws Exception {
        Path file = dir.resolve("werkstrom.log");
        PrintStream originalErr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        String[] keys = {"werkstrom.log", "werkstrom.console.level"};
        String[] before = {System.getProperty(keys[0]), System.getProperty(keys[1])};
        System.setProperty("werkstrom.log", file.toString());
        if (consoleLevel != null) {
            System.setProperty("werkstrom.console.level", consoleLevel);
        }
        // The console appender takes System.err when it starts.
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            URL config = getClass().getClassLoader().getResource("werkstrom-logback.xml");
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(config);
            events.accept(context);
        } finally {
            context.stop();
            System.setErr(originalErr);
            for (int i = 0; i < keys.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], before[i]);
                }
            }
        }
        return new Run(console.toString(StandardCharsets.UTF_8), Files.readString(file));
    }

    @Test
    void ownWarningsAndLibraryErrorsReachTheConsoleOnceAndEverythingTheFile() throws Exception {
        Run run = logWith(null);
        assertFalse(run.console().contains("own info"), run.console());
        assertTrue(run.console().contains("own warning"), run.console());
        assertFalse(run.console().contains("IllegalStateException"), "stack traces go to the file: " + run.console());
        assertTrue(run.file().contains("java.lang.IllegalStateException: the cause"), run.file());
        assertEquals(1, run.console().split("own error", -1).length - 1, "once: " + run.console());
        assertFalse(run.console().contains("library info"), run.console());
        assertFalse(run.console().contains("library warning"), run.console());
        assertTrue(run.console().contains("library error"), run.console());
        assertFalse(run.console().contains("command failed"), "a failed command says so in one line itself");
        for (String line : new String[] {"own info", "own warning", "own error", "library info", "library warning",
                "library error", "command failed"}) {
            assertTrue(run.file().contains(line), line + " missing from the file: " + run.file());
        }
    }

    @Test
    void flinksCommitterGaugeCollisionAtEveryCheckpointIsDroppedAndOtherCollisionsAreKept() throws Exception {
        // As Flink 2.3's AbstractMetricGroup words it, scope components and all.
        String committer = "Name collision: Group already contains a Metric with the name 'pendingCommittables'. "
                + "Metric will not be reported.[, taskmanager, tm-1, werkstrom-telemetry, aggregate-refresh: Committer, 0]";
        String other = "Name collision: Group already contains a Metric with the name 'acceptedBatches'. "
                + "Metric will not be reported.[, taskmanager, tm-1, werkstrom-telemetry, decode-and-validate, 0]";
        Run run = logWith(null, context -> {
            Logger metrics = context.getLogger(CommitterGaugeCollisionFilter.METRIC_LOGGER);
            metrics.warn(committer);
            metrics.warn(other);
            context.getLogger("io.werkstrom.jobs.TelemetryJob").warn("a warning that mentions 'pendingCommittables'");
        });
        assertFalse(run.file().contains("aggregate-refresh: Committer"), run.file());
        assertTrue(run.file().contains(other), run.file());
        assertTrue(run.file().contains("a warning that mentions 'pendingCommittables'"), run.file());
    }

    @Test
    void aLogFileThatCannotBeOpenedIsOneLineOnStderrAndNothingOnStdout() throws Exception {
        // A log file under a plain file: its folder cannot be created, whoever runs the test.
        Path blocked = Files.writeString(dir.resolve("plain-file"), "x").resolve("werkstrom.log");
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        String before = System.getProperty("werkstrom.log");
        System.setProperty("werkstrom.log", blocked.toString());
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(getClass().getClassLoader().getResource("werkstrom-logback.xml"));
            // What logback's service provider does after configuring the default context: without a
            // status listener it prints the whole status history, stack traces included, on stdout.
            if (!ch.qos.logback.core.status.StatusUtil.contextHasStatusListener(context)) {
                ch.qos.logback.core.util.StatusPrinter2 printer = new ch.qos.logback.core.util.StatusPrinter2();
                printer.setPrintStream(System.out);
                printer.printInCaseOfErrorsOrWarnings(context);
            }
            context.getLogger("io.werkstrom.gateway.Gateway").warn("own warning");
            context.getLogger("io.werkstrom.gateway.Gateway").info("own info");
        } finally {
            context.stop();
            System.setOut(originalOut);
            System.setErr(originalErr);
            if (before == null) {
                System.clearProperty("werkstrom.log");
            } else {
                System.setProperty("werkstrom.log", before);
            }
        }
        assertEquals("", stdout.toString(StandardCharsets.UTF_8), "stdout carries the JSON line only");
        String err = stderr.toString(StandardCharsets.UTF_8);
        java.util.List<String> warnings = err.lines().filter(l -> l.startsWith("werkstrom: warning: logging failed"))
                .toList();
        assertEquals(1, warnings.size(), err);
        assertTrue(warnings.get(0).contains(blocked.toString()) && warnings.get(0).contains("WERKSTROM_LOG"), err);
        assertTrue(err.contains("own warning"), "the console still works: " + err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void theConsoleLevelPropertyOpensTheConsoleToWerkstromsInfo() throws Exception {
        Run run = logWith("INFO");
        assertTrue(run.console().contains("own info"), run.console());
        assertFalse(run.console().contains("library warning"), run.console());
    }

    @Test
    void theLauncherRoutesJavaUtilLoggingIntoSlf4j() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        Handler[] before = root.getHandlers();
        try {
            JavaUtilLogging.routeToSlf4j();
            Handler[] handlers = root.getHandlers();
            assertEquals(1, handlers.length, "JUL's console handler is gone: " + java.util.Arrays.toString(handlers));
            assertTrue(handlers[0] instanceof SLF4JBridgeHandler, handlers[0].toString());
        } finally {
            for (Handler handler : root.getHandlers()) {
                root.removeHandler(handler);
            }
            for (Handler handler : before) {
                root.addHandler(handler);
            }
        }
    }

    @Test
    void pahosJavaUtilLoggingReachesTheConsoleAtTheLibrariesLevelInOneLine() throws Exception {
        String name = "org.eclipse.paho.mqttv5.client.internal.CommsSender";
        java.util.logging.Logger paho = java.util.logging.Logger.getLogger(name);
        Run run = logWith(null, context -> {
            // The bridge as the launcher installs it, with this test's logger context in place of the global one.
            Handler bridge = new SLF4JBridgeHandler() {
                @Override
                protected Logger getSLF4JLogger(LogRecord record) {
                    return context.getLogger(record.getLoggerName());
                }
            };
            paho.setUseParentHandlers(false);
            paho.addHandler(bridge);
            try {
                assertEquals(Level.WARNING, java.util.logging.Logger.getLogger("org.apache.flink").getLevel(),
                        "JUL's levels follow logback's");
                paho.fine("paho fine");
                paho.warning("paho warning");
                paho.log(Level.SEVERE, "paho severe", new NullPointerException("the cause"));
            } finally {
                paho.removeHandler(bridge);
                paho.setUseParentHandlers(true);
            }
        });
        assertFalse(run.console().contains("paho warning"), run.console());
        assertEquals(1, run.console().split("paho severe", -1).length - 1, "once: " + run.console());
        assertFalse(run.console().contains("NullPointerException"), "stack traces go to the file: " + run.console());
        assertTrue(run.file().contains("paho warning"), run.file());
        assertTrue(run.file().contains("java.lang.NullPointerException: the cause"), run.file());
        assertFalse(run.file().contains("paho fine"), run.file());
    }
}
