package io.werkstrom.jobs.sink;

import io.werkstrom.jobs.storage.StoreException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreWriterPoolTest {

    private static final SinkOptions FAST_RETRIES = new SinkOptions(10, Duration.ofSeconds(1))
            .withRetry(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofSeconds(30));

    /** A store that records what it was given; opened and closed stores are counted. */
    static final class FakeStore implements AutoCloseable {
        static final AtomicInteger OPEN = new AtomicInteger();
        final List<Integer> written = Collections.synchronizedList(new ArrayList<>());

        FakeStore() {
            OPEN.incrementAndGet();
        }

        @Override
        public void close() {
            OPEN.decrementAndGet();
        }
    }

    @Test
    void everyChunkIsWrittenBeforeAwaitIdleReturns() throws Exception {
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        AtomicLong retries = new AtomicLong();
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 3, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> {
                    TimeUnit.MILLISECONDS.sleep(2);
                    written.addAll(chunk);
                }, retries::addAndGet)) {
            for (int i = 0; i < 30; i++) {
                pool.submit(i % 3, List.of(2 * i, 2 * i + 1));
            }
            pool.awaitIdle();
            assertEquals(60, written.size());
        }
        Collections.sort(written);
        for (int i = 0; i < 60; i++) {
            assertEquals(i, written.get(i));
        }
        assertEquals(0, retries.get());
        assertEquals(0, FakeStore.OPEN.get(), "close() closes every store");
    }

    @Test
    void transientFailuresAreRetriedOnAFreshStoreUntilTheWriteGoesThrough() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        List<FakeStore> usedStores = Collections.synchronizedList(new ArrayList<>());
        AtomicLong retries = new AtomicLong();
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> {
                    usedStores.add(store);
                    if (attempts.incrementAndGet() <= 3) {
                        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                    }
                    written.addAll(chunk);
                }, retries::addAndGet)) {
            pool.submit(0, List.of(1, 2, 3));
            pool.awaitIdle();
        }
        assertEquals(List.of(1, 2, 3), written);
        assertEquals(3, retries.get());
        assertEquals(4, usedStores.stream().distinct().count(), "each retry uses a new store (connection)");
    }

    @Test
    void aStoreThatCannotBeOpenedIsRetriedToo() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, FAST_RETRIES, () -> {
            if (opens.incrementAndGet() <= 2) {
                throw new IOException("could not connect", new ConnectException("Connection refused"));
            }
            return new FakeStore();
        }, (store, chunk) -> written.addAll(chunk), n -> { })) {
            pool.submit(0, List.of(7));
            pool.awaitIdle();
        }
        assertEquals(List.of(7), written);
        assertEquals(3, opens.get());
    }

    @Test
    void anOutageLongerThanMaxOutageFailsWithTheCause() throws Exception {
        SinkOptions shortOutage = FAST_RETRIES.withRetry(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(150));
        SQLException down = new SQLException("Connection refused", "08001");
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, shortOutage, FakeStore::new,
                (store, chunk) -> {
                    throw down;
                }, n -> { })) {
            pool.submit(0, List.of(1));
            IOException failed = assertThrows(IOException.class, pool::awaitIdle);
            assertTrue(failed.getMessage().contains("outlast the sink's maxOutage of PT0.15S"), failed.getMessage());
            assertTrue(failed.getMessage().contains("the last: Connection refused"), failed.getMessage());
            assertEquals(down, failed.getCause().getCause());
            // The failure stays: the next hand-over fails too, so the task fails and restarts from its checkpoint.
            assertThrows(IOException.class, () -> pool.submit(0, List.of(2)));
        }
    }

    @Test
    void aFailureThatIsNotTransientFailsAtOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> {
                    attempts.incrementAndGet();
                    // As a store throws it: the database's words are in the innermost cause.
                    throw new StoreException("writing 1 numbers failed",
                            new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));
                }, n -> { })) {
            pool.submit(0, List.of(1));
            IOException failed = assertThrows(IOException.class, pool::awaitIdle);
            assertInstanceOf(SQLException.class, failed.getCause().getCause().getCause());
            // The task's failure says why, not only that the write failed.
            assertTrue(failed.getMessage().contains("writing 1 numbers failed, and a retry cannot fix it: ERROR: invalid"
                    + " byte sequence for encoding \"UTF8\": 0x00"), failed.getMessage());
        }
        assertEquals(1, attempts.get());
    }

    /** The queue's bound is a limit, not an allocation: room for any number of waiting buffers costs none up front. */
    @Test
    void aQueueBoundAsLargeAsAnIntTakesNoMemoryUpFront() throws Exception {
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        SinkOptions unbounded = FAST_RETRIES.withQueuedFlushes(Integer.MAX_VALUE);
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 2, unbounded, FakeStore::new,
                (store, chunk) -> written.addAll(chunk), n -> { })) {
            pool.submit(0, List.of(1));
            pool.submit(1, List.of(2));
            pool.awaitIdle();
        }
        Collections.sort(written);
        assertEquals(List.of(1, 2), written);
    }

    @Test
    void thePoolStartsOneDaemonWriterThreadPerConnection() throws Exception {
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("counted numbers", 3, FAST_RETRIES,
                FakeStore::new, (store, chunk) -> { }, n -> { })) {
            assertEquals(3, pool.writers());
            List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("werkstrom counted numbers writer") && t.isAlive()).toList();
            assertEquals(3, threads.size(), threads.toString());
            // A writer stuck in the database must not keep the TaskManager's JVM from exiting.
            assertTrue(threads.stream().allMatch(Thread::isDaemon), "writer threads are daemons");
        }
    }

    /** Flink cancels a task by interrupting it: close waits for the writers all the same and keeps the interrupt. */
    @Test
    void closeKeepsTheCallersInterrupt() {
        StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 2, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> { }, n -> { });
        Thread.currentThread().interrupt();
        pool.close();
        assertTrue(Thread.interrupted(), "the caller is still interrupted after close");
    }

    @Test
    void closeDoesNotInterruptACallerThatWasNot() {
        StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 2, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> { }, n -> { });
        pool.close();
        assertFalse(Thread.interrupted(), "close made up an interrupt");
    }

    /** An interrupt that comes while close waits for a writer that ignores interrupts is kept for the caller. */
    @Test
    void anInterruptWhileCloseWaitsForAWriterIsKept() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, FAST_RETRIES, FakeStore::new,
                (store, chunk) -> {
                    writing.countDown();
                    boolean interrupted = false;
                    while (true) {
                        try {
                            release.await();
                            break;
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }, n -> { });
        pool.submit(0, List.of(1));
        assertTrue(writing.await(10, TimeUnit.SECONDS));
        CompletableFuture<Boolean> closedInterrupted = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            pool.close();
            closedInterrupted.complete(Thread.currentThread().isInterrupted());
        }, "closer");
        closer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        closer.interrupt();
        release.countDown();
        assertTrue(closedInterrupted.get(10, TimeUnit.SECONDS), "the interrupt during close is kept");
    }

    /**
     * The wait doubles after each failed attempt: an outage of 200 ms with a first wait of 1 ms
     * leaves room for at most 9 attempts, and the failure counts them.
     */
    @Test
    void theWaitBetweenAttemptsGrowsAndTheFailureCountsTheAttempts() throws Exception {
        SinkOptions growing = FAST_RETRIES.withRetry(Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofMillis(200));
        AtomicInteger attempts = new AtomicInteger();
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, growing, FakeStore::new,
                (store, chunk) -> {
                    attempts.incrementAndGet();
                    throw new SQLException("Connection refused", "08001");
                }, n -> { })) {
            pool.submit(0, List.of(1));
            IOException failed = assertThrows(IOException.class, pool::awaitIdle);
            assertTrue(attempts.get() <= 9, attempts.get() + " attempts");
            assertTrue(failed.getMessage().contains("(" + attempts.get() + " attempts, the last: Connection refused)"),
                    failed.getMessage());
        }
    }

    @Test
    void submitBlocksWhileTheWritersQueueIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        SinkOptions oneQueued = FAST_RETRIES.withQueuedFlushes(1);
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, oneQueued, FakeStore::new,
                (store, chunk) -> {
                    writing.countDown();
                    release.await();
                    written.addAll(chunk);
                }, n -> { })) {
            pool.submit(0, List.of(1));          // taken by the writer, which then waits
            assertTrue(writing.await(10, TimeUnit.SECONDS));
            pool.submit(0, List.of(2));          // fills the queue
            CompletableFuture<Void> third = handOverAsync(pool, List.of(3));
            TimeUnit.MILLISECONDS.sleep(300);
            assertFalse(third.isDone(), "the third hand-over waits for room instead of buffering more");
            release.countDown();
            third.get(10, TimeUnit.SECONDS);
            pool.awaitIdle();
        }
        assertEquals(List.of(1, 2, 3), written);
    }

    /** A hand-over waiting for room fails as soon as the writer fails, instead of waiting for good. */
    @Test
    void aHandOverWaitingForRoomFailsWhenTheWriterFails() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        SinkOptions oneQueued = FAST_RETRIES.withQueuedFlushes(1);
        try (StoreWriterPool<FakeStore, Integer> pool = new StoreWriterPool<>("numbers", 1, oneQueued, FakeStore::new,
                (store, chunk) -> {
                    writing.countDown();
                    release.await();
                    throw new StoreException("writing 1 numbers failed",
                            new SQLException("ERROR: value too long for type character varying(64)", "22001"));
                }, n -> { })) {
            pool.submit(0, List.of(1));          // taken by the writer, which then waits and fails
            assertTrue(writing.await(10, TimeUnit.SECONDS));
            pool.submit(0, List.of(2));          // fills the queue, which the failed writer never empties
            CompletableFuture<Void> third = handOverAsync(pool, List.of(3));
            TimeUnit.MILLISECONDS.sleep(300);
            assertFalse(third.isDone(), "the third hand-over waits for room");
            release.countDown();
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> third.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("value too long"), failed.getCause().getMessage());
            // Every hand-over has been accounted for: waiting for the pool ends with the failure, not a hang.
            assertThrows(IOException.class, pool::awaitIdle);
        }
    }

    /** Hands {@code chunk} to writer 0 on another thread; a failed hand-over fails the future with its IOException. */
    private static CompletableFuture<Void> handOverAsync(StoreWriterPool<FakeStore, Integer> pool, List<Integer> chunk) {
        return CompletableFuture.runAsync(() -> {
            try {
                pool.submit(0, chunk);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }
}
