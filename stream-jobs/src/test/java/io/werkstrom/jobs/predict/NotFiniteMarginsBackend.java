package io.werkstrom.jobs.predict;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;

/**
 * The shared Java backend, but its tree margins come back NaN, as from a faulty device or analytics
 * service. Not thread-safe.
 */
final class NotFiniteMarginsBackend extends ForwardingKernelBackend {

    NotFiniteMarginsBackend() {
        super(JavaKernelBackend.shared());
    }

    @Override
    protected void beforeCall() {
        // every call goes through
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        super.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                nodeValue, baseScore, out);
        for (int i = 0; i < out.getValueCount(); i++) {
            out.set(i, Double.NaN);
        }
    }

    @Override
    public String name() {
        return "not-finite(" + delegate().name() + ")";
    }

    @Override
    public void close() {
        // The shared backend is the process's; nothing of ours to release.
    }
}
