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
     * Checks the columns of {@link KernelBackend#robustZ}.
     *
     * @return the row count
     */
    public static int checkRobustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center,
                                   Float8Vector scale, Float8Vector out) {
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
        return rows;
    }

    /**
     * Checks the columns of {@link KernelBackend#robustZModes}.
     *
     * @return the modes per series, {@code lower.getValueCount() / modeCount.getValueCount()}
     */
    public static int checkRobustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                        Float8Vector upper, Float8Vector scale, IntVector modeCount,
                                        Float8Vector out) {
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
}
