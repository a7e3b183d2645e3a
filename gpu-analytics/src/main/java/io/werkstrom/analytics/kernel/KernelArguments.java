package io.werkstrom.analytics.kernel;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * The argument checks every {@link KernelBackend} applies before a kernel runs, so that all
 * backends reject the same calls with the same messages, and the validity marking of their
 * outputs. Stateless.
 */
public final class KernelArguments {

    private KernelArguments() {
    }

    /**
     * Checks the columns of {@link KernelBackend#robustZ}, including that every series index lies
     * in {@code [0, center.getValueCount())}: a backend that reads the parameters without bounds
     * checks (a device kernel) relies on it.
     *
     * @return the row count
     */
    public static int checkRobustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center,
                                   Float8Vector scale, Float8Vector out) {
        int rows = robustZColumns(values, seriesIndex, center, scale, out);
        requireSeriesIndex(seriesIndex, rows, center.getValueCount(), "center");
        return rows;
    }

    /**
     * Checks the columns of {@link KernelBackend#robustZModes}, including that every series index
     * lies in {@code [0, modeCount.getValueCount())}.
     *
     * @return the modes per series, {@code lower.getValueCount() / modeCount.getValueCount()}
     */
    public static int checkRobustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                        Float8Vector upper, Float8Vector scale, IntVector modeCount,
                                        Float8Vector out) {
        int modesPerSeries = robustZModesColumns(values, seriesIndex, lower, upper, scale, modeCount, out);
        requireSeriesIndex(seriesIndex, values.getValueCount(), modeCount.getValueCount(), "modeCount");
        return modesPerSeries;
    }

    /** The shape of a {@link KernelBackend#pcaT2Spe} call: rows, models and the component stride. */
    public record PcaShape(int rows, int models, int maxComponents) {
    }

    /** The shape of a {@link KernelBackend#msetResiduals} call. */
    public record MsetShape(int rows, int models, int memorySize) {
    }

    /** The shape of a {@link KernelBackend#treeMargins} call. */
    public record TreeShape(int rows, int trees, int nodes) {
    }

    /**
     * Checks the columns of {@link KernelBackend#pcaT2Spe}, including every model index and
     * component count, so that no kernel reads outside the model columns.
     *
     * @return the row count, the model count and the component stride
     */
    public static PcaShape checkPcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                         Float8Vector scale, Float8Vector loadings, Float8Vector eigenvalues,
                                         IntVector componentCount, Float8Vector t2, Float8Vector spe) {
        int count = rowCount("rows", rows, "dims", dims);
        requireNoNulls("rows", rows);
        requireModelIndex(modelIndex, rows, count, dims);
        requireNoNulls("componentCount", componentCount);
        int models = componentCount.getValueCount();
        requireLength("mean", mean, (long) models * dims, "models * dims");
        requireLength("scale", scale, (long) models * dims, "models * dims");
        requireNoNulls("eigenvalues", eigenvalues);
        int entries = eigenvalues.getValueCount();
        if (models == 0 ? entries != 0 : entries % models != 0) {
            throw new IllegalArgumentException("eigenvalues has " + entries + " entries, not a multiple of the "
                    + models + " models in componentCount.");
        }
        int maxComponents = models == 0 ? 0 : entries / models;
        requireLength("loadings", loadings, (long) models * maxComponents * dims, "models * maxComponents * dims");
        for (int m = 0; m < models; m++) {
            int used = componentCount.get(m);
            if (used < 0 || used > maxComponents) {
                throw new IllegalArgumentException("componentCount of model " + m + " is " + used + ", outside [0, "
                        + maxComponents + "].");
            }
        }
        requireIndices("modelIndex", modelIndex, models, "models");
        requireCapacity("t2", t2, count);
        requireCapacity("spe", spe, count);
        return new PcaShape(count, models, maxComponents);
    }

    /**
     * Checks the columns of {@link KernelBackend#msetResiduals}, including every model index and
     * memory count, so that no kernel reads outside the model columns.
     *
     * @return the row count, the model count and the memory stride
     */
    public static MsetShape checkMsetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                               Float8Vector scale, Float8Vector memory, IntVector memoryCount,
                                               Float8Vector inverse, Float8Vector bandwidth, Float8Vector out) {
        int count = rowCount("rows", rows, "dims", dims);
        requireNoNulls("rows", rows);
        requireModelIndex(modelIndex, rows, count, dims);
        requireNoNulls("memoryCount", memoryCount);
        int models = memoryCount.getValueCount();
        requireLength("bandwidth", bandwidth, models, "models (the length of memoryCount)");
        requireLength("mean", mean, (long) models * dims, "models * dims");
        requireLength("scale", scale, (long) models * dims, "models * dims");
        requireNoNulls("memory", memory);
        long perState = (long) models * dims;
        int states = memory.getValueCount();
        if (models == 0 ? states != 0 : states == 0 || states % perState != 0) {
            throw new IllegalArgumentException("memory has " + states + " entries, not a positive multiple of models * dims = "
                    + perState + ".");
        }
        int memorySize = models == 0 ? 0 : (int) (states / perState);
        requireLength("inverse", inverse, (long) models * memorySize * memorySize, "models * memorySize^2");
        for (int m = 0; m < models; m++) {
            int used = memoryCount.get(m);
            if (used < 1 || used > memorySize) {
                throw new IllegalArgumentException("memoryCount of model " + m + " is " + used + ", outside [1, "
                        + memorySize + "].");
            }
        }
        requireIndices("modelIndex", modelIndex, models, "models");
        requireCapacity("out", out, count);
        return new MsetShape(count, models, memorySize);
    }

    /**
     * Checks the columns of {@link KernelBackend#treeMargins}, including every root, child and
     * feature index: children must come after their parent, so that every walk from a root ends
     * at a leaf within the node arrays.
     *
     * @return the row count, the tree count and the node count
     */
    public static TreeShape checkTreeMargins(Float8Vector features, int featureCount, IntVector treeRoots,
                                             IntVector nodeFeature, Float8Vector nodeThreshold, IntVector nodeLeft,
                                             IntVector nodeRight, Float8Vector nodeValue, Float8Vector out) {
        int count = rowCount("features", features, "featureCount", featureCount);
        requireNoNulls("features", features);
        requireNoNulls("treeRoots", treeRoots);
        requireNoNulls("nodeFeature", nodeFeature);
        int nodes = nodeFeature.getValueCount();
        requireLength("nodeThreshold", nodeThreshold, nodes, "nodes (the length of nodeFeature)");
        requireLength("nodeLeft", nodeLeft, nodes, "nodes (the length of nodeFeature)");
        requireLength("nodeRight", nodeRight, nodes, "nodes (the length of nodeFeature)");
        requireLength("nodeValue", nodeValue, nodes, "nodes (the length of nodeFeature)");
        for (int n = 0; n < nodes; n++) {
            int feature = nodeFeature.get(n);
            if (feature < 0) {
                continue;
            }
            if (feature >= featureCount) {
                throw new IllegalArgumentException("node " + n + " splits on feature " + feature + ", outside [0, "
                        + featureCount + ").");
            }
            int left = nodeLeft.get(n);
            int right = nodeRight.get(n);
            if (left <= n || left >= nodes || right <= n || right >= nodes) {
                throw new IllegalArgumentException("node " + n + " has children " + left + " and " + right
                        + ", outside (" + n + ", " + nodes + ").");
            }
        }
        requireIndices("treeRoots", treeRoots, nodes, "nodes");
        requireCapacity("out", out, count);
        return new TreeShape(count, treeRoots.getValueCount(), nodes);
    }

    /** The kernels write data buffers only; sets the validity bits so the scores read as non-null. */
    public static void markValid(BaseFixedWidthVector out, int rows) {
        ArrowBuf validity = out.getValidityBuffer();
        int fullBytes = rows / Byte.SIZE;
        validity.setOne(0L, fullBytes);
        for (int i = fullBytes * Byte.SIZE; i < rows; i++) {
            BitVectorHelper.setBit(validity, i);
        }
        out.setValueCount(rows);
    }

    private static void requireCapacity(Float8Vector out, int rows) {
        if (out.getValueCapacity() < rows) {
            throw new IllegalArgumentException("out holds " + out.getValueCapacity() + " values, fewer than the "
                    + rows + " rows.");
        }
    }

    private static void requireCapacity(String name, Float8Vector out, int rows) {
        if (out.getValueCapacity() < rows) {
            throw new IllegalArgumentException(name + " holds " + out.getValueCapacity() + " values, fewer than the "
                    + rows + " rows.");
        }
    }

    private static int rowCount(String name, Float8Vector rows, String widthName, int width) {
        if (width < 1) {
            throw new IllegalArgumentException(widthName + " must be >= 1 (was " + width + ").");
        }
        if (rows.getValueCount() % width != 0) {
            throw new IllegalArgumentException(name + " holds " + rows.getValueCount() + " values, not a multiple of "
                    + widthName + " " + width + ".");
        }
        return rows.getValueCount() / width;
    }

    private static void requireLength(String name, FieldVector vector, long expected, String what) {
        if (vector.getValueCount() != expected) {
            throw new IllegalArgumentException(name + " has " + vector.getValueCount() + " entries, expected "
                    + expected + " (" + what + ").");
        }
        requireNoNulls(name, vector);
    }

    private static void requireModelIndex(IntVector modelIndex, Float8Vector rows, int count, int dims) {
        if (modelIndex.getValueCount() != count) {
            throw new IllegalArgumentException("modelIndex has " + modelIndex.getValueCount() + " rows but rows has "
                    + count + " (" + rows.getValueCount() + " values of " + dims + " sensors).");
        }
        requireNoNulls("modelIndex", modelIndex);
    }

    /** Every entry of {@code index} in {@code [0, bound)}: a device kernel would read out of bounds otherwise. */
    private static void requireIndices(String name, IntVector index, int bound, String what) {
        ArrowBuf data = index.getDataBuffer();
        for (int i = 0, n = index.getValueCount(); i < n; i++) {
            int value = data.getInt((long) i * Integer.BYTES);
            if (value < 0 || value >= bound) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + value + ", outside [0, " + bound
                        + ") (" + what + ").");
            }
        }
    }

    private static void requireRows(String name, FieldVector vector, int rows) {
        if (vector.getValueCount() != rows) {
            throw new IllegalArgumentException(name + " has " + vector.getValueCount() + " rows but values has "
                    + rows + ".");
        }
        requireNoNulls(name, vector);
    }

    private static void requireNoNulls(String name, FieldVector vector) {
        if (vector.getNullCount() > 0) {
            throw new IllegalArgumentException(name + " holds " + vector.getNullCount() + " nulls.");
        }
    }

    /**
     * The checks of {@link #checkRobustZ} but the series index range, which the Java backend makes
     * row by row inside its kernel, before each parameter read; the data buffers are checked to
     * hold what the value counts promise, so that unchecked reads stay inside them.
     *
     * @return the row count
     */
    static int robustZColumns(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                              Float8Vector out) {
        int rows = values.getValueCount();
        requireRows("seriesIndex", seriesIndex, rows);
        requireNoNulls("values", values);
        requireNoNulls("center", center);
        requireNoNulls("scale", scale);
        if (scale.getValueCount() != center.getValueCount()) {
            throw new IllegalArgumentException("scale has " + scale.getValueCount() + " series but center has "
                    + center.getValueCount() + ".");
        }
        requireCapacity(out, rows);
        requireData("values", values, rows, Float8Vector.TYPE_WIDTH);
        requireData("seriesIndex", seriesIndex, rows, IntVector.TYPE_WIDTH);
        requireData("center", center, center.getValueCount(), Float8Vector.TYPE_WIDTH);
        requireData("scale", scale, scale.getValueCount(), Float8Vector.TYPE_WIDTH);
        requireData("out", out, rows, Float8Vector.TYPE_WIDTH);
        return rows;
    }

    /**
     * The checks of {@link #checkRobustZModes} but the series index range, as {@link #robustZColumns}.
     *
     * @return the modes per series
     */
    static int robustZModesColumns(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                   Float8Vector upper, Float8Vector scale, IntVector modeCount, Float8Vector out) {
        int rows = values.getValueCount();
        requireRows("seriesIndex", seriesIndex, rows);
        requireNoNulls("values", values);
        requireNoNulls("lower", lower);
        requireNoNulls("upper", upper);
        requireNoNulls("scale", scale);
        requireNoNulls("modeCount", modeCount);
        int series = modeCount.getValueCount();
        int entries = lower.getValueCount();
        if (upper.getValueCount() != entries || scale.getValueCount() != entries) {
            throw new IllegalArgumentException("lower, upper and scale must have as many entries (" + entries + ", "
                    + upper.getValueCount() + ", " + scale.getValueCount() + ").");
        }
        if (series == 0 ? entries != 0 : entries == 0 || entries % series != 0) {
            throw new IllegalArgumentException("lower has " + entries + " entries, not a positive multiple of the "
                    + series + " series in modeCount.");
        }
        requireCapacity(out, rows);
        requireData("values", values, rows, Float8Vector.TYPE_WIDTH);
        requireData("seriesIndex", seriesIndex, rows, IntVector.TYPE_WIDTH);
        requireData("lower", lower, entries, Float8Vector.TYPE_WIDTH);
        requireData("upper", upper, entries, Float8Vector.TYPE_WIDTH);
        requireData("scale", scale, entries, Float8Vector.TYPE_WIDTH);
        requireData("modeCount", modeCount, series, IntVector.TYPE_WIDTH);
        requireData("out", out, rows, Float8Vector.TYPE_WIDTH);
        int modesPerSeries = series == 0 ? 0 : entries / series;
        for (int s = 0; s < series; s++) {
            int count = modeCount.get(s);
            if (count < 1 || count > modesPerSeries) {
                throw new IllegalArgumentException("modeCount of series " + s + " is " + count
                        + ", outside [1, " + modesPerSeries + "].");
            }
        }
        return modesPerSeries;
    }

    /**
     * The refusal of a row whose series index lies outside {@code [0, series)}, the length of the
     * per-series column {@code seriesColumn}.
     */
    static IllegalArgumentException seriesOutOfRange(IntVector seriesIndex, int row, int series,
                                                     String seriesColumn) {
        return new IllegalArgumentException("seriesIndex[" + row + "] is " + seriesIndex.get(row) + ", outside [0, "
                + series + ") (the series in " + seriesColumn + ").");
    }

    private static void requireSeriesIndex(IntVector seriesIndex, int rows, int series, String seriesColumn) {
        ArrowBuf data = seriesIndex.getDataBuffer();
        for (int i = 0; i < rows; i++) {
            if (Integer.compareUnsigned(data.getInt((long) i * Integer.BYTES), series) >= 0) {
                throw seriesOutOfRange(seriesIndex, i, series, seriesColumn);
            }
        }
    }

    /** The data buffer must hold {@code count} values: a vector may claim more than its buffer holds. */
    private static void requireData(String name, FieldVector vector, int count, int width) {
        long needed = (long) count * width;
        long held = vector.getDataBuffer().capacity();
        if (held < needed) {
            throw new IllegalArgumentException(name + " has a data buffer of " + held + " bytes, fewer than the "
                    + needed + " its " + count + " values need.");
        }
    }
}
