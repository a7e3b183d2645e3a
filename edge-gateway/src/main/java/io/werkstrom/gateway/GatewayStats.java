package io.werkstrom.gateway;

/**
 * Counters and gauges of a {@link Gateway} at one moment. Counters cover this process; the spool
 * figures ({@code spool*}, {@code droppedBatches}) cover the spool's life across restarts. A
 * sample counts as acknowledged only once the broker's PUBACK for its batch has arrived, and only
 * once however often the batch was sent.
 *
 * @param samplesCollected     samples cut into spooled batches
 * @param samplesAcknowledged  samples in batches the broker acknowledged
 * @param batchesSpooled       telemetry batches appended to the spool
 * @param batchesAcknowledged  telemetry batches the broker acknowledged
 * @param publishFailures      publish attempts that failed (the spool is sent again from the oldest)
 * @param spoolRecords         records in the spool awaiting their acknowledgement (batches and events)
 * @param spoolBytes           on-disk bytes of those records
 * @param spoolDiskBytes       bytes of the spool's files
 * @param spoolMaxBytes        the spool's limit
 * @param acksPending          publishes awaiting their PUBACK
 * @param connected            whether the publisher is connected
 * @param reconnects           connections established after the first one
 * @param droppedBatches       records the full spool dropped unacknowledged, and records set aside as larger
 *                             than the broker accepts (spool lifetime)
 * @param droppedSamples       samples in dropped batches, as far as this process saw them dropped or reported
 * @param dataGapsReported     {@code data_gap} events the broker acknowledged
 * @param sourceUp             whether the collector reaches its source (no {@link
 *                             io.werkstrom.gateway.collect.Collector#problem() problem}, no failing collect)
 */
public record GatewayStats(long samplesCollected, long samplesAcknowledged, long batchesSpooled,
                           long batchesAcknowledged, long publishFailures, long spoolRecords, long spoolBytes,
                           long spoolDiskBytes, long spoolMaxBytes, long acksPending, boolean connected,
                           long reconnects, long droppedBatches, long droppedSamples, long dataGapsReported,
                           boolean sourceUp) {

    /** Whether the spool is empty: everything collected has been acknowledged. */
    public boolean allAcknowledged() {
        return spoolRecords == 0;
    }
}
