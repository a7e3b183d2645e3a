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

    /**
     * Hotelling's T² and the squared prediction error (SPE) of every row against a
     * principal-component model, rows of many machine models in one call: row {@code i}
     * ({@code rows[i * dims .. i * dims + dims)}) is scored against model
     * {@code m = modelIndex[i]}; see {@link MultivariateKernels#scoreT2AndSpe}. The row is
     * standardised with the model's mean and scale, projected onto its
     * {@code componentCount[m]} loading vectors, and {@code t2[i] = sum_c s_c^2 / eigenvalue_c},
     * {@code spe[i] = |z - sum_c s_c loadings_c|^2}. The models share one layout with
     * {@code models = componentCount.getValueCount()} and a component stride of
     * {@code maxComponents = eigenvalues.getValueCount() / models}: model {@code m} owns
     * {@code mean}/{@code scale} entries {@code [m * dims, (m + 1) * dims)}, eigenvalues
     * {@code [m * maxComponents, m * maxComponents + componentCount[m])} and the loading vectors
     * {@code loadings[(m * maxComponents + c) * dims ..]} for {@code c < componentCount[m]};
     * entries past {@code componentCount[m]} are not read. One model with every row at index 0
     * is the single-model case.
     *
     * @param rows           the rows, row-major, {@code dims} values per row; its value count is a
     *                       multiple of {@code dims} and the row count is
     *                       {@code rows.getValueCount() / dims}; no nulls
     * @param dims           sensors per row, &ge; 1
     * @param modelIndex     per row, its model, in {@code [0, models)}; no nulls
     * @param mean           per model and sensor, the training mean; {@code models * dims} entries,
     *                       no nulls
     * @param scale          per model and sensor, the training spread, &gt; 0; laid out as
     *                       {@code mean}
     * @param loadings       per model, {@code maxComponents} unit loading vectors of {@code dims}
     *                       values; {@code models * maxComponents * dims} entries, no nulls
     * @param eigenvalues    per model and component, its variance, &gt; 0;
     *                       {@code models * maxComponents} entries (a multiple of {@code models},
     *                       possibly 0: no model has a component), no nulls
     * @param componentCount per model, how many of its components are used, in
     *                       {@code [0, maxComponents]}; its length is the model count; no nulls
     * @param t2             receives one T² per row; its capacity must hold every row. The backend
     *                       sets its value count to the row count.
     * @param spe            receives one SPE per row, as {@code t2}
     * @throws IllegalArgumentException when {@code dims} is below 1, a column length disagrees
     *                                  with the shape, a column holds nulls, a model index or a
     *                                  component count is out of range or an output is too
     *                                  small; checked before any kernel runs
     * @throws IllegalStateException    when the backend is closed
     */
    void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                  Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                  Float8Vector spe);

    /**
     * The MSET residual of every row, rows of many machine models in one call: row {@code i}
     * ({@code rows[i * dims .. i * dims + dims)}) is scored against model
     * {@code m = modelIndex[i]}; see {@link MultivariateKernels#msetResiduals}. The models share
     * one layout with {@code models = memoryCount.getValueCount()} and a memory stride of
     * {@code memorySize = memory.getValueCount() / (models * dims)} states: model {@code m} owns
     * {@code mean}/{@code scale} entries {@code [m * dims, (m + 1) * dims)}, memory states
     * {@code memory[(m * memorySize + j) * dims ..]} for {@code j < memoryCount[m]} and the inverse
     * similarity matrix {@code inverse[m * memorySize * memorySize ..]} (row-major, stride
     * {@code memorySize}); entries past {@code memoryCount[m]} are not read.
     *
     * @param rows        the rows, row-major, {@code dims} values per row, no nulls
     * @param dims        sensors per row, &ge; 1
     * @param modelIndex  per row, its model, in {@code [0, models)}; no nulls
     * @param mean        per model and sensor, the training mean; {@code models * dims} entries
     * @param scale       per model and sensor, the training spread, &gt; 0; laid out as {@code mean}
     * @param memory      per model, {@code memorySize} standardised states of {@code dims} values;
     *                    {@code models * memorySize * dims} entries, {@code memorySize} &ge; 1
     * @param memoryCount per model, how many of its states are used, in {@code [1, memorySize]}
     * @param inverse     per model, the inverse of its states' similarity matrix;
     *                    {@code models * memorySize * memorySize} entries
     * @param bandwidth   per model, the similarity width, &gt; 0; {@code models} entries
     * @param out         receives one residual per row; its capacity must hold every row. The
     *                    backend sets its value count to the row count.
     * @throws IllegalArgumentException when {@code dims} is below 1, a column length disagrees
     *                                  with the shape, a column holds nulls, a model index or a
     *                                  memory count is out of range or {@code out} is too small;
     *                                  checked before any kernel runs
     * @throws IllegalStateException    when the backend is closed
     */
    void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                       Float8Vector memory, IntVector memoryCount, Float8Vector inverse, Float8Vector bandwidth,
                       Float8Vector out);

    /**
     * The margin of a tree ensemble for every row: {@code out[i] = baseScore + sum_t leaf_t(i)},
     * the leaf value each tree {@code treeRoots[t]} sends row {@code i} to, as
     * {@link io.werkstrom.analytics.predict.PredictKernels#addTreePredictions} adds them. The trees
     * share flat node arrays: a node {@code n} with {@code nodeFeature[n] < 0} is a leaf holding
     * {@code nodeValue[n]}; any other sends the row to {@code nodeLeft[n]} when
     * {@code features[i * featureCount + nodeFeature[n]] <= nodeThreshold[n]}, else to
     * {@code nodeRight[n]}. A link function (the sigmoid of a logistic model) is the caller's.
     *
     * @param features      the rows, row-major, {@code featureCount} values per row, no nulls
     * @param featureCount  features per row, &ge; 1
     * @param treeRoots     per tree, its root node, in {@code [0, nodes)}; may be empty; no nulls
     * @param nodeFeature   per node, the feature it splits on, below {@code featureCount}, or
     *                      negative for a leaf; its length is the node count; no nulls
     * @param nodeThreshold per node, the split threshold; {@code nodes} entries, no nulls
     * @param nodeLeft      per split node, the child for values at or below the threshold, a node
     *                      after it ({@code n < nodeLeft[n] < nodes}, so that every walk ends);
     *                      read for split nodes only; no nulls
     * @param nodeRight     per split node, the other child, as {@code nodeLeft}
     * @param nodeValue     per leaf, its value; {@code nodes} entries, no nulls
     * @param baseScore     added to every margin
     * @param out           receives one margin per row; its capacity must hold every row. The
     *                      backend sets its value count to the row count.
     * @throws IllegalArgumentException when {@code featureCount} is below 1, a column length
     *                                  disagrees with the shape, a column holds nulls, a root,
     *                                  child or feature index is out of range or {@code out} is
     *                                  too small; checked before any kernel runs
     * @throws IllegalStateException    when the backend is closed
     */
    void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                     Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight, Float8Vector nodeValue,
                     double baseScore, Float8Vector out);

    /** Releases the backend's resources; does not throw checked exceptions. */
    @Override
    void close();
}
