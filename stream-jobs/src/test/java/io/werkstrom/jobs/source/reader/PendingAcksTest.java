package io.werkstrom.jobs.source.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class PendingAcksTest {

    private final PendingAcks acks = new PendingAcks();

    @Test
    void messagesAreReleasedByTheCheckpointTakenAfterThem() {
        acks.emitted(0, 1, 1, 0);
        acks.emitted(0, 2, 1, 0);
        acks.snapshot(10);
        acks.emitted(0, 3, 1, 0);

        assertEquals(List.of(new PendingAcks.Ack(0, 1, 1, 0), new PendingAcks.Ack(0, 2, 1, 0)), acks.completed(10));
        assertEquals(1, acks.pending());
        // Message 3 came after checkpoint 10's snapshot: only a later checkpoint covers it.
        assertEquals(List.of(), acks.completed(10));
        acks.snapshot(11);
        assertEquals(List.of(new PendingAcks.Ack(0, 3, 1, 0)), acks.completed(11));
        assertEquals(0, acks.pending());
    }

    @Test
    void anAbortedCheckpointsMessagesRideWithTheNextCompletedOne() {
        acks.emitted(0, 1, 1, 0);
        acks.snapshot(5);
        acks.emitted(0, 2, 1, 0);
        acks.snapshot(6);

        // Checkpoint 5 never completes; 6 does and covers both.
        assertEquals(List.of(new PendingAcks.Ack(0, 1, 1, 0), new PendingAcks.Ack(0, 2, 1, 0)), acks.completed(6));
    }

    @Test
    void anOlderCompletionAfterANewerOneReleasesNothingTwice() {
        acks.emitted(0, 1, 1, 0);
        acks.snapshot(5);
        acks.emitted(0, 2, 1, 0);
        acks.snapshot(6);

        assertEquals(2, acks.completed(6).size());
        assertEquals(List.of(), acks.completed(5));
    }

    @Test
    void snapshotsWithoutMessagesLeaveNothingBehind() {
        acks.snapshot(1);
        acks.snapshot(2);

        assertEquals(List.of(), acks.completed(2));
        assertEquals(0, acks.pending());
    }
}
