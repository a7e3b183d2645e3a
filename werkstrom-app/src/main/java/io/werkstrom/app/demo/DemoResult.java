package io.werkstrom.app.demo;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The demo's outcome, counted in the database after the run (not from in-memory counters),
 * except {@code samplesPublished}, which the gateways count as acknowledged by the broker.
 * {@code alertsOpened} counts every alert the job opened (open, acknowledged or resolved);
 * {@code multivariateAnomalies} the stored anomalies of the multivariate detector (MSET or PCA).
 * {@code report} is null when no report was written; {@code interrupted} says that a signal (Ctrl-C,
 * SIGTERM) ended the run early: then a count of {@link #UNKNOWN} was not counted and shows as null.
 */
public record DemoResult(long samplesPublished, long samplesStored, long deadLetters, long anomalies,
                         double durationSeconds, double sustainedSamplesPerSecond, String storage, String backend,
                         long qualityPredictions, double predictedScrapRate, double actualScrapRate,
                         long alertsOpened, String report, long multivariateAnomalies, boolean interrupted) {

    /** A count the run could not take (the database stopped with the interrupted run). */
    public static final long UNKNOWN = -1;

    /**
     * A run interrupted before anything was counted in the database: before its gateways started
     * ({@code published} 0, so nothing stored either), or when the database failed with the stop.
     */
    static DemoResult interrupted(double seconds, long published, String storage, String backend) {
        long unknown = published == 0 ? 0 : UNKNOWN;
        return new DemoResult(published, unknown, unknown, unknown, seconds, 0, storage, backend, unknown, Double.NaN,
                Double.NaN, unknown, null, unknown, true);
    }

    /**
     * The command's exit status: 130 for an interrupted run; 0 when the broker acknowledged samples
     * and every one was stored (a run whose gateways got nothing through checked nothing); else 1.
     */
    public int exitCode() {
        if (interrupted) {
            return 130;
        }
        return samplesPublished > 0 && samplesStored == samplesPublished ? 0 : 1;
    }

    /** The same figures, with the report's path (null: none was written). */
    DemoResult withReport(String path) {
        return new DemoResult(samplesPublished, samplesStored, deadLetters, anomalies, durationSeconds,
                sustainedSamplesPerSecond, storage, backend, qualityPredictions, predictedScrapRate, actualScrapRate,
                alertsOpened, path, multivariateAnomalies, interrupted);
    }

    /** The JSON line other people's scripts read; the first five keys are the contract. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("samples_published", samplesPublished);
        json.put("samples_stored", count(samplesStored));
        json.put("dead_letters", count(deadLetters));
        json.put("anomalies", count(anomalies));
        json.put("duration_s", round(durationSeconds));
        json.put("sustained_samples_per_s", samplesStored == UNKNOWN ? null : round(sustainedSamplesPerSecond));
        json.put("storage", storage);
        json.put("backend", backend);
        json.put("quality_predictions", count(qualityPredictions));
        json.put("predicted_scrap_rate", Double.isNaN(predictedScrapRate) ? null : round3(predictedScrapRate));
        json.put("actual_scrap_rate", Double.isNaN(actualScrapRate) ? null : round3(actualScrapRate));
        json.put("alerts_opened", count(alertsOpened));
        json.put("report", report);
        json.put("multivariate_anomalies", count(multivariateAnomalies));
        json.put("interrupted", interrupted);
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers and strings must serialise", e);
        }
    }

    private static Long count(long value) {
        return value == UNKNOWN ? null : value;
    }

    private static double round3(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10.0) / 10.0;
    }
}
