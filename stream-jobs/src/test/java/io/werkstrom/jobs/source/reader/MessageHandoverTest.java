package io.werkstrom.jobs.source.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean added = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            started.countDown();
            try {
                added.set(handover.put("b"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        started.await();

        assertEquals("a", handover.poll());
        producer.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(producer.isAlive(), "producer still blocked after the consumer made room");
        assertTrue(added.get());
        assertEquals("b", handover.poll());
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

        handover.close();
        producer.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(producer.isAlive(), "producer still blocked after close");
        assertFalse(added.get());
        assertNull(handover.poll());
        assertTrue(handover.availability().isDone());
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
