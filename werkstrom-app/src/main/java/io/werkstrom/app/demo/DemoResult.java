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
 */
public record DemoResult(long samplesPublished, long samplesStored, long deadLetters, long anomalies,
                         double durationSeconds, double sustainedSamplesPerSecond, String storage, String backend,
                         long qualityPredictions, double predictedScrapRate, double actualScrapRate,
                         long alertsOpened, String report, long multivariateAnomalies) {

    /** The JSON line other people's scripts read; the first five keys are the contract. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("samples_published", samplesPublished);
        json.put("samples_stored", samplesStored);
        json.put("dead_letters", deadLetters);
        json.put("anomalies", anomalies);
        json.put("duration_s", round(durationSeconds));
        json.put("sustained_samples_per_s", round(sustainedSamplesPerSecond));
        json.put("storage", storage);
        json.put("backend", backend);
        json.put("quality_predictions", qualityPredictions);
        json.put("predicted_scrap_rate", Double.isNaN(predictedScrapRate) ? null : round3(predictedScrapRate));
        json.put("actual_scrap_rate", Double.isNaN(actualScrapRate) ? null : round3(actualScrapRate));
        json.put("alerts_opened", alertsOpened);
        json.put("report", report);
        json.put("multivariate_anomalies", multivariateAnomalies);
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers and strings must serialise", e);
        }
    }

    private static double round3(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10.0) / 10.0;
    }
}
