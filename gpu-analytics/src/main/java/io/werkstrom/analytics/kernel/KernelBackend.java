package io.werkstrom.analytics.kernel;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * Runs the analytics kernels over Arrow columns. A batch is one set of columns holding rows of
 * many machines and sensors at once; per-series parameters are looked up through a series index
 * column, so one kernel call serves a whole batch.
 *
 * <p>Every backend computes what the plain-Java reference in {@link Kernels} computes. Backends
 * borrow the vectors they are given: they never allocate, retain or close the caller's Arrow
 * memory. Implementations are thread-safe. Whoever creates a backend closes it; closing releases
 * the backend's own resources (threads, device contexts).
 */
public interface KernelBackend extends AutoCloseable {

    /** A short name for logs and metrics, e.g. {@code java}. */
    String name();

    /**
     * Robust z-score of every row: {@code out[i] = |values[i] - center[s]| / scale[s]} with
     * {@code s = seriesIndex[i]}, for {@code i} in {@code [0, values.getValueCount())}.
     *
     * @param values      the samples, one per row, no nulls
     * @param seriesIndex per row, the series of the sample: an index into {@code center} and
     *                    {@code scale}, in {@code [0, center.getValueCount())}; no nulls
     * @param center      per series, the location (e.g. the median); no nulls
     * @param scale       per series, the spread, &gt; 0; no nulls
     * @param out         receives one score per row; its capacity must hold every row. The
     *                    backend sets its value count to the row count.
     * @throws IllegalArgumentException when the column lengths disagree, a column holds nulls, a
     *                                  series index lies outside {@code center} (refused before
     *                                  that series' parameters are read; {@code out} may then hold
     *                                  scores of some other rows) or {@code out} is too small
     * @throws IllegalStateException    when the backend is closed
     */
    void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                 Float8Vector out);

    /**
     * Robust z-score of every row against up to {@code modesPerSeries} modes of its series: the
     * smallest, over the modes of series {@code s = seriesIndex[i]}, of the distance from
     * {@code values[i]} to the mode's interval {@code [lower, upper]} divided by the mode's
     * {@code scale}; see {@link Kernels#robustZModes(double[], int[], double[], double[], double[],
     * int[], int, double[], int, int)}. Series {@code s} owns entries
     * {@code [s * modesPerSeries, s * modesPerSeries + modeCount[s])} of {@code lower},
     * {@code upper} and {@code scale}; the entries after them are not read.
     *
     * @param values      the samples, one per row, no nulls
     * @param seriesIndex per row, the series of the sample, in {@code [0, modeCount.getValueCount())};
     *                    no nulls
     * @param lower       per series and mode, the lower end of the mode's interval (a plain mode
     *                    has {@code lower == upper}, its centre); {@code modesPerSeries} entries per
     *                    series, no nulls
     * @param upper       per series and mode, the upper end, &ge; {@code lower}; laid out as
     *                    {@code lower}
     * @param scale       per series and mode, the spread, &gt; 0; laid out as {@code lower}
     * @param modeCount   per series, how many of its entries are modes, in
     *                    {@code [1, modesPerSeries]}; no nulls. Its length is the series count, and
     *                    {@code modesPerSeries = lower.getValueCount() / modeCount.getValueCount()}.
     * @param out         receives one score per row; its capacity must hold every row. The
     *                    backend sets its value count to the row count.
     * @throws IllegalArgumentException when the column lengths disagree, a column holds nulls, a
     *                                  mode count is out of range, a series index lies outside
     *                                  {@code modeCount} (as for {@link #robustZ}) or {@code out}
     *                                  is too small
     * @throws IllegalStateException    when the backend is closed
     */
    void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                      Float8Vector scale, IntVector modeCount, Float8Vector out);

    /** Releases the backend's resources; does not throw checked exceptions. */
    @Override
    void close();
}
