package io.werkstrom.gateway.spool;

/**
 * One batch held by a {@link Spool}: its sequence number, how many samples it holds, the time
 * range of its samples and the encoded batch. The payload array belongs to the caller that received it.
 */
public record SpooledBatch(long sequence, int samples, long firstTimestampMicros, long lastTimestampMicros, byte[] payload) {
}
