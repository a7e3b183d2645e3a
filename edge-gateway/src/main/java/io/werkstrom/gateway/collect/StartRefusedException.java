package io.werkstrom.gateway.collect;

/**
 * A collector's start refused for its settings, which only the user can change: a fixed start
 * that puts the samples still to collect before what the cloud accepts, or a replay that would
 * run past {@link Collector#LATEST}. Thrown by {@link Collector#start}; the message says what to
 * choose instead. The launcher reports it as a usage error.
 */
public final class StartRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public StartRefusedException(String message) {
        super(message);
    }
}
