package io.werkstrom.gateway;

import java.util.Arrays;

/**
 * What the gateway keeps in one spool record: one kind byte, then the message. Telemetry batches
 * and gateway events share the spool (and its sequence numbers), so that an event waits for the
 * broker's acknowledgement as durably as a batch, and goes out in order with them.
 */
public final class SpoolRecord {

    /** A telemetry batch (the codec's bytes), published to the telemetry topic. */
    public static final byte TELEMETRY = 'T';
    /** A gateway event (UTF-8 JSON), published to the events topic. */
    public static final byte EVENT = 'E';

    private SpoolRecord() {
    }

    /** The record of a message of {@code kind}. */
    public static byte[] wrap(byte kind, byte[] message) {
        byte[] record = new byte[message.length + 1];
        record[0] = kind;
        System.arraycopy(message, 0, record, 1, message.length);
        return record;
    }

    /** The kind byte; throws for a record this gateway did not write. */
    static byte kind(byte[] record) {
        if (record.length == 0 || (record[0] != TELEMETRY && record[0] != EVENT)) {
            throw new IllegalArgumentException("spool record of " + record.length + " bytes has no known kind byte");
        }
        return record[0];
    }

    static byte[] message(byte[] record) {
        return Arrays.copyOfRange(record, 1, record.length);
    }
}
