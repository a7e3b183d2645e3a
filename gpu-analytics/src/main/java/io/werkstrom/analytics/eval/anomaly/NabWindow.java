package io.werkstrom.analytics.eval.anomaly;

/**
 * A labelled anomaly window of a NAB series as a range of row indices, both ends included.
 *
 * @param first the index of the first row at or after the window's start time
 * @param last  the index of the last row at or before the window's end time
 */
public record NabWindow(int first, int last) {

    public NabWindow {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("window must satisfy 0 <= first <= last, got [" + first + ", "
                    + last + "].");
        }
    }

    /** The number of rows in the window. */
    public int length() {
        return last - first + 1;
    }
}
