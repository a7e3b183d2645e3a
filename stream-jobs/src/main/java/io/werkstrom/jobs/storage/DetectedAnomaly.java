package io.werkstrom.jobs.storage;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.protocol.GatewayAddress;

/** An anomaly with the gateway (and so the tenant) whose data produced it. */
public record DetectedAnomaly(GatewayAddress source, Anomaly anomaly) {
}
