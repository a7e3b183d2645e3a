package io.werkstrom.analytics.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.predict.PredictKernels;

/**
 * Random inputs (fixed seeds) for the PCA, MSET and tree-ensemble kernels, their expected outputs
 * from the plain loops of {@link MultivariateKernels} and {@link PredictKernels} over arrays, and
 * a runner that feeds the same inputs as Arrow columns through a {@link KernelBackend}. Shared by
 * the Java, remote and TornadoVM backend tests.
 */
public final class MultivariateOracle {

    private final BufferAllocator allocator;

    public MultivariateOracle(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    /**
     * PCA models of one layout and rows of them: per model, {@code componentCount[m] <=
     * maxComponents} orthonormal loadings of {@code dims} sensors; loading and eigenvalue entries
     * past the count hold NaN, so a kernel that read them would spoil its result.
     */
    public record PcaCase(int dims, int maxComponents, double[] rows, int[] modelIndex, double[] mean,
                          double[] scale, double[] loadings, double[] eigenvalues, int[] componentCount) {
        public int rowCount() {
            return modelIndex.length;
        }

        /** {T², SPE} by the plain loop. */
        public double[][] expected() {
            int n = rowCount();
            double[] t2 = new double[n];
            double[] spe = new double[n];
            MultivariateKernels.scoreT2AndSpe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues,
                    componentCount, maxComponents, t2, spe, new double[dims + maxComponents], 0, n);
            return new double[][] {t2, spe};
        }

        /**
         * {T², SPE} of a one-model case by the single-model loop that preceded the fleet form,
         * kept here verbatim: the fleet kernel must reproduce it bit for bit.
         */
        public double[][] expectedSingleModel() {
            if (componentCount.length != 1) {
                throw new IllegalStateException("not a one-model case");
            }
            int n = rowCount();
            int components = componentCount[0];
            double[] t2 = new double[n];
            double[] spe = new double[n];
            double[] scratch = new double[dims + components];
            for (int i = 0; i < n; i++) {
                int base = i * dims;
                for (int d = 0; d < dims; d++) {
                    scratch[d] = (rows[base + d] - mean[d]) / scale[d];
                }
                double t2Sum = 0;
                for (int c = 0; c < components; c++) {
                    double s = 0;
                    int l = c * dims;
                    for (int d = 0; d < dims; d++) {
                        s += loadings[l + d] * scratch[d];
                    }
                    scratch[dims + c] = s;
                    t2Sum += s * s / eigenvalues[c];
                }
                double speSum = 0;
                for (int d = 0; d < dims; d++) {
                    double r = scratch[d];
                    for (int c = 0; c < components; c++) {
                        r -= scratch[dims + c] * loadings[c * dims + d];
                    }
                    speSum += r * r;
                }
                t2[i] = t2Sum;
                spe[i] = speSum;
            }
            return new double[][] {t2, spe};
        }
    }

