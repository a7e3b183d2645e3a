package io.werkstrom.protocol.mqtt;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Restarts the reconnecting of an MQTT client that has been disconnected for too long. Paho's MQTT 5
 * client (1.2.5) bounds only the TCP connect by its connection timeout and then waits for the
 * broker's CONNACK without limit, so a connect attempt can hang for good: a broker, or a load
 * balancer in front of one, that takes the connection and never answers, or Paho's sender thread
 * stopping before the CONNECT left, which happens now and then after a lost connection. The client
 * then stays "connecting", and every later attempt, Paho's automatic reconnects included, fails with
 * "Connect already in progress": a subscriber receives nothing until it is restarted.
 *
 * <p>The watchdog looks every second (or every quarter of the limit, if shorter): once the client has
 * not been connected for {@code limit}, it runs {@code restart} (for Paho: a forced disconnect, which
 * ends the pending attempt, then {@code reconnect()}, which resumes the automatic reconnect cycle) and
 * waits another {@code limit}. Choose the limit longer than the client's longest reconnect delay plus
 * its connection timeout: while a broker is down, a restart then only adds an attempt now and then.
 *
 * <p>Thread-safe. Owns one daemon thread, stopped by {@link #close()}; the client stays its owner's.
 */
public final class ReconnectWatchdog implements AutoCloseable {

    /** What brings the client back: ends a pending connect attempt and starts a new one. */
    @FunctionalInterface
    public interface Restart {
        void run() throws Exception;
    }

    private final String name;
    private final long limitNanos;
    private final BooleanSupplier connected;
    private final Restart restart;
    private final Consumer<String> warn;
    private final LongSupplier clock;
    private final AtomicLong restarts = new AtomicLong();
    private final ScheduledExecutorService timer;
    /** When the client was last seen connected, or last restarted; guarded by this. */
    private long sinceNanos;

    ReconnectWatchdog(String name, Duration limit, BooleanSupplier connected, Restart restart, Consumer<String> warn,
                      LongSupplier clock, ScheduledExecutorService timer) {
        this.name = Objects.requireNonNull(name, "name must not be null.");
        this.limitNanos = requirePositive(limit).toNanos();
        this.connected = Objects.requireNonNull(connected, "connected must not be null.");
        this.restart = Objects.requireNonNull(restart, "restart must not be null.");
        this.warn = Objects.requireNonNull(warn, "warn must not be null.");
        this.clock = clock;
        this.timer = timer;
        this.sinceNanos = clock.getAsLong();
    }

    /**
     * Starts watching {@code name}, a client that is connected now (Paho reconnects by itself only
     * after a first successful connection). {@code warn} receives one line per restart and per failed
     * restart.
     */
    public static ReconnectWatchdog start(String name, Duration limit, BooleanSupplier connected, Restart restart,
                                          Consumer<String> warn) {
        requirePositive(limit);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "mqtt-reconnect-watchdog-" + name);
            thread.setDaemon(true);
            return thread;
        });
        ReconnectWatchdog watchdog = new ReconnectWatchdog(name, limit, connected, restart, warn, System::nanoTime,
                timer);
        long period = Math.max(1, Math.min(TimeUnit.SECONDS.toMillis(1), limit.toMillis() / 4));
        timer.scheduleWithFixedDelay(watchdog::check, period, period, TimeUnit.MILLISECONDS);
        return watchdog;
    }

    private static Duration requirePositive(Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        return limit;
    }

    /** One look at the client; called by the timer. */
    synchronized void check() {
        long now = clock.getAsLong();
        if (connected.getAsBoolean()) {
            sinceNanos = now;
            return;
        }
        if (now - sinceNanos < limitNanos) {
            return;
        }
        sinceNanos = now;
        restarts.incrementAndGet();
        warn.accept(name + " has not been connected for " + Duration.ofNanos(limitNanos).toSeconds()
                + " s; ending its pending connect attempt, if any, and connecting again (a broker that takes the"
                + " connection but never answers keeps an attempt pending for good)");
        try {
            restart.run();
        } catch (Exception e) {
            warn.accept(name + ": connecting again failed (" + e + "); trying again in "
                    + Duration.ofNanos(limitNanos).toSeconds() + " s");
        }
    }

    /** How often the client's connecting was restarted. */
    public long restarts() {
        return restarts.get();
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
