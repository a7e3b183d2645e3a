package io.werkstrom.protocol.http;

import java.time.Duration;

/**
 * Time limits for the JDK's built-in HTTP server ({@code com.sun.net.httpserver}), which serves the
 * gateway's and the alert service's endpoints. Once a connection has sent a first byte, the server
 * reads the request on a thread of its small pool and by default waits for the rest without limit:
 * a few clients that send part of a request and then nothing would hold every thread for good, and
 * {@code /health} with them. With the limits such a connection is dropped after 10 s (a client that
 * keeps opening them can still keep the pool busy). The JDK reads these settings (seconds) once, when
 * the process makes its first server, so {@link #applyDefaults()} runs before the project's servers
 * are made; a value given on the command line ({@code -Dsun.net.httpserver.maxReqTime=…}) is kept.
 */
public final class RequestTimeLimits {

    /** How long a request may take to arrive, in seconds. */
    public static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    /** How long an answer may take, in seconds, from the request's end: the handler's work included. */
    public static final String MAX_RESPONSE_TIME = "sun.net.httpserver.maxRspTime";
    /** How long an answer may take where the process was given no other {@link #MAX_RESPONSE_TIME}. */
    public static final Duration DEFAULT_MAX_RESPONSE = Duration.ofSeconds(30);

    private RequestTimeLimits() {
    }

    /** 10 s for a request, 30 s for its answer, unless the process was given others. */
    public static synchronized void applyDefaults() {
        setIfAbsent(MAX_REQUEST_TIME, "10");
        setIfAbsent(MAX_RESPONSE_TIME, Long.toString(DEFAULT_MAX_RESPONSE.toSeconds()));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
