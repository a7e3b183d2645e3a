package io.werkstrom.analytics.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * The plain-Java kernel backend, the default everywhere. Batches below a row cutoff run on the
 * calling thread; larger ones are split into row ranges on a bounded fork-join pool that this
 * backend owns and shuts down on {@link #close()}.
 *
 * <p>Thread-safe: several callers may run kernels at once and share the pool.
 */
public final class JavaKernelBackend implements KernelBackend {

    /** Rows below which a kernel runs single-threaded: splitting costs more than it gains there. */
    public static final int DEFAULT_PARALLEL_CUTOFF = 65_536;

    /** The smallest row range a worker takes, so that tasks stay large next to their overhead. */
    private static final int MIN_CHUNK_ROWS = 8_192;

    private final int parallelism;
    private final int parallelCutoff;
    private final ForkJoinPool pool;
    private volatile boolean closed;

    /** A backend with one worker per available core (at most 8) and the default cutoff. */
    public JavaKernelBackend() {
        this(Math.min(8, Runtime.getRuntime().availableProcessors()), DEFAULT_PARALLEL_CUTOFF);
    }

    /**
     * @param parallelism    worker threads for large batches, &ge; 1; 1 never starts a thread
     * @param parallelCutoff batches with fewer rows run on the calling thread, &ge; 1
     */
    public JavaKernelBackend(int parallelism, int parallelCutoff) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1 (was " + parallelism + ").");
        }
        if (parallelCutoff < 1) {
            throw new IllegalArgumentException("parallelCutoff must be >= 1 (was " + parallelCutoff + ").");
        }
        this.parallelism = parallelism;
        this.parallelCutoff = parallelCutoff;
        this.pool = parallelism == 1 ? null : new ForkJoinPool(parallelism, JavaKernelBackend::newWorker, null, false);
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
        int rows = KernelArguments.checkRobustZ(values, seriesIndex, center, scale, out);
        ArrowBuf v = values.getDataBuffer();
        ArrowBuf s = seriesIndex.getDataBuffer();
        ArrowBuf c = center.getDataBuffer();
        ArrowBuf k = scale.getDataBuffer();
        ArrowBuf o = out.getDataBuffer();
        if (pool == null || rows < parallelCutoff) {
            Kernels.robustZ(v, s, c, k, o, 0, rows);
        } else {
            int grain = Math.max(MIN_CHUNK_ROWS, rows / (parallelism * 4));
            pool.invoke(new RangeTask(0, rows, grain, (from, to) -> Kernels.robustZ(v, s, c, k, o, from, to)));
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        checkOpen();
        int modesPerSeries = KernelArguments.checkRobustZModes(values, seriesIndex, lower, upper, scale, modeCount,
                out);
        int rows = values.getValueCount();
        ArrowBuf v = values.getDataBuffer();
        ArrowBuf s = seriesIndex.getDataBuffer();
        ArrowBuf lo = lower.getDataBuffer();
        ArrowBuf hi = upper.getDataBuffer();
        ArrowBuf k = scale.getDataBuffer();
        ArrowBuf c = modeCount.getDataBuffer();
        ArrowBuf o = out.getDataBuffer();
        if (pool == null || rows < parallelCutoff) {
            Kernels.robustZModes(v, s, lo, hi, k, c, modesPerSeries, o, 0, rows);
        } else {
            int grain = Math.max(MIN_CHUNK_ROWS, rows / (parallelism * 4));
            pool.invoke(new RangeTask(0, rows, grain,
                    (from, to) -> Kernels.robustZModes(v, s, lo, hi, k, c, modesPerSeries, o, from, to)));
        }
        KernelArguments.markValid(out, rows);
    }

    @Override
    public void close() {
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

    /** Halves a row range until it is at most {@code grain} rows, then runs the kernel on it. */
    private static final class RangeTask extends RecursiveAction {
        private final int from;
        private final int to;
        private final int grain;
        private final RangeBody body;

        RangeTask(int from, int to, int grain, RangeBody body) {
            this.from = from;
            this.to = to;
            this.grain = grain;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from <= grain) {
                body.run(from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new RangeTask(from, mid, grain, body), new RangeTask(mid, to, grain, body));
        }
    }
}
