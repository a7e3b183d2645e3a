package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * A decoded, validated batch together with the identity the broker authorised (taken from the
 * topic, never from the payload) and the time the cloud received it.
 */
public record ReceivedBatch(GatewayAddress source, TelemetryBatch batch, long receivedAtMicros) {
}
