package io.werkstrom.jobs.detect;

import java.util.function.Supplier;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * The shared Java backend, failing kernel calls on command: {@link #fail(int, int, Supplier)} lets
 * the next calls through, then fails some, as an analytics service that goes away would.
 * Not thread-safe.
 */
final class FailingKernelBackend implements KernelBackend {

    private final KernelBackend delegate = JavaKernelBackend.shared();
    private int passing;
    private int failing;
    private Supplier<RuntimeException> failure;
    private int calls;
    private int failed;

    /** Lets the next {@code pass} calls through, then fails {@code count} calls with {@code failure}. */
    void fail(int pass, int count, Supplier<RuntimeException> failure) {
        this.passing = pass;
        this.failing = count;
        this.failure = failure;
    }

    /** Fails the next {@code count} calls as an unreachable analytics service does. */
    void failUnreachable(int count) {
        fail(0, count, () -> new IllegalStateException("the analytics service at grpc://analytics:8815 is unreachable"));
    }

    /** Lets every call through again. */
    void recover() {
        fail(0, 0, null);
    }

    /** Kernel calls made, failed ones included. */
    int calls() {
        return calls;
    }

    /** Kernel calls failed. */
    int failed() {
        return failed;
    }

    private void call() {
        calls++;
        if (passing > 0) {
            passing--;
            return;
        }
        if (failing > 0) {
            failing--;
            failed++;
            throw failure.get();
        }
    }

    @Override
    public String name() {
        return "failing(" + delegate.name() + ")";
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        call();
        delegate.robustZ(values, seriesIndex, center, scale, out);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        call();
        delegate.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, Float8Vector mean, Float8Vector scale, Float8Vector loadings,
                         Float8Vector eigenvalues, Float8Vector t2, Float8Vector spe) {
        call();
        delegate.pcaT2Spe(rows, dims, mean, scale, loadings, eigenvalues, t2, spe);
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        call();
        delegate.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        call();
        delegate.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                nodeValue, baseScore, out);
    }

    @Override
    public void close() {
        // The shared backend is the process's; nothing of ours to release.
    }
}