    /**
     * MSET models of one layout: per model, a memory of {@code memoryCount[m] <= memorySize}
     * states and the inverse of their regularised similarity matrix; entries past the count hold
     * NaN, so a kernel that read them would spoil its result.
     */
    public record MsetCase(int dims, int memorySize, double[] rows, int[] modelIndex, double[] mean, double[] scale,
                           double[] memory, int[] memoryCount, double[] inverse, double[] bandwidth) {
        public int rowCount() {
            return modelIndex.length;
        }

        public double[] expected() {
            double[] out = new double[rowCount()];
            MultivariateKernels.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, memorySize,
                    inverse, bandwidth, out, new double[dims + 2 * memorySize], 0, out.length);
            return out;
        }
    }

    /** A random forest in flat node arrays; children come after their parent, leaves link to -1. */
    public record TreeCase(int featureCount, double[] features, int[] treeRoots, int[] nodeFeature,
                           double[] nodeThreshold, int[] nodeLeft, int[] nodeRight, double[] nodeValue,
                           double baseScore) {
        public int rowCount() {
            return features.length / featureCount;
        }

        public double[] expected() {
            double[] out = new double[rowCount()];
            Arrays.fill(out, baseScore);
            PredictKernels.addTreePredictions(features, featureCount, treeRoots, 0, treeRoots.length, nodeFeature,
                    nodeThreshold, nodeLeft, nodeRight, nodeValue, out, 0, out.length);
            return out;
        }
    }

    /** One PCA model of {@code components} components and {@code rows} rows, every row at model 0. */
    public static PcaCase pcaCase(int rows, int dims, int components, long seed) {
        return pcaFleetCase(rows, dims, 1, components, seed);
    }

    /**
     * {@code models} PCA models of {@code dims} sensors and rows of them, each row's model drawn
     * at random: model 0 has {@code maxComponents} components, the others from 0 to
     * {@code maxComponents}.
     */
    public static PcaCase pcaFleetCase(int rows, int dims, int models, int maxComponents, long seed) {
        Random random = new Random(seed);
        double[] mean = new double[models * dims];
        double[] scale = new double[models * dims];
        double[] loadings = new double[models * maxComponents * dims];
        double[] eigen = new double[models * maxComponents];
        int[] counts = new int[models];
        Arrays.fill(loadings, Double.NaN);
        Arrays.fill(eigen, Double.NaN);
        for (int m = 0; m < models; m++) {
            counts[m] = m == 0 ? maxComponents : random.nextInt(maxComponents + 1);
            for (int d = 0; d < dims; d++) {
                mean[m * dims + d] = random.nextGaussian() * 10;
                scale[m * dims + d] = 0.1 + random.nextDouble() * 5;
            }
            // Gram-Schmidt on random vectors: orthonormal loadings, as a fitted model has.
            int base = m * maxComponents * dims;
            for (int c = 0; c < counts[m]; c++) {
                int at = base + c * dims;
                for (int d = 0; d < dims; d++) {
                    loadings[at + d] = random.nextGaussian();
                }
                for (int p = 0; p < c; p++) {
                    int prior = base + p * dims;
                    double dot = 0;
                    for (int d = 0; d < dims; d++) {
                        dot += loadings[at + d] * loadings[prior + d];
                    }
                    for (int d = 0; d < dims; d++) {
                        loadings[at + d] -= dot * loadings[prior + d];
                    }
                }
                double norm = 0;
                for (int d = 0; d < dims; d++) {
                    norm += loadings[at + d] * loadings[at + d];
                }
                for (int d = 0; d < dims; d++) {
                    loadings[at + d] /= Math.sqrt(norm);
                }
            }
            for (int c = 0; c < counts[m]; c++) {
                eigen[m * maxComponents + c] = 0.05 + random.nextDouble() * 4;
            }
        }
        int[] modelIndex = new int[rows];
        double[] x = new double[rows * dims];
        for (int i = 0; i < rows; i++) {
            int m = models == 1 ? 0 : random.nextInt(models);
            modelIndex[i] = m;
            for (int d = 0; d < dims; d++) {
                int k = i * dims + d;
                x[k] = mean[m * dims + d] + random.nextGaussian() * scale[m * dims + d] * (k % 97 == 0 ? 30 : 1);
            }
        }
        return new PcaCase(dims, maxComponents, x, modelIndex, mean, scale, loadings, eigen, counts);
    }

    /**
     * @param farShare the share of rows placed far from every memory state, where all
     *                 similarities are 0 and the kernel falls back to the memory's mean
     */
    public static MsetCase msetCase(int rows, int dims, int models, int memorySize, double farShare, long seed) {
        Random random = new Random(seed);
        double[] mean = new double[models * dims];
        double[] scale = new double[models * dims];
        double[] memory = new double[models * memorySize * dims];
        double[] inverse = new double[models * memorySize * memorySize];
        int[] counts = new int[models];
        double[] bandwidth = new double[models];
        Arrays.fill(memory, Double.NaN);
        Arrays.fill(inverse, Double.NaN);
        for (int m = 0; m < models; m++) {
            counts[m] = m == 0 ? memorySize : 1 + random.nextInt(memorySize);
            bandwidth[m] = 0.5 + random.nextDouble() * 2;
            for (int d = 0; d < dims; d++) {
                mean[m * dims + d] = random.nextGaussian() * 5;
                scale[m * dims + d] = 0.2 + random.nextDouble() * 3;
            }
            int count = counts[m];
            for (int j = 0; j < count; j++) {
                for (int d = 0; d < dims; d++) {
                    memory[(m * memorySize + j) * dims + d] = random.nextGaussian();
                }
            }
            double[] g = new double[count * count];
            double inv2h2 = 1.0 / (2 * bandwidth[m] * bandwidth[m]);
            for (int a = 0; a < count; a++) {
                for (int b = 0; b < count; b++) {
                    double distance = 0;
                    for (int d = 0; d < dims; d++) {
                        double diff = memory[(m * memorySize + a) * dims + d] - memory[(m * memorySize + b) * dims + d];
                        distance += diff * diff;
                    }
                    g[a * count + b] = Math.exp(-distance * inv2h2) + (a == b ? 0.1 : 0);
                }
            }
            double[] inv = invert(g, count);
            for (int a = 0; a < count; a++) {
                System.arraycopy(inv, a * count, inverse, m * memorySize * memorySize + a * memorySize, count);
            }
        }
        int[] modelIndex = new int[rows];
        double[] x = new double[rows * dims];
        for (int i = 0; i < rows; i++) {
            int m = random.nextInt(models);
            modelIndex[i] = m;
            boolean far = random.nextDouble() < farShare;
            for (int d = 0; d < dims; d++) {
                double z = far ? 1e3 * (1 + random.nextDouble()) : random.nextGaussian() * 1.2;
                x[i * dims + d] = mean[m * dims + d] + z * scale[m * dims + d];
            }
        }
        return new MsetCase(dims, memorySize, x, modelIndex, mean, scale, memory, counts, inverse, bandwidth);
    }

    public static TreeCase treeCase(int rows, int featureCount, int trees, int maxDepth, long seed) {
        Random random = new Random(seed);
        List<int[]> links = new ArrayList<>();
        List<Double> thresholds = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        int[] roots = new int[trees];
        for (int t = 0; t < trees; t++) {
            // Breadth first, so that children come after their parent.
            roots[t] = links.size();
            List<Integer> queue = new ArrayList<>();
            List<Integer> depth = new ArrayList<>();
            queue.add(newNode(links, thresholds, values));
            depth.add(0);
            for (int q = 0; q < queue.size(); q++) {
                int node = queue.get(q);
                boolean split = depth.get(q) < maxDepth && random.nextDouble() < (depth.get(q) == 0 ? 0.9 : 0.7);
                if (split) {
                    int left = newNode(links, thresholds, values);
                    int right = newNode(links, thresholds, values);
                    links.set(node, new int[] {random.nextInt(featureCount), left, right});
                    thresholds.set(node, random.nextGaussian());
                    queue.add(left);
                    depth.add(depth.get(q) + 1);
                    queue.add(right);
                    depth.add(depth.get(q) + 1);
                } else {
                    values.set(node, random.nextGaussian());
                }
            }
        }
        int nodes = links.size();
        int[] feature = new int[nodes];
        int[] left = new int[nodes];
        int[] right = new int[nodes];
        double[] threshold = new double[nodes];
        double[] value = new double[nodes];
        for (int n = 0; n < nodes; n++) {
            feature[n] = links.get(n)[0];
            left[n] = links.get(n)[1];
            right[n] = links.get(n)[2];
            threshold[n] = thresholds.get(n);
            value[n] = values.get(n);
        }
        double[] x = new double[rows * featureCount];
        for (int i = 0; i < x.length; i++) {
            // Some values sit exactly on a threshold, where <= decides.
            x[i] = i % 53 == 0 && nodes > 0 ? threshold[random.nextInt(nodes)] : random.nextGaussian();
        }
        return new TreeCase(featureCount, x, roots, feature, threshold, left, right, value, random.nextGaussian());
    }

    private static int newNode(List<int[]> links, List<Double> thresholds, List<Double> values) {
        links.add(new int[] {-1, -1, -1});
        thresholds.add(0.0);
        values.add(0.0);
        return links.size() - 1;
    }

    /** {T², SPE} of {@code c} by {@code backend}, through Arrow columns. */
    public double[][] run(KernelBackend backend, PcaCase c) {
        int n = c.rowCount();
        try (Float8Vector x = KernelColumns.doubles(allocator, "rows", c.rows());
             IntVector model = KernelColumns.ints(allocator, "modelIndex", c.modelIndex());
             Float8Vector mean = KernelColumns.doubles(allocator, "mean", c.mean());
             Float8Vector scale = KernelColumns.doubles(allocator, "scale", c.scale());
             Float8Vector loadings = KernelColumns.doubles(allocator, "loadings", c.loadings());
             Float8Vector eigen = KernelColumns.doubles(allocator, "eigenvalues", c.eigenvalues());
             IntVector counts = KernelColumns.ints(allocator, "componentCount", c.componentCount());
             Float8Vector t2 = KernelColumns.output(allocator, "t2", n);
             Float8Vector spe = KernelColumns.output(allocator, "spe", n)) {
            backend.pcaT2Spe(x, c.dims(), model, mean, scale, loadings, eigen, counts, t2, spe);
            assertValid(t2, n);
            assertValid(spe, n);
            return new double[][] {KernelColumns.toArray(t2), KernelColumns.toArray(spe)};
        }
    }

    public double[] run(KernelBackend backend, MsetCase c) {
        int n = c.rowCount();
        try (Float8Vector x = KernelColumns.doubles(allocator, "rows", c.rows());
             IntVector model = KernelColumns.ints(allocator, "modelIndex", c.modelIndex());
             Float8Vector mean = KernelColumns.doubles(allocator, "mean", c.mean());
             Float8Vector scale = KernelColumns.doubles(allocator, "scale", c.scale());
             Float8Vector memory = KernelColumns.doubles(allocator, "memory", c.memory());
             IntVector counts = KernelColumns.ints(allocator, "memoryCount", c.memoryCount());
             Float8Vector inverse = KernelColumns.doubles(allocator, "inverse", c.inverse());
             Float8Vector bandwidth = KernelColumns.doubles(allocator, "bandwidth", c.bandwidth());
             Float8Vector out = KernelColumns.output(allocator, "out", n)) {
            backend.msetResiduals(x, c.dims(), model, mean, scale, memory, counts, inverse, bandwidth, out);
            assertValid(out, n);
            return KernelColumns.toArray(out);
        }
    }

    public double[] run(KernelBackend backend, TreeCase c) {
        int n = c.rowCount();
        try (Float8Vector x = KernelColumns.doubles(allocator, "features", c.features());
             IntVector roots = KernelColumns.ints(allocator, "treeRoots", c.treeRoots());
             IntVector feature = KernelColumns.ints(allocator, "nodeFeature", c.nodeFeature());
             Float8Vector threshold = KernelColumns.doubles(allocator, "nodeThreshold", c.nodeThreshold());
             IntVector left = KernelColumns.ints(allocator, "nodeLeft", c.nodeLeft());
             IntVector right = KernelColumns.ints(allocator, "nodeRight", c.nodeRight());
             Float8Vector value = KernelColumns.doubles(allocator, "nodeValue", c.nodeValue());
             Float8Vector out = KernelColumns.output(allocator, "out", n)) {
            backend.treeMargins(x, c.featureCount(), roots, feature, threshold, left, right, value, c.baseScore(),
                    out);
            assertValid(out, n);
            return KernelColumns.toArray(out);
        }
    }

    private static void assertValid(Float8Vector out, int rows) {
        assertEquals(rows, out.getValueCount());
        assertEquals(0, out.getNullCount());
    }

    /** Fails unless every value of {@code actual} has the bits of {@code expected}'s. */
    public static void assertBitExact(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                fail(what + ": row " + i + " of " + expected.length + " is " + actual[i] + ", expected "
                        + expected[i]);
            }
        }
    }

    /**
     * The largest difference of {@code actual} from {@code expected}, relative to
     * {@code max(1, |expected|)}; NaN where one is NaN and the other not.
     */
    public static double maxRelativeDifference(double[] expected, double[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Double.compare(expected[i], actual[i]) == 0) {
                continue;
            }
            double difference = Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (Double.isNaN(difference)) {
                return Double.NaN;
            }
            max = Math.max(max, difference);
        }
        return max;
    }

    /** Gauss-Jordan with partial pivoting, for the test models' similarity matrices. */
    private static double[] invert(double[] a, int n) {
        double[] m = a.clone();
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            inv[i * n + i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) {
                    pivot = r;
                }
            }
            for (int c = 0; c < n; c++) {
                double t = m[col * n + c];
                m[col * n + c] = m[pivot * n + c];
                m[pivot * n + c] = t;
                t = inv[col * n + c];
                inv[col * n + c] = inv[pivot * n + c];
                inv[pivot * n + c] = t;
            }
            double p = 1.0 / m[col * n + col];
            for (int c = 0; c < n; c++) {
                m[col * n + c] *= p;
                inv[col * n + c] *= p;
            }
            for (int r = 0; r < n; r++) {
                double f = m[r * n + col];
                if (r != col && f != 0) {
                    for (int c = 0; c < n; c++) {
                        m[r * n + c] -= f * m[col * n + c];
                        inv[r * n + c] -= f * inv[col * n + c];
                    }
                }
            }
        }
        return inv;
    }
}
