package io.werkstrom.app.chaos;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The outcome of an edge chaos drill, compared per (machine, sensor, timestamp).
 *
 * @param generated       samples the simulator generated over the run (computed from its seed and start)
 * @param stored          rows of the gateway in the database
 * @param lost            generated samples with no row
 * @param duplicated      rows beyond the first for one sample
 * @param unexpected      rows that match no generated sample: no sample of their (machine, sensor,
 *                        timestamp), or one with another value or quality
 * @param droppedBatches  batches the gateway's full spool dropped (reported as data gaps)
 * @param durationSeconds how long the gateway published
 * @param outageSeconds   how long the broker was down
 * @param killedAtSeconds when the gateway was killed
 * @param generatedShortBySeconds how long before the end of the run the restarted gateway's last
 *                        sample lies (0 when at or after it): what {@code generated} does not cover
 */
public record ChaosResult(long generated, long stored, long lost, long duplicated, long unexpected, long droppedBatches,
                          long durationSeconds, long outageSeconds, long killedAtSeconds,
                          double generatedShortBySeconds) {

    /**
     * How far before the end of the run the last sample may lie when the gateway ran to the end:
     * its last batch interval (250 ms), a tick, and the time its stop takes.
     */
    public static final double SHORTFALL_ALLOWANCE_SECONDS = 2.0;

    /**
     * Nothing lost, nothing duplicated, no row the simulator never generated (in this drill, a
     * corrupted sample), and the restarted gateway ran to the end of the run.
     */
    public boolean passed() {
        return lost == 0 && duplicated == 0 && unexpected == 0
                && generatedShortBySeconds <= SHORTFALL_ALLOWANCE_SECONDS;
    }

    /** One JSON object; the first four keys are the command's contract. */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generated", generated);
        json.put("stored", stored);
        json.put("lost", lost);
        json.put("duplicated", duplicated);
        json.put("unexpected", unexpected);
        json.put("dropped_batches", droppedBatches);
        json.put("duration_s", durationSeconds);
        json.put("outage_s", outageSeconds);
        json.put("killed_at_s", killedAtSeconds);
        json.put("generated_short_by_s", generatedShortBySeconds);
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers is always JSON", e);
        }
    }
}
