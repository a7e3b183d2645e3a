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
     * @throws IllegalArgumentException when the column lengths disagree, a column holds nulls or
     *                                  {@code out} is too small
     * @throws IllegalStateException    when the backend is closed
     */
    void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                 Float8Vector out);

    /** Releases the backend's resources; does not throw checked exceptions. */
    @Override
    void close();
}
