package io.werkstrom.jobs.source.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class MessageHandoverTest {

    @Test
    void availabilityCompletesWhenAnElementArrives() throws Exception {
        MessageHandover<String> handover = new MessageHandover<>(2);
        CompletableFuture<Void> available = handover.availability();
        assertFalse(available.isDone());

        handover.put("a");

        assertTrue(available.isDone());
        assertEquals("a", handover.poll());
        assertNull(handover.poll());
        assertFalse(handover.availability().isDone());
    }

    @Test
    void availabilityIsCompleteWhileElementsAreQueued() throws Exception {
        MessageHandover<String> handover = new MessageHandover<>(2);
        handover.put("a");

        assertTrue(handover.availability().isDone());
    }

    @Test
    void aFullHandoverBlocksTheProducerUntilTheConsumerTakesOne() throws Exception {
        MessageHandover<String> handover = new MessageHandover<>(1);
        handover.put("a");
        AtomicBoolean added = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            try {
                added.set(handover.put("b"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        awaitBlocked(producer);

        assertFalse(added.get(), "the producer added to a full hand-off");
        assertFalse(handover.isEmpty());
        assertEquals("a", handover.poll());
        producer.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(producer.isAlive(), "producer still blocked after the consumer made room");
        assertTrue(added.get());
        assertEquals("b", handover.poll());
        assertNull(handover.poll(), "the hand-off held \"a\", then \"b\" only");
    }

    @Test
    void closeReleasesABlockedProducerWithoutAdding() throws Exception {
        MessageHandover<String> handover = new MessageHandover<>(1);
        handover.put("a");
        AtomicBoolean added = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            try {
                added.set(handover.put("b"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        awaitBlocked(producer);

        handover.close();
        producer.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(producer.isAlive(), "producer still blocked after close");
        assertFalse(added.get());
        assertNull(handover.poll());
        assertTrue(handover.availability().isDone());
    }

    @Test
    void aProducerWaitsWhileItsMessageWouldTakeTheQueuedBytesOverTheLimit() throws Exception {
        // Room for 100 messages, but only 10 bytes: two 6-byte payloads do not fit together.
        MessageHandover<String> handover = new MessageHandover<>(100, 10, String::length);
        assertTrue(handover.put("aaaaaa"));
        AtomicBoolean added = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            try {
                added.set(handover.put("bbbbbb"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        awaitBlocked(producer);

        assertFalse(added.get(), "the producer added a message that takes the queued bytes over the limit");
        assertEquals("aaaaaa", handover.poll());
        producer.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(producer.isAlive(), "producer still blocked after the consumer took the bytes out");
        assertTrue(added.get());
        assertEquals("bbbbbb", handover.poll());
    }

    @Test
    void aMessageHeavierThanTheLimitPassesAloneAndTheNextWaitsForIt() throws Exception {
        MessageHandover<String> handover = new MessageHandover<>(100, 10, String::length);
        // Into an empty hand-off: a message larger than the limit must not block for good.
        assertTrue(handover.put("x".repeat(25)));
        AtomicBoolean added = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            try {
                added.set(handover.put("y"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        awaitBlocked(producer);

        assertFalse(added.get(), "a message was added while the queued bytes were over the limit");
        assertEquals(25, handover.poll().length());
        producer.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(added.get());
        assertEquals("y", handover.poll());
    }

    /**
     * Waits until {@code producer} parks in put() (or ends, which fails: a producer facing a full
     * hand-off must wait).
     */
    private static void awaitBlocked(Thread producer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Thread.State state;
        while ((state = producer.getState()) != Thread.State.WAITING && state != Thread.State.TERMINATED) {
            assertTrue(System.nanoTime() < deadline, "the producer neither blocked nor ended: " + state);
            Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, state, "the producer did not block on the full hand-off");
    }

    @Test
    void wakeUpCompletesTheWaitingFutureWithoutAnElement() {
        MessageHandover<String> handover = new MessageHandover<>(1);
        CompletableFuture<Void> available = handover.availability();

        handover.wakeUp();

        assertTrue(available.isDone());
        assertNull(handover.poll());
    }
}
