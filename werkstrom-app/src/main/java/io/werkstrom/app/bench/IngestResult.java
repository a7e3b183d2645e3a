package io.werkstrom.app.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The bench's result. The JSON keys are a contract.
 *
 * @param e2eSamplesPerSecond  samples per second stored end to end (gateways → broker → job → database)
 * @param copySamplesPerSecond samples per second the same database takes by plain binary COPY
 * @param p50LatencyMillis     median time from a sample's timestamp until its row was visible, at half the e2e rate
 * @param p99LatencyMillis     99th percentile of the same
 */
public record IngestResult(double e2eSamplesPerSecond, double copySamplesPerSecond, double p50LatencyMillis,
                           double p99LatencyMillis) {

    public double ratio() {
        return copySamplesPerSecond > 0 ? e2eSamplesPerSecond / copySamplesPerSecond : 0;
    }

    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("e2e_samples_per_s", Math.round(e2eSamplesPerSecond));
        json.put("copy_samples_per_s", Math.round(copySamplesPerSecond));
        json.put("ratio", Math.round(ratio() * 1000) / 1000.0);
        json.put("p50_latency_ms", Math.round(p50LatencyMillis * 10) / 10.0);
        json.put("p99_latency_ms", Math.round(p99LatencyMillis * 10) / 10.0);
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the result as JSON", e);
        }
    }
}
