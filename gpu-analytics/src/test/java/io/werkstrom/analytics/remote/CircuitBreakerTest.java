package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.remote.CircuitBreaker.Permit;

class CircuitBreakerTest {

    private final AtomicLong clock = new AtomicLong();
    private final CircuitBreaker breaker = new CircuitBreaker("grpc://analytics:8815", 3, 1_000, clock::get);
    private final IllegalStateException failure = new IllegalStateException("DEADLINE_EXCEEDED");

    @Test
    void opensAfterFailuresInARowFailsFastForTheCoolDownThenLetsOneCallTry() {
        failCalls(2);
        assertEquals(Permit.CALL, breaker.permit());
        breaker.succeeded(Permit.CALL); // a success ends the run of failures
        failCalls(3);
        assertTrue(breaker.isOpen());
        assertEquals(1, breaker.openings());

        clock.addAndGet(999);
        assertEquals(Permit.REFUSED, breaker.permit(), "within the cool-down");
        assertEquals(1, breaker.fastFailures());

        clock.addAndGet(1);
        assertEquals(Permit.TRIAL, breaker.permit(), "the cool-down is over: one call tries the service");
        assertEquals(Permit.REFUSED, breaker.permit(), "while it tries, the others still fail at once");
        breaker.failed(Permit.TRIAL, failure);
        assertTrue(breaker.isOpen());
        assertEquals(Permit.REFUSED, breaker.permit(), "its failure began another cool-down");
        assertEquals(1, breaker.openings(), "still the same outage");

        clock.addAndGet(1_000);
        assertEquals(Permit.TRIAL, breaker.permit());
        breaker.succeeded(Permit.TRIAL);
        assertFalse(breaker.isOpen());
        assertEquals(Permit.CALL, breaker.permit());
        assertEquals(3, breaker.fastFailures());
    }

    @Test
    void aHangingTrialCallKeepsTheOthersFailingFastPastAnotherCoolDown() {
        failCalls(3);
        clock.addAndGet(1_000);
        assertEquals(Permit.TRIAL, breaker.permit(), "the trial call");
        for (int i = 0; i < 5; i++) {
            clock.addAndGet(1_000);
            assertEquals(Permit.REFUSED, breaker.permit(),
                    "the trial call still hangs after " + (i + 1) + " more cool-downs");
        }
        assertEquals(5, breaker.fastFailures());

        breaker.failed(Permit.TRIAL, failure); // the trial call ends by its deadline
        assertTrue(breaker.isOpen());
        clock.addAndGet(999);
        assertEquals(Permit.REFUSED, breaker.permit(), "its failure began another cool-down");
        clock.addAndGet(1);
        assertEquals(Permit.TRIAL, breaker.permit(), "the next trial call");
        assertEquals(Permit.REFUSED, breaker.permit());
        breaker.succeeded(Permit.TRIAL);
        assertFalse(breaker.isOpen());
        assertEquals(Permit.CALL, breaker.permit());
        assertEquals(Permit.CALL, breaker.permit(), "closed: every call goes through");
        assertEquals(7, breaker.fastFailures());
    }

    @Test
    void aCallFromBeforeTheOpeningThatFailsLateLetsNoSecondTrialCallThrough() {
        assertEquals(Permit.CALL, breaker.permit()); // a call of a deadline longer than the cool-down
        failCalls(3);
        clock.addAndGet(1_000);
        assertEquals(Permit.TRIAL, breaker.permit(), "the trial call");
        breaker.failed(Permit.CALL, failure); // the early call ends by its deadline while the trial call runs
        clock.addAndGet(1_000);
        assertEquals(Permit.REFUSED, breaker.permit(), "the trial call still runs: the others fail at once");

        breaker.succeeded(Permit.TRIAL);
        assertFalse(breaker.isOpen());
        assertEquals(Permit.CALL, breaker.permit());
    }

    @Test
    void anAbandonedCallIsNeitherASuccessNorAFailureAndAnAbandonedTrialLetsTheNextCallTry() {
        failCalls(2);
        assertEquals(Permit.CALL, breaker.permit());
        breaker.abandoned(Permit.CALL); // its caller was interrupted
        assertFalse(breaker.isOpen(), "not counted as a failure");
        failCalls(1);
        assertTrue(breaker.isOpen(), "nor as a success that ends the run of failures");

        clock.addAndGet(1_000);
        assertEquals(Permit.TRIAL, breaker.permit());
        breaker.abandoned(Permit.TRIAL);
        assertTrue(breaker.isOpen());
        assertEquals(Permit.TRIAL, breaker.permit(), "the next caller tries the service");
        breaker.succeeded(Permit.TRIAL);
        assertFalse(breaker.isOpen());
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker("s", 0, 1, clock::get));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker("s", 1, -1, clock::get));
    }

    /** {@code n} calls let through that fail. */
    private void failCalls(int n) {
        for (int i = 0; i < n; i++) {
            assertEquals(Permit.CALL, breaker.permit());
            breaker.failed(Permit.CALL, failure);
        }
    }
}
