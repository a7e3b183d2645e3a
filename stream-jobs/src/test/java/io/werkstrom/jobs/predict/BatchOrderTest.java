package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/** A gateway's batches put back into sequence order, with a bounded wait, and that order's keyed state. */
class BatchOrderTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long DELAY = 5_000;

    /** Batch {@code sequence}, with one sample at {@code sequence} seconds. */
    private static ReceivedBatch batch(long sequence) {
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", sequence);
        batch.add(sequence * 1_000_000L, "m1", "temperature_c", sequence, Quality.GOOD);
        return new ReceivedBatch(GATEWAY, batch.build(), sequence);
    }

    private static List<Long> sequences(List<ReceivedBatch> batches) {
        return batches.stream().map(b -> b.batch().sequence()).toList();
    }

    @Test
    void batchesInOrderAreTakenAtOnce() {
        BatchOrder order = new BatchOrder();
        for (long sequence = 100; sequence < 105; sequence++) {
            assertEquals(List.of(sequence), sequences(order.offer(batch(sequence), 0, DELAY)));
            assertNull(order.nextDue(), "nothing waits");
        }
    }

    @Test
    void anOvertakingBatchWaitsForTheOneBeforeIt() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        assertEquals(List.of(), order.offer(batch(3), 10, DELAY));
        assertEquals(List.of(), order.offer(batch(4), 20, DELAY));
        assertEquals(10 + DELAY, order.nextDue());
        assertEquals(List.of(2L, 3L, 4L), sequences(order.offer(batch(2), 30, DELAY)));
        assertEquals(0, order.held());
        assertNull(order.nextDue());
        assertFalse(order.late(batch(5)));
    }

    @Test
    void aBatchWhosePredecessorNeverComesIsTakenWhenDue() {
        // Number 2 was taken by an event, or lost.
        BatchOrder order = new BatchOrder();
        assertEquals(OptionalLong.empty(), order.expected());
        order.offer(batch(1), 0, DELAY);
        order.offer(batch(3), 10, DELAY);
        order.offer(batch(5), 20, DELAY);
        assertEquals(List.of(), order.due(10 + DELAY - 1));
        assertEquals(OptionalLong.of(2), order.expected());
        assertEquals(List.of(3L), sequences(order.due(10 + DELAY)), "5 still waits for 4: 2 is given up");
        assertEquals(OptionalLong.of(4), order.expected());
        assertEquals(20 + DELAY, order.nextDue());
        assertEquals(List.of(4L, 5L), sequences(order.offer(batch(4), 30, DELAY)));

        assertTrue(order.late(batch(2)), "its successors were taken");
        assertTrue(order.late(batch(5)), "taken already: a repeat");
    }

    @Test
    void aDueBatchTakesTheHeldBatchesBeforeIt() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        order.offer(batch(4), 100, DELAY);
        order.offer(batch(3), 200, DELAY);
        assertEquals(List.of(3L, 4L), sequences(order.due(100 + DELAY)));
    }

    @Test
    void aRepeatOfAHeldBatchIsIgnored() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        order.offer(batch(3), 10, DELAY);
        assertEquals(List.of(), order.offer(batch(3), 20, DELAY));
        assertEquals(List.of(2L, 3L), sequences(order.offer(batch(2), 30, DELAY)));
    }

    @Test
    void withoutADelayNothingWaits() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, 0);
        assertEquals(List.of(3L), sequences(order.offer(batch(3), 10, 0)));
    }

    @Test
    void aSequenceThatBeganAnewIsTaken() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1_000), 0, DELAY);
        order.offer(batch(1_002), 0, DELAY);
        TelemetryBatch.Builder fresh = TelemetryBatch.builder("gw-1", 0);
        fresh.add(2_000_000_000L, "m1", "temperature_c", 1.0, Quality.GOOD);
        ReceivedBatch restarted = new ReceivedBatch(GATEWAY, fresh.build(), 1L);
        assertFalse(order.late(restarted), "its samples are newer than any taken");
        assertEquals(List.of(1_002L, 0L), sequences(order.offer(restarted, 10, DELAY)), "the held batch first");
        assertEquals(List.of(1L), sequences(order.offer(batch(1), 20, DELAY)));
    }

    @Test
    void heldBatchesAreBounded() {
        // Every other number is missing: each batch waits.
        BatchOrder order = new BatchOrder();
        order.offer(batch(0), 0, DELAY);
        for (int i = 1; i <= BatchOrder.MAX_HELD; i++) {
            assertEquals(List.of(), order.offer(batch(2L * i), 0, DELAY));
        }
        assertEquals(List.of(2L), sequences(order.offer(batch(2L * BatchOrder.MAX_HELD + 2), 0, DELAY)),
                "one batch too many takes the first");
        assertEquals(BatchOrder.MAX_HELD, order.held());
        BatchOrder restored = BatchOrder.fromSnapshot(order.snapshot());
        assertEquals(BatchOrder.MAX_HELD, restored.held(), "as many as may be held restore");
    }

    @Test
    void anOrderHoldingNothingRestores() {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        order.offer(batch(2), 10, DELAY);
        BatchOrder restored = BatchOrder.fromSnapshot(order.snapshot());
        assertEquals(0, restored.held());
        assertEquals(OptionalLong.of(3), restored.expected());
        assertTrue(restored.late(batch(2)));
        assertEquals(List.of(3L), sequences(restored.offer(batch(3), 20, DELAY)));
    }

    @Test
    void theNextBatchIsNeverLateEvenWithSamplesOlderThanThoseTaken() {
        // Batch 2 holds a machine whose samples lag those of batch 1 (a slower source of the gateway).
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        TelemetryBatch.Builder lagging = TelemetryBatch.builder("gw-1", 2);
        lagging.add(500_000L, "m2", "temperature_c", 1.0, Quality.GOOD);
        ReceivedBatch next = new ReceivedBatch(GATEWAY, lagging.build(), 2L);
        assertFalse(order.late(next));
        assertEquals(List.of(2L), sequences(order.offer(next, 10, DELAY)));
    }

    @Test
    void heldSamplesAreBounded() {
        // Batches of 300,000 samples behind a missing one: the fourth held takes the first.
        BatchOrder order = new BatchOrder();
        order.offer(batch(0), 0, DELAY);
        for (long sequence = 2; sequence <= 4; sequence++) {
            assertEquals(List.of(), order.offer(batchOf(sequence, 300_000), 0, DELAY), "batch " + sequence);
        }
        assertEquals(List.of(2L, 3L, 4L), sequences(order.offer(batchOf(6, 300_000), 0, DELAY)),
                "more than " + BatchOrder.MAX_HELD_ROWS + " samples held takes the first, and those following it");
        assertEquals(1, order.held());
        BatchOrder restored = BatchOrder.fromSnapshot(order.snapshot());
        restored.offer(batchOf(8, 300_000), 0, DELAY);
        restored.offer(batchOf(10, 300_000), 0, DELAY);
        assertEquals(List.of(6L), sequences(restored.offer(batchOf(12, 300_000), 0, DELAY)),
                "the restored order counts its held samples");
    }

    /** Batch {@code sequence} with {@code rows} samples of one sensor, one a millisecond. */
    private static ReceivedBatch batchOf(long sequence, int rows) {
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", sequence);
        for (int row = 0; row < rows; row++) {
            batch.add(sequence * 1_000_000_000L + row * 1_000L, "m1", "temperature_c", row, Quality.GOOD);
        }
        return new ReceivedBatch(GATEWAY, batch.build(), sequence);
    }

    @Test
    void heldBatchesSurviveTheSerializer() throws IOException {
        BatchOrder order = new BatchOrder();
        order.offer(batch(1), 0, DELAY);
        order.offer(batch(3), 10, DELAY);
        TelemetryBatch.Builder odd = TelemetryBatch.builder("gw-1", 4);
        odd.add(7L, "m1", "vibration_rms_mm_s", Double.NaN, Quality.BAD);
        odd.add(5L, "m2", "temperature_c", -3.5, Quality.UNCERTAIN);
        order.offer(new ReceivedBatch(GATEWAY, odd.build(), 42L), 20, DELAY);

        DataOutputSerializer out = new DataOutputSerializer(64);
        BatchOrderSerializer.INSTANCE.serialize(order, out);
        BatchOrder restored = BatchOrderSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer()));

        assertEquals(2, restored.held());
        assertEquals(10 + DELAY, restored.nextDue());
        assertEquals(OptionalLong.of(2), restored.expected());
        assertTrue(restored.late(batch(1)));
        List<ReceivedBatch> taken = restored.offer(batch(2), 30, DELAY);
        assertEquals(List.of(2L, 3L, 4L), sequences(taken));
        ReceivedBatch back = taken.get(2);
        assertEquals(GATEWAY, back.source());
        assertEquals(42L, back.receivedAtMicros());
        assertEquals(odd.build(), back.batch());
        assertEquals(List.of("m1", "m2"), List.of(back.batch().machines()));
        assertEquals(List.of("vibration_rms_mm_s", "temperature_c"), List.of(back.batch().sensors()));
        assertEquals(List.of((byte) 2, (byte) 1), List.of(back.batch().qualities()[0], back.batch().qualities()[1]));

        BatchOrder copy = BatchOrderSerializer.INSTANCE.copy(order);
        assertEquals(List.of(3L, 4L), sequences(order.due(Long.MAX_VALUE)));
        assertEquals(2, copy.held(), "a copy is its own");
    }

    @Test
    void damagedStateIsRefused() {
        byte[] snapshot = new BatchOrder().snapshot();
        snapshot[3] = 9;
        assertThrows(IllegalArgumentException.class, () -> BatchOrder.fromSnapshot(snapshot));
    }
}
