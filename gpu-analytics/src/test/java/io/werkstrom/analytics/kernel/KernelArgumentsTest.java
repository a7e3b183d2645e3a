package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Consumer;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every refusal of the PCA, MSET and tree-ensemble argument checks, provoked through the Java
 * backend: a valid call is built, one column is spoiled, and the call must fail with the message
 * naming that column, before the kernel writes anything.
 */
class KernelArgumentsTest {

    private BufferAllocator allocator;
    private JavaKernelBackend backend;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        backend = new JavaKernelBackend(2, 1);
    }

    @AfterEach
    void close() {
        backend.close();
        allocator.close();
    }

    /**
     * A PCA call of 3 rows of 2 sensors, 2 models with a component stride of 2 (model 0 uses 1
     * component, model 1 both), its columns open for spoiling.
     */
    private final class Pca implements AutoCloseable {
        int dims = 2;
        Float8Vector rows = doubles("rows", 1, 2, 3, 4, 5, 6);
        IntVector modelIndex = ints("modelIndex", 0, 1, 1);
        Float8Vector mean = doubles("mean", 0, 0, 1, 1);
        Float8Vector scale = doubles("scale", 1, 1, 2, 2);
        Float8Vector loadings = doubles("loadings", 0.6, 0.8, 0, 0, 1, 0, 0, 1);
        Float8Vector eigenvalues = doubles("eigenvalues", 2, 1, 1.5, 0.5);
        IntVector componentCount = ints("componentCount", 1, 2);
        Float8Vector t2 = KernelColumns.output(allocator, "t2", 3);
        Float8Vector spe = KernelColumns.output(allocator, "spe", 3);

        void run() {
            backend.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe);
        }

        @Override
        public void close() {
            for (Float8Vector v : new Float8Vector[] {rows, mean, scale, loadings, eigenvalues, t2, spe}) {
                v.close();
            }
            modelIndex.close();
            componentCount.close();
        }
    }

    private String pcaRefusal(Consumer<Pca> spoil) {
        try (Pca call = new Pca()) {
            call.run();
            spoil.accept(call);
            call.t2.reset();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertEquals(0, call.t2.getValueCount(), "the kernel ran");
            return e.getMessage();
        }
    }

    @Test
    void pcaRefusals() {
        assertEquals("dims must be >= 1 (was 0).", pcaRefusal(c -> c.dims = 0));
        assertEquals("rows holds 6 values, not a multiple of dims 4.", pcaRefusal(c -> c.dims = 4));
        assertEquals("rows holds 1 nulls.", pcaRefusal(c -> c.rows.setNull(2)));
        assertEquals("modelIndex has 2 rows but rows has 3 (6 values of 2 sensors).",
                pcaRefusal(c -> c.modelIndex = replace(c.modelIndex, 0, 1)));
        assertEquals("modelIndex holds 1 nulls.", pcaRefusal(c -> c.modelIndex.setNull(1)));
        assertEquals("componentCount holds 1 nulls.", pcaRefusal(c -> c.componentCount.setNull(0)));
        assertEquals("mean has 3 entries, expected 4 (models * dims).",
                pcaRefusal(c -> c.mean = replace(c.mean, 0, 0, 0)));
        assertEquals("scale holds 1 nulls.", pcaRefusal(c -> c.scale.setNull(0)));
        assertEquals("eigenvalues holds 1 nulls.", pcaRefusal(c -> c.eigenvalues.setNull(0)));
        assertEquals("eigenvalues has 3 entries, not a multiple of the 2 models in componentCount.",
                pcaRefusal(c -> c.eigenvalues = replace(c.eigenvalues, 2, 1, 1.5)));
        assertEquals("loadings has 6 entries, expected 8 (models * maxComponents * dims).",
                pcaRefusal(c -> c.loadings = replace(c.loadings, 0.6, 0.8, 0, 0, 1, 0)));
        assertEquals("loadings has 8 entries, expected 12 (models * maxComponents * dims).",
                pcaRefusal(c -> c.eigenvalues = replace(c.eigenvalues, 2, 1, 1, 1.5, 0.5, 1)));
        assertEquals("componentCount of model 1 is 3, outside [0, 2].",
                pcaRefusal(c -> c.componentCount.set(1, 3)));
        assertEquals("componentCount of model 0 is -1, outside [0, 2].",
                pcaRefusal(c -> c.componentCount.set(0, -1)));
        assertEquals("modelIndex[2] is 2, outside [0, 2) (models).", pcaRefusal(c -> c.modelIndex.set(2, 2)));
        assertEquals("modelIndex[0] is -1, outside [0, 2) (models).", pcaRefusal(c -> c.modelIndex.set(0, -1)));
        assertEquals("modelIndex[0] is 0, outside [0, 0) (models).", pcaRefusal(c -> {
            c.componentCount = replace(c.componentCount);
            c.mean = replace(c.mean);
            c.scale = replace(c.scale);
            c.loadings = replace(c.loadings);
            c.eigenvalues = replace(c.eigenvalues);
        }));
        assertEquals("spe holds 0 values, fewer than the 3 rows.", pcaRefusal(c -> c.spe = unallocated(c.spe)));
    }

    /** An MSET call: 3 rows of 2 sensors, 2 models with a memory stride of 2 states. */
    private final class Mset implements AutoCloseable {
        int dims = 2;
        Float8Vector rows = doubles("rows", 1, 2, 3, 4, 5, 6);
        IntVector modelIndex = ints("modelIndex", 0, 1, 1);
        Float8Vector mean = doubles("mean", 0, 0, 1, 1);
        Float8Vector scale = doubles("scale", 1, 1, 2, 2);
        Float8Vector memory = doubles("memory", 0, 0, 1, 1, 0.5, 0.5, 0, 0);
        IntVector memoryCount = ints("memoryCount", 2, 1);
        Float8Vector inverse = doubles("inverse", 1.2, -0.2, -0.2, 1.2, 1, 0, 0, 0);
        Float8Vector bandwidth = doubles("bandwidth", 1, 1);
        Float8Vector out = KernelColumns.output(allocator, "out", 3);

        void run() {
            backend.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
        }

        @Override
        public void close() {
            rows.close();
            modelIndex.close();
            mean.close();
            scale.close();
            memory.close();
            memoryCount.close();
            inverse.close();
            bandwidth.close();
            out.close();
        }
    }

    private String msetRefusal(Consumer<Mset> spoil) {
        try (Mset call = new Mset()) {
            call.run();
            spoil.accept(call);
            call.out.reset();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertEquals(0, call.out.getValueCount(), "the kernel ran");
            return e.getMessage();
        }
    }

    @Test
    void msetRefusals() {
        assertEquals("dims must be >= 1 (was -1).", msetRefusal(c -> c.dims = -1));
        assertEquals("rows holds 6 values, not a multiple of dims 4.", msetRefusal(c -> c.dims = 4));
        assertEquals("modelIndex has 2 rows but rows has 3 (6 values of 2 sensors).",
                msetRefusal(c -> c.modelIndex = replace(c.modelIndex, 0, 1)));
        assertEquals("modelIndex holds 1 nulls.", msetRefusal(c -> c.modelIndex.setNull(1)));
        assertEquals("memoryCount holds 1 nulls.", msetRefusal(c -> c.memoryCount.setNull(1)));
        assertEquals("bandwidth has 3 entries, expected 2 (models (the length of memoryCount)).",
                msetRefusal(c -> c.bandwidth = replace(c.bandwidth, 1, 1, 1)));
        assertEquals("mean has 2 entries, expected 4 (models * dims).",
                msetRefusal(c -> c.mean = replace(c.mean, 0, 0)));
        assertEquals("scale has 5 entries, expected 4 (models * dims).",
                msetRefusal(c -> c.scale = replace(c.scale, 1, 1, 1, 1, 1)));
        assertEquals("memory has 6 entries, not a positive multiple of models * dims = 4.",
                msetRefusal(c -> c.memory = replace(c.memory, 0, 0, 0, 0, 0, 0)));
        assertEquals("memory holds 1 nulls.", msetRefusal(c -> c.memory.setNull(7)));
        assertEquals("inverse has 7 entries, expected 8 (models * memorySize^2).",
                msetRefusal(c -> c.inverse = replace(c.inverse, 1, 0, 0, 1, 1, 0, 0)));
        assertEquals("memoryCount of model 1 is 3, outside [1, 2].",
                msetRefusal(c -> c.memoryCount.set(1, 3)));
        assertEquals("memoryCount of model 0 is 0, outside [1, 2].",
                msetRefusal(c -> c.memoryCount.set(0, 0)));
        // Out-of-range model indices would read past the model columns on a device.
        assertEquals("modelIndex[2] is 2, outside [0, 2) (models).", msetRefusal(c -> c.modelIndex.set(2, 2)));
        assertEquals("modelIndex[0] is -1, outside [0, 2) (models).", msetRefusal(c -> c.modelIndex.set(0, -1)));
        assertEquals("out holds 0 values, fewer than the 3 rows.", msetRefusal(c -> c.out = unallocated(c.out)));
    }

    /**
     * A tree call: 2 rows of 2 features; tree 0 splits node 0 into leaves 1 and 2, tree 1 is the
     * single leaf 3.
     */
    private final class Trees implements AutoCloseable {
        int featureCount = 2;
        Float8Vector features = doubles("features", 0.1, 5, 0.9, -5);
        IntVector roots = ints("treeRoots", 0, 3);
        IntVector feature = ints("nodeFeature", 1, -1, -1, -1);
        Float8Vector threshold = doubles("nodeThreshold", 0, 0, 0, 0);
        IntVector left = ints("nodeLeft", 1, -1, -1, -1);
        IntVector right = ints("nodeRight", 2, -1, -1, -1);
        Float8Vector value = doubles("nodeValue", 0, -1, 1, 0.5);
        Float8Vector out = KernelColumns.output(allocator, "out", 2);

        void run() {
            backend.treeMargins(features, featureCount, roots, feature, threshold, left, right, value, 0.25, out);
        }

        @Override
        public void close() {
            features.close();
            roots.close();
            feature.close();
            threshold.close();
            left.close();
            right.close();
            value.close();
            out.close();
        }
    }

    private String treeRefusal(Consumer<Trees> spoil) {
        try (Trees call = new Trees()) {
            call.run();
            assertEquals(0.25 + 1 + 0.5, call.out.get(0));
            assertEquals(0.25 - 1 + 0.5, call.out.get(1));
            spoil.accept(call);
            call.out.reset();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertEquals(0, call.out.getValueCount(), "the kernel ran");
            return e.getMessage();
        }
    }

    @Test
    void treeRefusals() {
        assertEquals("featureCount must be >= 1 (was 0).", treeRefusal(c -> c.featureCount = 0));
        assertEquals("features holds 4 values, not a multiple of featureCount 3.", treeRefusal(c -> c.featureCount = 3));
        assertEquals("features holds 1 nulls.", treeRefusal(c -> c.features.setNull(3)));
        assertEquals("treeRoots holds 1 nulls.", treeRefusal(c -> c.roots.setNull(1)));
        assertEquals("nodeThreshold has 3 entries, expected 4 (nodes (the length of nodeFeature)).",
                treeRefusal(c -> c.threshold = replace(c.threshold, 0, 0, 0)));
        assertEquals("nodeValue holds 1 nulls.", treeRefusal(c -> c.value.setNull(2)));
        assertEquals("node 0 splits on feature 2, outside [0, 2).", treeRefusal(c -> c.feature.set(0, 2)));
        // A child before its parent could loop for ever; one past the end reads out of bounds.
        assertEquals("node 0 has children 0 and 2, outside (0, 4).", treeRefusal(c -> c.left.set(0, 0)));
        assertEquals("node 0 has children 1 and 4, outside (0, 4).", treeRefusal(c -> c.right.set(0, 4)));
        assertEquals("treeRoots[1] is 4, outside [0, 4) (nodes).", treeRefusal(c -> c.roots.set(1, 4)));
        assertEquals("treeRoots[0] is -2, outside [0, 4) (nodes).", treeRefusal(c -> c.roots.set(0, -2)));
        assertEquals("out holds 0 values, fewer than the 2 rows.", treeRefusal(c -> c.out = unallocated(c.out)));
    }

    private Float8Vector doubles(String name, double... values) {
        return KernelColumns.doubles(allocator, name, values);
    }

    private IntVector ints(String name, int... values) {
        return KernelColumns.ints(allocator, name, values);
    }

    /** Closes {@code old} and returns a vector of the same name holding {@code values}, full capacity. */
    private Float8Vector replace(Float8Vector old, double... values) {
        String name = old.getName();
        old.close();
        Float8Vector vector = new Float8Vector(name, allocator);
        vector.allocateNew(Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) {
            vector.set(i, values[i]);
        }
        vector.setValueCount(values.length);
        return vector;
    }

    /** Closes {@code old} and returns a vector of the same name with no room for any value. */
    private Float8Vector unallocated(Float8Vector old) {
        String name = old.getName();
        old.close();
        return new Float8Vector(name, allocator);
    }

    private IntVector replace(IntVector old, int... values) {
        String name = old.getName();
        old.close();
        return KernelColumns.ints(allocator, name, values);
    }
}
