package io.werkstrom.analytics.kernel;

import org.apache.arrow.memory.ArrowBuf;
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

    /** The kernels write data buffers only; sets the validity bits so the scores read as non-null. */
    public static void markValid(Float8Vector out, int rows) {
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
        int modesPerSeries = series == 0 ? 0 : entries / series;
        for (int s = 0; s < series; s++) {
            int count = modeCount.get(s);
            if (count < 1 || count > modesPerSeries) {
                throw new IllegalArgumentException("modeCount of series " + s + " is " + count
                        + ", outside [1, " + modesPerSeries + "].");
            }
        }
        requireCapacity(out, rows);
        requireData("values", values, rows, Float8Vector.TYPE_WIDTH);
        requireData("seriesIndex", seriesIndex, rows, IntVector.TYPE_WIDTH);
        requireData("lower", lower, entries, Float8Vector.TYPE_WIDTH);
        requireData("upper", upper, entries, Float8Vector.TYPE_WIDTH);
        requireData("scale", scale, entries, Float8Vector.TYPE_WIDTH);
        requireData("modeCount", modeCount, series, IntVector.TYPE_WIDTH);
        requireData("out", out, rows, Float8Vector.TYPE_WIDTH);
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
