package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong clock = new AtomicLong();
    private final CircuitBreaker breaker = new CircuitBreaker("grpc://analytics:8815", 3, 1_000, clock::get);
    private final IllegalStateException failure = new IllegalStateException("DEADLINE_EXCEEDED");

    @Test
    void opensAfterFailuresInARowFailsFastForTheCoolDownThenLetsOneCallTry() {
        for (int i = 0; i < 2; i++) {
            assertTrue(breaker.tryCall());
            breaker.failed(failure);
        }
        assertTrue(breaker.tryCall());
        breaker.succeeded(); // a success ends the run of failures
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryCall());
            breaker.failed(failure);
        }
        assertTrue(breaker.isOpen());
        assertEquals(1, breaker.openings());

        clock.addAndGet(999);
        assertFalse(breaker.tryCall(), "within the cool-down");
        assertEquals(1, breaker.fastFailures());

        clock.addAndGet(1);
        assertEquals(CircuitBreaker.Permit.TRIAL, breaker.permit(), "the cool-down is over: one call tries the service");
        assertFalse(breaker.tryCall(), "while it tries, the others still fail at once");
        breaker.failed(failure);
        assertTrue(breaker.isOpen());
        assertFalse(breaker.tryCall(), "its failure began another cool-down");
        assertEquals(1, breaker.openings(), "still the same outage");

        clock.addAndGet(1_000);
        assertTrue(breaker.tryCall());
        breaker.succeeded();
        assertFalse(breaker.isOpen());
        assertEquals(CircuitBreaker.Permit.CALL, breaker.permit());
        assertEquals(3, breaker.fastFailures());
    }

    @Test
    void aHangingTrialCallKeepsTheOthersFailingFastPastAnotherCoolDown() {
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryCall());
            breaker.failed(failure);
        }
        clock.addAndGet(1_000);
        assertTrue(breaker.tryCall(), "the trial call");
        for (int i = 0; i < 5; i++) {
            clock.addAndGet(1_000);
            assertFalse(breaker.tryCall(), "the trial call still hangs after " + (i + 1) + " more cool-downs");
        }
        assertEquals(5, breaker.fastFailures());

        breaker.failed(failure); // the trial call ends by its deadline
        assertTrue(breaker.isOpen());
        clock.addAndGet(999);
        assertFalse(breaker.tryCall(), "its failure began another cool-down");
        clock.addAndGet(1);
        assertTrue(breaker.tryCall(), "the next trial call");
        assertFalse(breaker.tryCall());
        breaker.succeeded();
        assertFalse(breaker.isOpen());
        assertTrue(breaker.tryCall());
        assertTrue(breaker.tryCall(), "closed: every call goes through");
        assertEquals(7, breaker.fastFailures());
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker("s", 0, 1, clock::get));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker("s", 1, -1, clock::get));
    }
}
