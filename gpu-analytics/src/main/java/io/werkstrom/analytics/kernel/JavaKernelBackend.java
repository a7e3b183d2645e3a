package io.werkstrom.analytics.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * The plain-Java kernel backend, the default everywhere. Batches below a row cutoff run on the
 * calling thread; larger ones are cut into chunks of rows that the calling thread and the workers
 * of a bounded fork-join pool take in turn. The backend owns the pool and shuts it down on
 * {@link #close()}.
 *
 * <p>The robust z-score kernels read and write the Arrow buffers in place, by address, after one
 * check of the columns per call (see {@link KernelArguments}); they check each row's series index
 * before reading that series' parameters. The multivariate and tree kernels
 * copy their columns onto the heap first (one bulk copy per column and call) and run the plain
 * loops of {@link MultivariateKernels} and {@code PredictKernels} over arrays: those loops read
 * each value many times, and over arrays the JIT drops the bounds checks that {@code ArrowBuf}
 * accessors keep. The row cutoff and the smallest range are weighed by each kernel's work per
 * row, so a PCA, MSET or tree call goes parallel at fewer rows than a robust z-score call.
 *
 * <p>Thread-safe: several callers may run kernels at once and share the pool.
 */
public final class JavaKernelBackend implements KernelBackend {

    /** Rows below which a kernel runs single-threaded: splitting costs more than it gains there. */
    public static final int DEFAULT_PARALLEL_CUTOFF = 65_536;

    /** The smallest row range a worker takes, so that tasks stay large next to their overhead. */
    private static final int MIN_CHUNK_ROWS = 8_192;

    /**
     * Chunks per thread of a parallel call: enough that a thread slowed by other work on its
     * core leaves its share to the others, few enough that taking a chunk (one atomic increment)
     * costs nothing next to scoring it.
     */
    private static final int CHUNKS_PER_THREAD = 8;

    private final int parallelism;
    private final int parallelCutoff;
    private final ForkJoinPool pool;
    private final boolean shared;
    private volatile boolean closed;

    private static final class Shared {
        static final JavaKernelBackend INSTANCE = new JavaKernelBackend(
                Math.min(8, Runtime.getRuntime().availableProcessors()), DEFAULT_PARALLEL_CUTOFF, true);
    }

    /** A backend with one worker per available core (at most 8) and the default cutoff. */
    public JavaKernelBackend() {
        this(Math.min(8, Runtime.getRuntime().availableProcessors()), DEFAULT_PARALLEL_CUTOFF);
    }

    /**
     * @param parallelism    worker threads for large batches, &ge; 1; 1 never starts a thread
     * @param parallelCutoff batches with fewer rows run on the calling thread, &ge; 1 (rows of
     *                       {@link #robustZ}; a row of the other kernels counts as its work in
     *                       such rows)
     */
    public JavaKernelBackend(int parallelism, int parallelCutoff) {
        this(parallelism, parallelCutoff, false);
    }

    private JavaKernelBackend(int parallelism, int parallelCutoff, boolean shared) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1 (was " + parallelism + ").");
        }
        if (parallelCutoff < 1) {
            throw new IllegalArgumentException("parallelCutoff must be >= 1 (was " + parallelCutoff + ").");
        }
        this.shared = shared;
        this.parallelism = parallelism;
        this.parallelCutoff = parallelCutoff;
        this.pool = parallelism == 1 ? null : new ForkJoinPool(parallelism, JavaKernelBackend::newWorker, null, false);
    }

    /**
     * The process's shared Java backend, for callers that score without a backend of their own
     * (the convenience methods of the detectors and models). Its {@link #close()} does nothing:
     * its pool's daemon threads live as long as the process.
     */
    public static JavaKernelBackend shared() {
        return Shared.INSTANCE;
    }

    @Override
    public String name() {
        return "java";
    }

    public int parallelism() {
        return parallelism;
    }

    public int parallelCutoff() {
        return parallelCutoff;
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        checkOpen();
        int rows = KernelArguments.robustZColumns(values, seriesIndex, center, scale, out);
        int series = center.getValueCount();
        // The kernel reads and writes the buffers by address, without a bounds check per access
        // (ArrowBuf's accessors make the loop several times slower than one over arrays): the
        // columns were checked once above, buffer sizes included, and the kernel checks each
        // row's series index before it reads that series' parameters.
        long v = values.getDataBuffer().memoryAddress();
        long s = seriesIndex.getDataBuffer().memoryAddress();
        long c = center.getDataBuffer().memoryAddress();
        long k = scale.getDataBuffer().memoryAddress();
        long o = out.getDataBuffer().memoryAddress();
        int refused = forEachRange(rows, (from, to) -> Kernels.robustZ(v, s, c, k, series, o, from, to));
        if (refused >= 0) {
            throw KernelArguments.seriesOutOfRange(seriesIndex, refused, series, "center");
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        checkOpen();
        int modesPerSeries = KernelArguments.robustZModesColumns(values, seriesIndex, lower, upper, scale, modeCount,
                out);
        int rows = values.getValueCount();
        int series = modeCount.getValueCount();
        long v = values.getDataBuffer().memoryAddress();
        long s = seriesIndex.getDataBuffer().memoryAddress();
        long lo = lower.getDataBuffer().memoryAddress();
        long hi = upper.getDataBuffer().memoryAddress();
        long k = scale.getDataBuffer().memoryAddress();
        long c = modeCount.getDataBuffer().memoryAddress();
        long o = out.getDataBuffer().memoryAddress();
        int refused = forEachRange(rows,
                (from, to) -> Kernels.robustZModes(v, s, lo, hi, k, c, series, modesPerSeries, o, from, to));
        if (refused >= 0) {
            throw KernelArguments.seriesOutOfRange(seriesIndex, refused, series, "modeCount");
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                         Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                         Float8Vector spe) {
        checkOpen();
        KernelArguments.PcaShape shape = KernelArguments.checkPcaT2Spe(rows, dims, modelIndex, mean, scale, loadings,
                eigenvalues, componentCount, t2, spe);
        int n = shape.rows();
        int maxComponents = shape.maxComponents();
        double[] x = KernelColumns.toArray(rows);
        int[] model = KernelColumns.toArray(modelIndex);
        double[] mu = KernelColumns.toArray(mean);
        double[] sigma = KernelColumns.toArray(scale);
        double[] l = KernelColumns.toArray(loadings);
        double[] e = KernelColumns.toArray(eigenvalues);
        int[] counts = KernelColumns.toArray(componentCount);
        double[] t2Out = new double[n];
        double[] speOut = new double[n];
        split(n, (long) dims * (2L * maxComponents + 1), (from, to) -> MultivariateKernels.scoreT2AndSpe(x, dims,
                model, mu, sigma, l, e, counts, maxComponents, t2Out, speOut, new double[dims + maxComponents], from,
                to));
        KernelColumns.copyInto(t2Out, t2);
        KernelColumns.copyInto(speOut, spe);
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        checkOpen();
        KernelArguments.MsetShape shape = KernelArguments.checkMsetResiduals(rows, dims, modelIndex, mean, scale,
                memory, memoryCount, inverse, bandwidth, out);
        int n = shape.rows();
        int memorySize = shape.memorySize();
        double[] x = KernelColumns.toArray(rows);
        int[] model = KernelColumns.toArray(modelIndex);
        double[] mu = KernelColumns.toArray(mean);
        double[] sigma = KernelColumns.toArray(scale);
        double[] states = KernelColumns.toArray(memory);
        int[] counts = KernelColumns.toArray(memoryCount);
        double[] inv = KernelColumns.toArray(inverse);
        double[] h = KernelColumns.toArray(bandwidth);
        double[] residuals = new double[n];
        split(n, (long) memorySize * (2L * dims + memorySize), (from, to) -> MultivariateKernels.msetResiduals(x,
                dims, model, mu, sigma, states, counts, memorySize, inv, h, residuals,
                new double[dims + 2 * memorySize], from, to));
        KernelColumns.copyInto(residuals, out);
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        checkOpen();
        KernelArguments.TreeShape shape = KernelArguments.checkTreeMargins(features, featureCount, treeRoots,
                nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeValue, out);
        int n = shape.rows();
        int trees = shape.trees();
        double[] x = KernelColumns.toArray(features);
        int[] roots = KernelColumns.toArray(treeRoots);
        int[] feature = KernelColumns.toArray(nodeFeature);
        double[] threshold = KernelColumns.toArray(nodeThreshold);
        int[] left = KernelColumns.toArray(nodeLeft);
        int[] right = KernelColumns.toArray(nodeRight);
        double[] value = KernelColumns.toArray(nodeValue);
        double[] margins = new double[n];
        java.util.Arrays.fill(margins, baseScore);
        split(n, 4L * trees, (from, to) -> io.werkstrom.analytics.predict.PredictKernels.addTreePredictions(x,
                featureCount, roots, 0, trees, feature, threshold, left, right, value, margins, from, to));
        KernelColumns.copyInto(margins, out);
    }

    /**
     * Runs {@code body} over {@code [0, rows)}: on the calling thread when the call is small, else
     * in chunks that the calling thread and the pool's workers take, as for the robust z-scores
     * ({@link #forEachRange}). {@code costPerRow} weighs a row against one of {@link #robustZ},
     * so that the cutoff and the smallest range mean the same amount of work for every kernel.
     */
    private void split(int rows, long costPerRow, RangeBody body) {
        long cost = Math.max(1, costPerRow);
        if (pool == null || rows * cost < parallelCutoff) {
            body.run(0, rows);
            return;
        }
        int minRows = (int) Math.max(1, MIN_CHUNK_ROWS / cost);
        inChunks(rows, Math.max(minRows, ceilDiv(rows, parallelism * CHUNKS_PER_THREAD)), (from, to) -> {
            body.run(from, to);
            return -1;
        });
    }

    @Override
    public void close() {
        if (shared) {
            return;
        }
        closed = true;
        if (pool != null) {
            // Kernels already running finish; their callers are waiting for them.
            pool.shutdown();
        }
    }

    @Override
    public String toString() {
        return "JavaKernelBackend[parallelism=" + parallelism + ", parallelCutoff=" + parallelCutoff + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("kernel backend 'java' is closed.");
        }
    }

    private static ForkJoinWorkerThread newWorker(ForkJoinPool pool) {
        ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        thread.setName("werkstrom-kernel-" + thread.getPoolIndex());
        return thread;
    }

    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, rows)}: on the calling thread below the cutoff, else in
     * chunks that the calling thread and up to {@code parallelism - 1} pool workers take from a
     * shared counter. The caller works too, so a call costs little more than the single-threaded
     * loop even when the other cores are busy and the workers start late: a worker that starts
     * after the last chunk was taken returns without touching the buffers, and the caller waits
     * only for chunks actually taken. It returns (or throws) only once every taken chunk is done,
     * so no thread reads the caller's buffers after the call.
     *
     * @return the smallest row the body refused, or -1
     */
    private int forEachRange(int rows, CheckedRangeBody body) {
        if (pool == null || rows < parallelCutoff) {
            return body.run(0, rows);
        }
        return inChunks(rows, Math.max(MIN_CHUNK_ROWS, ceilDiv(rows, parallelism * CHUNKS_PER_THREAD)), body);
    }

    /** Runs {@code body} over {@code [0, rows)} in chunks of {@code chunkRows}, as {@link #forEachRange} describes. */
    private int inChunks(int rows, int chunkRows, CheckedRangeBody body) {
        Chunks chunks = new Chunks(rows, chunkRows, body, Thread.currentThread());
        try {
            for (int helper = Math.min(parallelism - 1, chunks.count - 1); helper > 0; helper--) {
                pool.execute(chunks::work);
            }
        } catch (RejectedExecutionException closing) {
            // close() raced this call: the calling thread takes the chunks no worker will.
        } finally {
            // Whatever happened above, the workers already started may be reading the buffers.
            chunks.work();
            chunks.awaitTaken();
        }
        return chunks.result();
    }

    /** {@code a / b} rounded up, for any non-negative {@code a} (in long: near 2^31 rows the sum would wrap). */
    static int ceilDiv(int a, int b) {
        return (int) ((a + (long) b - 1) / b);
    }

    /** The end of the chunk of {@code chunkRows} from {@code from}: the last one ends at {@code rows}. */
    static int chunkEnd(int rows, int from, int chunkRows) {
        return (int) Math.min(rows, (long) from + chunkRows);
    }

    /** A kernel over a row range that checks its rows; returns the first row it refused, or -1. */
    @FunctionalInterface
    private interface CheckedRangeBody {
        int run(int from, int to);
    }

    /** The chunks of one call, handed out in order to whichever thread asks next. */
    private static final class Chunks {
        private final int rows;
        private final int chunkRows;
        private final int count;
        private final CheckedRangeBody body;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger unfinished;
        private final AtomicInteger refused = new AtomicInteger(Integer.MAX_VALUE);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Chunks(int rows, int chunkRows, CheckedRangeBody body, Thread caller) {
            this.rows = rows;
            this.chunkRows = chunkRows;
            this.count = ceilDiv(rows, chunkRows);
            this.body = body;
            this.caller = caller;
            this.unfinished = new AtomicInteger(count);
        }

        /** Scores chunks until none is left; never throws (a failure is kept for the caller). */
        void work() {
            for (int c = next.getAndIncrement(); c < count; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        int from = c * chunkRows;
                        int row = body.run(from, chunkEnd(rows, from, chunkRows));
                        if (row >= 0) {
                            refused.accumulateAndGet(row, Math::min);
                        }
                    }
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                    }
                } finally {
                    if (unfinished.decrementAndGet() == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Waits, on the calling thread, until every chunk is done (all are taken once it worked). */
        void awaitTaken() {
            boolean interrupted = false;
            while (unfinished.get() > 0) {
                LockSupport.park(this);
                // The workers still read the buffers: keep waiting, and restore the interrupt afterwards.
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** The smallest refused row or -1, once done; rethrows a failure of any chunk. */
        int result() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("a kernel chunk failed", t);
            }
            int row = refused.get();
            return row == Integer.MAX_VALUE ? -1 : row;
        }
    }
}
