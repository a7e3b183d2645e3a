package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    @Test
    void holdsAtMostTheLimitAndFollowsLimitChanges() throws Exception {
        InFlightWindow window = new InFlightWindow(2);
        assertTrue(window.tryAcquire(0, TimeUnit.MILLISECONDS));
        assertTrue(window.tryAcquire(0, TimeUnit.MILLISECONDS));
        assertFalse(window.tryAcquire(10, TimeUnit.MILLISECONDS));
        window.release();
        assertTrue(window.tryAcquire(0, TimeUnit.MILLISECONDS));
        window.setLimit(1);
        window.release();
        assertFalse(window.tryAcquire(0, TimeUnit.MILLISECONDS), "one still in flight at limit 1");
        window.setLimit(3);
        assertTrue(window.tryAcquire(0, TimeUnit.MILLISECONDS));
        assertEquals(2, window.inFlight());
        window.release();
        window.release();
        assertThrows(IllegalStateException.class, window::release);
    }

    @Test
    void aWaitingCallerProceedsWhenASlotIsReleased() throws Exception {
        InFlightWindow window = new InFlightWindow(1);
        window.acquire();
        Thread waiter = acquiring(window);
        waiter.join(100);
        assertTrue(waiter.isAlive(), "waits while the window is full");
        window.release();
        waiter.join(5_000);
        assertFalse(waiter.isAlive());
        assertEquals(1, window.inFlight());
    }

    @Test
    void aWaitingCallerProceedsWhenTheLimitIsRaised() throws Exception {
        InFlightWindow window = new InFlightWindow(1);
        window.acquire();
        Thread waiter = acquiring(window);
        waiter.join(100);
        assertTrue(waiter.isAlive(), "waits while the window is full");
        window.setLimit(2); // the broker's Receive Maximum, larger than the window before the connection
        waiter.join(5_000);
        assertFalse(waiter.isAlive());
        assertEquals(2, window.inFlight());
    }

    @Test
    void tryingAndCountingLeaveTheWindowFreeForOtherThreads() throws Exception {
        InFlightWindow window = new InFlightWindow(3);
        assertTrue(window.tryAcquire(0, TimeUnit.MILLISECONDS));
        assertEquals(1, window.inFlight());
        Thread other = acquiring(window);
        other.join(5_000);
        assertFalse(other.isAlive(), "another thread takes a free slot");
        assertEquals(2, window.inFlight());
    }

    /** A started daemon thread that takes a slot of {@code window}, waiting for one as long as it must. */
    private static Thread acquiring(InFlightWindow window) {
        Thread thread = new Thread(() -> {
            try {
                window.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
