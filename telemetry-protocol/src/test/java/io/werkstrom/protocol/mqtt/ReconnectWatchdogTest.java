package io.werkstrom.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ReconnectWatchdogTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final AtomicBoolean connected = new AtomicBoolean(true);
    private final AtomicInteger restarted = new AtomicInteger();
    private final List<String> warnings = new ArrayList<>();

    private ReconnectWatchdog watchdog(ReconnectWatchdog.Restart restart) {
        return new ReconnectWatchdog("reader-1", Duration.ofSeconds(40), connected::get, restart, warnings::add,
                now::get, null);
    }

    private void at(long seconds, ReconnectWatchdog watchdog) {
        now.set(1_000 * SECOND + seconds * SECOND);
        watchdog.check();
    }

    @Test
    void aClientDisconnectedForTheLimitIsRestartedOnceAndAgainOnlyAfterAnotherLimit() {
        ReconnectWatchdog watchdog = watchdog(restarted::incrementAndGet);
        at(10, watchdog);
        connected.set(false);
        at(20, watchdog);
        at(49, watchdog);
        assertEquals(0, restarted.get(), "39 s since it was last seen connected");
        at(50, watchdog);
        assertEquals(1, restarted.get());
        assertEquals(1, watchdog.restarts());
        assertTrue(warnings.get(0).startsWith("reader-1 has not been connected for 40 s"), warnings.toString());
        at(89, watchdog);
        assertEquals(1, restarted.get(), "the restarted attempt gets its own 40 s");
        at(90, watchdog);
        assertEquals(2, restarted.get());
    }

    @Test
    void aClientThatComesBackInTimeIsLeftAlone() {
        ReconnectWatchdog watchdog = watchdog(restarted::incrementAndGet);
        connected.set(false);
        at(35, watchdog);
        connected.set(true);
        at(36, watchdog);
        connected.set(false);
        at(75, watchdog);
        assertEquals(0, restarted.get(), "disconnected again for only 39 s");
        at(76, watchdog);
        assertEquals(1, restarted.get());
    }

    @Test
    void aFailedRestartIsReportedAndTriedAgainAfterTheLimit() {
        ReconnectWatchdog watchdog = watchdog(() -> {
            restarted.incrementAndGet();
            throw new IllegalStateException("Connect already in progress");
        });
        connected.set(false);
        at(40, watchdog);
        at(80, watchdog);
        assertEquals(2, restarted.get());
        assertEquals(4, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).contains("connecting again failed (java.lang.IllegalStateException: Connect already"
                + " in progress); trying again in 40 s"), warnings.get(1));
    }

    @Test
    void theLimitMustBePositive() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new ReconnectWatchdog("x", Duration.ZERO, connected::get, () -> { }, warnings::add, now::get, null));
        assertEquals("limit must be positive, got PT0S", refused.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReconnectWatchdog.start("x", Duration.ofSeconds(-1), connected::get, () -> { }, warnings::add));
    }
}
