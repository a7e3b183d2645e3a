package io.werkstrom.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.werkstrom.gateway.spool.DataGap;

/**
 * The {@code data_gap} gateway event (see docs/protocol.md): samples the spool dropped (full, set
 * aside, or unreadable on disk), which will never arrive. Written by hand: the gateway needs no
 * JSON library for six numbers.
 */
final class DataGapEvent {

    static final String TYPE = "data_gap";

    private DataGapEvent() {
    }

    static byte[] json(DataGap gap) {
        String text = "{\"type\":\"" + TYPE + "\""
                + ",\"from\":\"" + instant(gap.firstTimestampMicros()) + "\""
                + ",\"to\":\"" + instant(gap.lastTimestampMicros()) + "\""
                + ",\"batches\":" + gap.droppedRecords()
                + ",\"samples\":" + gap.droppedSamples()
                + ",\"first_sequence\":" + gap.firstSequence()
                + ",\"last_sequence\":" + gap.lastSequence() + "}";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
