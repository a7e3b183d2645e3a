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
 * @param unexpected      rows that match no generated sample
 * @param droppedBatches  batches the gateway's full spool dropped (reported as data gaps)
 * @param durationSeconds how long the gateway published
 * @param outageSeconds   how long the broker was down
 * @param killedAtSeconds when the gateway was killed
 */
public record ChaosResult(long generated, long stored, long lost, long duplicated, long unexpected, long droppedBatches,
                          long durationSeconds, long outageSeconds, long killedAtSeconds) {

    /** Nothing lost and nothing duplicated. */
    public boolean passed() {
        return lost == 0 && duplicated == 0;
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
        try {
            return new ObjectMapper().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers is always JSON", e);
        }
    }
}
