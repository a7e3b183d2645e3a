package io.werkstrom.analytics.detect;

import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;

import io.werkstrom.analytics.kernel.KernelBackend;

/** Delegates to a real backend and keeps every score it returned, one array per kernel output and call, of any kernel. */
final class RecordingBackend implements KernelBackend {

    private final KernelBackend delegate;
    final List<double[]> calls = new ArrayList<>();

    RecordingBackend(KernelBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "recording-" + delegate.name();
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        delegate.robustZ(values, seriesIndex, center, scale, out);
        record(out);
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        delegate.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out);
        record(out);
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                         Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                         Float8Vector spe) {
        delegate.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe);
        record(t2);
        record(spe);
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        delegate.msetResiduals(rows, dims, modelIndex, mean, scale, memory, memoryCount, inverse, bandwidth, out);
        record(out);
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        delegate.treeMargins(features, featureCount, treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight,
                nodeValue, baseScore, out);
        record(out);
    }

    private void record(Float8Vector out) {
        double[] scores = new double[out.getValueCount()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = out.get(i);
        }
        calls.add(scores);
    }

    List<Double> allScores() {
        List<Double> all = new ArrayList<>();
        for (double[] call : calls) {
            for (double s : call) {
                all.add(s);
            }
        }
        return all;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
