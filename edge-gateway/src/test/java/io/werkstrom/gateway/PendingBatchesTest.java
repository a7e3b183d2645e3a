package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class PendingBatchesTest {

    private static PendingBatches.Batch batch(long sequence) {
        return new PendingBatches.Batch(sequence, 10, new byte[] {1});
    }

    @Test
    void handsOutLowestSequenceFirstAndResendsInOrderAfterFailures() throws Exception {
        PendingBatches pending = new PendingBatches();
        pending.add(batch(5));
        pending.add(batch(6));
        pending.add(batch(7));
        assertEquals(5, pending.takeReady(0, TimeUnit.MILLISECONDS).sequence());
        assertEquals(6, pending.takeReady(0, TimeUnit.MILLISECONDS).sequence());
        pending.retry(6);
        pending.retry(5);
        assertEquals(5, pending.takeReady(0, TimeUnit.MILLISECONDS).sequence());
        assertEquals(6, pending.takeReady(0, TimeUnit.MILLISECONDS).sequence());
        assertEquals(7, pending.takeReady(0, TimeUnit.MILLISECONDS).sequence());
        assertNull(pending.takeReady(10, TimeUnit.MILLISECONDS));
        assertEquals(3, pending.size());
        assertEquals(30, pending.samples());
    }

    @Test
    void acknowledgesOnceAndNeverResendsAnAcknowledgedBatch() throws Exception {
        PendingBatches pending = new PendingBatches();
        pending.add(batch(1));
        pending.takeReady(0, TimeUnit.MILLISECONDS);
        assertFalse(pending.awaitEmpty(10, TimeUnit.MILLISECONDS));
        assertEquals(1, pending.acknowledge(1).sequence());
        assertNull(pending.acknowledge(1), "a second acknowledgement counts nothing");
        pending.retry(1);
        assertNull(pending.takeReady(10, TimeUnit.MILLISECONDS));
        assertTrue(pending.awaitEmpty(0, TimeUnit.MILLISECONDS));
    }
}
