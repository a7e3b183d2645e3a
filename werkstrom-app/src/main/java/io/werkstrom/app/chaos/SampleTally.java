package io.werkstrom.app.chaos;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Compares the samples the gateways had acknowledged by the broker with the rows in the database,
 * per (machine, sensor, timestamp): a sample acknowledged but not stored is lost, each extra row
 * of a sample is a duplicate. Not thread-safe.
 */
public final class SampleTally {

    /** One sample's identity; machine ids are unique across gateways. */
    public record SampleKey(String machine, String sensor, long timestampMicros) {
    }

    private final Set<SampleKey> acknowledged = new HashSet<>();
    private final Map<SampleKey, Long> stored = new HashMap<>();

    public void acknowledged(SampleKey key) {
        acknowledged.add(key);
    }

    /** Records that the database holds {@code rows} rows of {@code key}. */
    public void stored(SampleKey key, long rows) {
        stored.merge(key, rows, Long::sum);
    }

    public long generated() {
        return acknowledged.size();
    }

    /** Rows in the database, duplicates included. */
    public long storedRows() {
        return stored.values().stream().mapToLong(Long::longValue).sum();
    }

    public long lost() {
        return acknowledged.stream().filter(key -> !stored.containsKey(key)).count();
    }

    /** Rows beyond the first of each sample. */
    public long duplicated() {
        return stored.values().stream().mapToLong(rows -> Math.max(0, rows - 1)).sum();
    }
}
