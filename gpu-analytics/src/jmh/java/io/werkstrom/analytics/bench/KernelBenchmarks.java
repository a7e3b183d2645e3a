package io.werkstrom.analytics.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

/**
 * Each analytics kernel on the Java backend ({@link #backend}) and as a plain single-threaded
 * loop over the same data ({@link #plainLoop}), the in-run baseline. One operation is one run
 * over the workload's batch; {@link AnalyticsBenchmarks} turns operations into samples per second
 * per core and prints the ratio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KernelBenchmarks {

    /** Univariate rows per batch; the other workloads scale from it (see {@link KernelWorkloads}). */
    public static final int ROWS = 1 << 20;
    public static final long SEED = 42;

    @Param({"robust-z", "robust-z-modes", "pca-t2-spe", "mset", "gbt-predict"})
    public String kernel;

    private JavaKernelBackend backend;
    private KernelWorkloads workloads;
    private KernelWorkloads.Workload workload;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new JavaKernelBackend();
        workloads = new KernelWorkloads(backend, ROWS, SEED);
        workload = workloads.workloads().stream().filter(w -> w.name().equals(kernel)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload " + kernel));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workloads.close();
        backend.close();
    }

    @Benchmark
    public void backend() {
        workload.run();
    }

    @Benchmark
    public void plainLoop() {
        workload.runPlainLoop();
    }
}
