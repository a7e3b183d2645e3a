package io.werkstrom.gateway.collect;

/**
 * Where a gateway's samples come from. The gateway calls collect from one thread, once per batch
 * interval, and again with the same {@code untilMicros} while a call hands over samples.
 */
public interface Collector extends AutoCloseable {
    /**
     * The end of the year 9999, the latest time a collector stamps: a later start is refused, as the
     * cloud would refuse every sample, and a start beyond what a timestamp in µs holds would wrap round.
     */
    java.time.Instant LATEST = java.time.Instant.parse("9999-12-31T23:59:59.999999Z");

    /** Human-readable description for logs, e.g. "simulator: 4 machines" or "opc.tcp://host:4840 (12 items)". */
    String describe();
    /**
     * Starts collecting; {@code resumeAfterMicros} is the timestamp (µs UTC) of the last sample already
     * spooled, or Long.MIN_VALUE on a first start.
     *
     * @throws StartRefusedException when its settings put the samples still to collect where the
     *                               cloud refuses them
     */
    void start(long resumeAfterMicros) throws Exception;
    /** Appends every collected sample with timestamp < untilMicros not handed over before; returns how many it appended. */
    int collect(long untilMicros, io.werkstrom.protocol.TelemetryBatch.Builder out) throws Exception;
    /**
     * As {@link #collect(long, io.werkstrom.protocol.TelemetryBatch.Builder)}, but appends at most
     * {@code maxSamples}, oldest first; the samples left over are handed over first by the next call
     * (whose {@code untilMicros} is the same or later), so nothing is lost or reordered. The gateway
     * calls this one. The default ignores the bound: a source keeps it only where the samples of one
     * call cannot outgrow it. Every source that can have any number due at once (the simulator after
     * a pause, a replay at a high speed-up, an OPC UA backlog) honours it. Repeated calls with the same
     * {@code untilMicros} come to hand over nothing: a source has only so many samples due before it (a
     * source whose samples arrive while it is asked takes those that arrived by the first such call).
     */
    default int collect(long untilMicros, int maxSamples, io.werkstrom.protocol.TelemetryBatch.Builder out)
            throws Exception {
        return collect(untilMicros, out);
    }
    /** True when a finite source (a replayed file) has handed over everything. */
    default boolean finished() { return false; }
    /**
     * Why the source delivers nothing now although it should (a PLC that refuses the connection, a
     * lost session), for the gateway's health; empty while it works. A collector that throws from
     * {@link #collect} needs not say it here too.
     */
    default java.util.Optional<String> problem() { return java.util.Optional.empty(); }
    @Override void close() throws Exception;
}
