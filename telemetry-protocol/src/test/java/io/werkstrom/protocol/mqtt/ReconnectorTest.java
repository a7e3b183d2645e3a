package io.werkstrom.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ReconnectorTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final List<String> warnings = new ArrayList<>();
    private final FakeClient client = new FakeClient();

    /** Delays 1 s doubling to 8 s, attempts ended after 20 s. */
    private Reconnector reconnector() {
        return new Reconnector("reader-1", client, Duration.ofSeconds(1), Duration.ofSeconds(8),
                Duration.ofSeconds(20), warnings::add, now::get, null);
    }

    /** Looks at the client once a second from {@code fromSecond} to {@code toSecond}. */
    private void everySecond(Reconnector reconnector, long fromSecond, long toSecond) {
        for (long s = fromSecond; s <= toSecond; s++) {
            now.set(1_000 * SECOND + s * SECOND);
            reconnector.check();
        }
    }

    @Test
    void aLostConnectionIsTriedAtOnceThenWithADelayDoublingToTheMaximum() {
        Reconnector reconnector = reconnector();
        everySecond(reconnector, 0, 5);
        assertEquals(List.of(), client.attemptSeconds, "connected: nothing to do");
        client.connected = false;
        everySecond(reconnector, 6, 60);
        assertEquals(List.of(6L, 7L, 9L, 13L, 21L, 29L, 37L, 45L, 53L), client.attemptSeconds);
        assertEquals(9, reconnector.attempts());
        assertEquals(List.of("reader-1: still not connected after 7 attempts in 39 s; trying again every 8 s at most"),
                warnings, "a line at the 8th attempt of the outage");
    }

    @Test
    void theLineOfALongOutageSaysWhyTheLastAttemptFailedWhereTheClientCanTell() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        client.failure = "Not authorized (reason code 135)";
        everySecond(reconnector, 0, 60);
        assertEquals(List.of("reader-1: still not connected after 7 attempts in 39 s (the last one: Not authorized"
                + " (reason code 135)); trying again every 8 s at most"), warnings);
    }

    @Test
    void theDelayStartsAgainOnceConnected() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        everySecond(reconnector, 0, 20);
        client.connected = true;
        everySecond(reconnector, 21, 30);
        client.connected = false;
        client.attemptSeconds.clear();
        everySecond(reconnector, 31, 40);
        assertEquals(List.of(31L, 32L, 34L, 38L), client.attemptSeconds);
    }

    @Test
    void anAttemptPendingPastTheLimitIsEndedAndTheNextStarted() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        client.answers = false;
        everySecond(reconnector, 0, 19);
        assertEquals(List.of(0L), client.attemptSeconds, "pending for 19 s: left alone");
        assertEquals(0, client.abandoned);
        everySecond(reconnector, 20, 20);
        assertEquals(1, client.abandoned);
        assertEquals(List.of(0L, 20L), client.attemptSeconds, "the next attempt starts at once");
        assertEquals(1, reconnector.abandoned());
        assertTrue(warnings.get(0).startsWith("reader-1: no answer to the connect attempt in 20 s; ending it"),
                warnings.toString());
        client.answers = true;
        client.pending = false;
        everySecond(reconnector, 21, 30);
        assertEquals(List.of(0L, 20L, 22L, 26L), client.attemptSeconds, "the delay went on doubling");
    }

    @Test
    void withDelaysLongerThanTheLimitAPendingAttemptIsEndedWhenTheNextIsDueAndTheLogSaysHowLongItWaited() {
        Reconnector reconnector = new Reconnector("reader-1", client, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(20), warnings::add, now::get, null);
        client.connected = false;
        everySecond(reconnector, 0, 60);
        assertEquals(List.of(0L, 1L, 3L, 7L, 15L, 31L), client.attemptSeconds, "failing at once: 1, 2, 4, ... 30 s");
        client.answers = false;
        everySecond(reconnector, 61, 100);
        assertEquals(List.of(0L, 1L, 3L, 7L, 15L, 31L, 61L, 91L), client.attemptSeconds);
        assertEquals(1, client.abandoned, "the attempt that started at 61 s hung; ended when the next was due");
        assertEquals("reader-1: no answer to the connect attempt in 30 s; ending it and connecting again (a broker"
                + " that takes the connection but never answers keeps an attempt pending for good)", warnings.get(0));
    }

    @Test
    void anAttemptPendingBeforeTheReconnectorLookedGetsItsLimitFromThen() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        client.pending = true;
        client.answers = false;
        everySecond(reconnector, 0, 19);
        assertEquals(0, client.abandoned);
        everySecond(reconnector, 20, 20);
        assertEquals(1, client.abandoned);
        assertEquals(List.of(20L), client.attemptSeconds);
    }

    @Test
    void anAttemptThatCannotStartIsReportedAndTriedAgainAfterTheDelay() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        client.refusal = new IllegalStateException("Client is currently disconnecting");
        everySecond(reconnector, 0, 0);
        assertEquals(List.of("reader-1: could not start a connect attempt (java.lang.IllegalStateException: Client is"
                + " currently disconnecting); trying again in 1 s"), warnings);
        client.refusal = null;
        everySecond(reconnector, 1, 3);
        assertEquals(List.of(1L, 3L), client.attemptSeconds);
    }

    @Test
    void aFailingClientDoesNotStopTheLooking() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        client.broken = true;
        everySecond(reconnector, 0, 0);
        assertEquals(List.of("reader-1: reconnecting failed (java.lang.IllegalStateException: broken); looking again"
                + " in a moment"), warnings);
        client.broken = false;
        everySecond(reconnector, 1, 1);
        assertEquals(List.of(1L), client.attemptSeconds);
    }

    @Test
    void nothingStartsAfterClose() {
        Reconnector reconnector = reconnector();
        client.connected = false;
        reconnector.close();
        everySecond(reconnector, 0, 30);
        assertEquals(List.of(), client.attemptSeconds);
    }

    @Test
    void delaysAndLimitMustBePositiveAndOrdered() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new Reconnector("x",
                client, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), warnings::add, now::get, null));
        assertEquals("minDelay must be positive, got PT0S", zero.getMessage());
        IllegalArgumentException reversed = assertThrows(IllegalArgumentException.class, () -> new Reconnector("x",
                client, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), warnings::add, now::get,
                null));
        assertEquals("maxDelay must not be shorter than minDelay, got PT1S < PT2S", reversed.getMessage());
        IllegalArgumentException limit = assertThrows(IllegalArgumentException.class, () -> Reconnector.start("x",
                client, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(-1), warnings::add));
        assertEquals("attemptLimit must be positive, got PT-1S", limit.getMessage());
        // Equal delays are a constant one.
        new Reconnector("x", client, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1), warnings::add,
                now::get, null);
    }

    @Test
    void closingAStartedReconnectorEndsItsThread() throws Exception {
        Reconnector started = Reconnector.start("closing", client, Duration.ofMillis(10), Duration.ofMillis(10),
                Duration.ofSeconds(1), line -> { });
        Thread thread = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("mqtt-reconnector-closing")).findFirst().orElseThrow();
        started.close();
        thread.join(10_000);
        assertFalse(thread.isAlive(), "the reconnector's thread outlives close()");
    }

    @Test
    void aStartedReconnectorsThreadDoesNotKeepTheProcessAlive() throws Exception {
        Reconnector started = Reconnector.start("daemon", client, Duration.ofMillis(10), Duration.ofMillis(10),
                Duration.ofSeconds(1), line -> { });
        Thread thread;
        try {
            thread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("mqtt-reconnector-daemon")).findFirst().orElseThrow();
        } finally {
            started.close();
        }
        thread.join(10_000);
        assertTrue(thread.isDaemon(), "the reconnector's thread would hold the process open at exit");
    }

    @Test
    void theLineOfALongOutageLeavesTheReasonOutWhereTheClientCannotTell() {
        client.failure = "Not authorized (reason code 135)";
        Reconnector.Client cannotTell = new Reconnector.Client() {
            @Override
            public boolean isConnected() {
                return client.isConnected();
            }

            @Override
            public boolean startAttempt() {
                return client.startAttempt();
            }

            @Override
            public void abandonAttempt() {
                client.abandonAttempt();
            }
        };
        Reconnector reconnector = new Reconnector("reader-1", cannotTell, Duration.ofSeconds(1), Duration.ofSeconds(8),
                Duration.ofSeconds(20), warnings::add, now::get, null);
        client.connected = false;
        everySecond(reconnector, 0, 60);
        assertEquals(List.of("reader-1: still not connected after 7 attempts in 39 s; trying again every 8 s at most"),
                warnings);
    }

    /** A client that connects, fails or hangs as the test says; attempts fail at once unless told otherwise. */
    private final class FakeClient implements Reconnector.Client {
        final List<Long> attemptSeconds = new ArrayList<>();
        boolean connected = true;
        /** Whether a started attempt ends (failing) before the next look; otherwise it stays pending. */
        boolean answers = true;
        boolean pending;
        boolean broken;
        RuntimeException refusal;
        int abandoned;
        String failure;

        @Override
        public boolean isConnected() {
            if (broken) {
                throw new IllegalStateException("broken");
            }
            return connected;
        }

        @Override
        public boolean startAttempt() {
            if (refusal != null) {
                throw refusal;
            }
            if (pending) {
                return false;
            }
            attemptSeconds.add(now.get() / SECOND - 1_000);
            pending = !answers;
            return true;
        }

        @Override
        public void abandonAttempt() {
            abandoned++;
            pending = false;
        }

        @Override
        public String lastFailure() {
            return failure;
        }
    }
}
