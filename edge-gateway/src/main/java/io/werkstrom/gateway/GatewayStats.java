package io.werkstrom.gateway;

/**
 * Counters of a {@link SimulatedGateway} at one moment. A sample counts as acknowledged only once
 * the broker's PUBACK for its batch has arrived, and only once however often the batch was sent.
 *
 * @param samplesGenerated     samples cut into batches
 * @param samplesAcknowledged  samples in batches the broker acknowledged
 * @param batchesGenerated     batches cut
 * @param batchesAcknowledged  batches the broker acknowledged
 * @param publishFailures      publish attempts that failed (each is retried)
 * @param batchesPending       batches generated but not yet acknowledged
 */
public record GatewayStats(long samplesGenerated, long samplesAcknowledged, long batchesGenerated,
                           long batchesAcknowledged, long publishFailures, long batchesPending) {

    /** Whether every generated sample has been acknowledged. */
    public boolean allAcknowledged() {
        return batchesPending == 0 && samplesAcknowledged == samplesGenerated;
    }
}
