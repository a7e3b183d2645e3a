package io.werkstrom.analytics.kernel;

import java.nio.ByteOrder;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * Copies between Java arrays and the Arrow columns the {@link KernelBackend} kernels take, in bulk
 * (through the data buffers, not value by value), for callers whose data lives in arrays: the
 * detectors and models that score through a backend, and the Java backend itself, whose loops run
 * over arrays. Stateless apart from {@link #allocator()}.
 */
public final class KernelColumns {

    private static final class Shared {
        // One root for the process's short-lived kernel columns; it lives as long as the process.
        static final BufferAllocator ALLOCATOR = new RootAllocator();
    }

    private KernelColumns() {
    }

    /**
     * The process-wide allocator for the columns of one kernel call made by code that has no
     * allocator of its own. Never close it; close the vectors allocated from it.
     */
    public static BufferAllocator allocator() {
        return Shared.ALLOCATOR;
    }

    /** A new vector holding {@code data}, all values set; the caller owns (closes) it. */
    public static Float8Vector doubles(BufferAllocator allocator, String name, double[] data) {
        Float8Vector vector = new Float8Vector(name, allocator);
        try {
            vector.allocateNew(Math.max(1, data.length));
            vector.getDataBuffer().nioBuffer(0, data.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .asDoubleBuffer().put(data);
            KernelArguments.markValid(vector, data.length);
            return vector;
        } catch (RuntimeException e) {
            vector.close();
            throw e;
        }
    }

    /** A new vector holding {@code data}, all values set; the caller owns (closes) it. */
    public static IntVector ints(BufferAllocator allocator, String name, int[] data) {
        IntVector vector = new IntVector(name, allocator);
        try {
            vector.allocateNew(Math.max(1, data.length));
            vector.getDataBuffer().nioBuffer(0, data.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer().put(data);
            KernelArguments.markValid(vector, data.length);
            return vector;
        } catch (RuntimeException e) {
            vector.close();
            throw e;
        }
    }

    /** A new vector with room for {@code count} values and none set; the caller owns (closes) it. */
    public static Float8Vector output(BufferAllocator allocator, String name, int count) {
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(Math.max(1, count));
        return vector;
    }

    /** The data of {@code vector}'s values as an array (validity is not read). */
    public static double[] toArray(Float8Vector vector) {
        double[] data = new double[vector.getValueCount()];
        vector.getDataBuffer().nioBuffer(0, data.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .asDoubleBuffer().get(data);
        return data;
    }

    /** The data of {@code vector}'s values as an array (validity is not read). */
    public static int[] toArray(IntVector vector) {
        int[] data = new int[vector.getValueCount()];
        vector.getDataBuffer().nioBuffer(0, data.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .asIntBuffer().get(data);
        return data;
    }

    /** Writes {@code data} into {@code out}'s data buffer and marks the values valid; {@code out} must have the capacity. */
    public static void copyInto(double[] data, Float8Vector out) {
        out.getDataBuffer().nioBuffer(0, data.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .asDoubleBuffer().put(data);
        KernelArguments.markValid(out, data.length);
    }
}
