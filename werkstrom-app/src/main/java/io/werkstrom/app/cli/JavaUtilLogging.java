package io.werkstrom.app.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes {@code java.util.logging}, which the MQTT client (Paho) logs through, into SLF4J and so into
 * werkstrom-logback.xml: its records go to the log file, and to the console only from the libraries'
 * console level up, one line each, instead of JUL's own console handler printing them, stack traces
 * included, on stderr. The configuration's {@code LevelChangePropagator} keeps JUL's levels in step
 * with logback's, so that records below them are not even created.
 */
public final class JavaUtilLogging {

    private JavaUtilLogging() {
    }

    /** Replaces the handlers of JUL's root logger (its console handler) by the bridge to SLF4J. */
    public static void routeToSlf4j() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }
}
