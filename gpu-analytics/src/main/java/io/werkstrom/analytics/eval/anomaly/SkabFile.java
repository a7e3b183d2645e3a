package io.werkstrom.analytics.eval.anomaly;

import java.util.List;
import java.util.Objects;

/**
 * One SKAB-format recording: sensor rows at 1 Hz and their anomaly labels. Immutable by
 * convention: callers must not write into the arrays.
 *
 * @param name    the path below the data folder
 * @param sensors the sensor column names, in column order
 * @param rows    per row, the sensor values in the order of {@code sensors}
 * @param anomaly per row, 1 when the row is labelled anomalous, else 0
 */
public record SkabFile(String name, List<String> sensors, double[][] rows, int[] anomaly) {

    public SkabFile {
        Objects.requireNonNull(name, "name must not be null.");
        sensors = List.copyOf(sensors);
        if (rows.length != anomaly.length) {
            throw new IllegalArgumentException("rows and anomaly must have the same length.");
        }
    }

    public int length() {
        return rows.length;
    }
}
