package io.werkstrom.analytics.kernel;

import java.util.Objects;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

/**
 * A kernel backend that runs every kernel on another backend after {@link #beforeCall()}: the base
 * of wrappers that add one rule to each call, such as a lease that must still be held
 * ({@link SharedKernelBackend}). Whether {@link #close()} closes the other backend is the
 * subclass's to say.
 */
public abstract class ForwardingKernelBackend implements KernelBackend {

    private final KernelBackend delegate;

    protected ForwardingKernelBackend(KernelBackend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate must not be null.");
    }

    /** The backend that runs the kernels. */
    protected final KernelBackend delegate() {
        return delegate;
    }

    /** Runs before each kernel call, on the caller's thread; throws to refuse the call. */
    protected abstract void beforeCall();

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        beforeCall();
        delegate.robustZ(values, seriesIndex, center, scale, out);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        beforeCall();
        delegate.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                         Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                         Float8Vector spe) {
        beforeCall();
        delegate.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe);
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        beforeCall();
        delegate.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        beforeCall();
        delegate.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                nodeValue, baseScore, out);
    }
}
