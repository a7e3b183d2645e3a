package io.werkstrom.app.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UninterruptiblyTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void aWaitOnAnInterruptedThreadRunsToItsEndAndTheInterruptIsKept() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread finisher = new Thread(() -> {
            sleep(300);
            done.countDown();
        });
        Thread.currentThread().interrupt();
        finisher.start();
        Uninterruptibly.await(done::await);
        boolean interrupted = Thread.interrupted();
        finisher.join();
        assertEquals(0, done.getCount(), "returned before the wait ended");
        assertTrue(interrupted, "the caller no longer sees its interrupt");
    }

    @Test
    void anInterruptDuringTheWaitRepeatsItAndIsKept() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger attempts = new AtomicInteger();
        Thread waiter = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                waiting.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            waiter.interrupt();
            sleep(200);
            done.countDown();
        });
        interrupter.start();
        Uninterruptibly.await(() -> {
            attempts.incrementAndGet();
            waiting.countDown();
            done.await();
        });
        boolean interrupted = Thread.interrupted();
        interrupter.join();
        assertEquals(0, done.getCount(), "returned before the wait ended");
        assertEquals(2, attempts.get(), "the interrupted wait is repeated once");
        assertTrue(interrupted, "the interrupt that came during the wait is lost");
    }

    @Test
    void aWaitThatFailsThrowsItsErrorAndAnUninterruptedThreadStaysSo() {
        IOException failed = assertThrows(IOException.class, () -> Uninterruptibly.await(() -> {
            throw new IOException("stop failed");
        }));
        assertEquals("stop failed", failed.getMessage());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
