package io.werkstrom.jobs.alert;

import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;

/**
 * One input of the alert evaluation, whichever stream it came from; exactly one field is set.
 * Keyed by {@link #key()}, so that all inputs of one gateway meet in one {@link GatewayAlerts}.
 */
public final class AlertInput {

    private ReceivedBatch batch;
    private DetectedAnomaly anomaly;
    private ScrapPrediction prediction;
    private GatewaySignal signal;

    /** For Flink's serializer. */
    public AlertInput() {
    }

    public static AlertInput of(ReceivedBatch batch) {
        AlertInput input = new AlertInput();
        input.batch = batch;
        return input;
    }

    public static AlertInput of(DetectedAnomaly anomaly) {
        AlertInput input = new AlertInput();
        input.anomaly = anomaly;
        return input;
    }

    public static AlertInput of(ScrapPrediction prediction) {
        AlertInput input = new AlertInput();
        input.prediction = prediction;
        return input;
    }

    public static AlertInput of(GatewaySignal signal) {
        AlertInput input = new AlertInput();
        input.signal = signal;
        return input;
    }

    public ReceivedBatch batch() {
        return batch;
    }

    public DetectedAnomaly anomaly() {
        return anomaly;
    }

    public ScrapPrediction prediction() {
        return prediction;
    }

    public GatewaySignal signal() {
        return signal;
    }

    public String tenant() {
        if (batch != null) {
            return batch.source().tenant();
        }
        if (anomaly != null) {
            return anomaly.source().tenant();
        }
        return prediction != null ? prediction.tenant() : signal.source().tenant();
    }

    public String gateway() {
        if (batch != null) {
            return batch.source().gateway();
        }
        if (anomaly != null) {
            return anomaly.source().gateway();
        }
        return prediction != null ? prediction.gateway() : signal.source().gateway();
    }

    /** {@code tenant/gateway}: gateway ids are unique within a tenant. */
    public static String key(AlertInput input) {
        return input.tenant() + "/" + input.gateway();
    }
}
