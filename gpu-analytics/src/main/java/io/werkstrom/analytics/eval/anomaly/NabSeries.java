package io.werkstrom.analytics.eval.anomaly;

import java.util.List;
import java.util.Objects;

/**
 * One series of a NAB corpus: its values in time order and its labelled windows. Immutable by
 * convention: callers must not write into {@link #values()} or {@link #timestamps()}.
 *
 * @param name       the path below {@code data/}, e.g. {@code realKnownCause/nyc_taxi.csv}
 * @param timestamps per row, microseconds since 1970-01-01T00:00Z of its time stamp (UTC unless it
 *                   carried a zone offset)
 * @param values     per row, the value
 * @param windows    the labelled windows, sorted and not overlapping
 */
public record NabSeries(String name, long[] timestamps, double[] values, List<NabWindow> windows) {

    public NabSeries {
        Objects.requireNonNull(name, "name must not be null.");
        Objects.requireNonNull(timestamps, "timestamps must not be null.");
        Objects.requireNonNull(values, "values must not be null.");
        windows = List.copyOf(windows);
        if (timestamps.length != values.length) {
            throw new IllegalArgumentException("timestamps and values must have the same length.");
        }
        for (int w = 0; w < windows.size(); w++) {
            NabWindow window = windows.get(w);
            if (window.last() >= values.length || (w > 0 && window.first() <= windows.get(w - 1).last())) {
                throw new IllegalArgumentException("windows must lie in the series, sorted and disjoint: " + windows);
            }
        }
    }

    public int length() {
        return values.length;
    }
}
