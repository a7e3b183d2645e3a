package io.werkstrom.analytics.predict;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Fits one {@link GradientBoostedTrees}: bins the features once, then per round computes
 * gradients, grows a tree best-split-first on gradient histograms (the smaller child's histogram
 * is built, its sibling's is the parent's minus it) and adds the tree's leaves to the margins.
 * Per-feature work runs in parallel; each feature's histogram is summed by one thread in row
 * order, so results do not depend on the thread count. One use per instance.
 */
final class GbtTrainer {

    /** Row-feature cells below which a histogram is built on one thread. */
    private static final long PARALLEL_CELLS = 1 << 16;

    private final double[] x;
    private final int featureCount;
    private final double[] y;
    private final GbtOptions o;
    private final int rowCount;

    private FeatureBinner binner;
    private int[] bins;
    private int[] histOffset;
    private int histSize;

    // The forest under construction.
    private final List<Integer> roots = new ArrayList<>();
    private int[] nodeFeature = new int[1024];
    private double[] nodeThreshold = new double[1024];
    private int[] nodeLeft = new int[1024];
    private int[] nodeRight = new int[1024];
    private double[] nodeValue = new double[1024];
    private int nodes;
    /** Histograms of finished leaves, reused so that each tree does not allocate afresh. */
    private final ArrayDeque<double[]> histogramPool = new ArrayDeque<>();

    GbtTrainer(double[] x, int featureCount, double[] y, GbtOptions options) {
        if (featureCount < 1) {
            throw new IllegalArgumentException("featureCount must be >= 1 (was " + featureCount + ").");
        }
        if (y.length == 0) {
            throw new IllegalArgumentException("y must hold at least one row.");
        }
        if ((long) y.length * featureCount != x.length) {
            throw new IllegalArgumentException("x holds " + x.length + " values; " + y.length + " rows of "
                    + featureCount + " features need " + (long) y.length * featureCount + ".");
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("x has a non-finite value at row " + i / featureCount
                        + ", feature " + i % featureCount + ".");
            }
        }
        for (int i = 0; i < y.length; i++) {
            boolean ok = options.loss() == GradientBoostedTrees.Loss.LOGISTIC ? (y[i] == 0 || y[i] == 1)
                    : Double.isFinite(y[i]);
            if (!ok) {
                throw new IllegalArgumentException("y[" + i + "] = " + y[i] + " is not a valid "
                        + options.loss() + " target.");
            }
        }
        this.x = x;
        this.featureCount = featureCount;
        this.y = y;
        this.o = options;
        this.rowCount = y.length;
    }

    GradientBoostedTrees train() {
        binner = FeatureBinner.fit(x, rowCount, featureCount, o.maxBins());
        bins = binner.bin(x, rowCount);
        histOffset = new int[featureCount + 1];
        for (int f = 0; f < featureCount; f++) {
            histOffset[f + 1] = histOffset[f] + binner.binCount(f) * PredictKernels.HIST_STRIDE;
        }
        histSize = histOffset[featureCount];

        double base = baseScore();
        double[] margin = new double[rowCount];
        Arrays.fill(margin, base);
        double[] grad = new double[rowCount];
        double[] hess = new double[rowCount];
        SplittableRandom random = new SplittableRandom(o.seed());
        int[] allRows = IntStream.range(0, rowCount).toArray();
        int[] allFeatures = IntStream.range(0, featureCount).toArray();

        for (int t = 0; t < o.trees(); t++) {
            if (o.loss() == GradientBoostedTrees.Loss.LOGISTIC) {
                PredictKernels.logisticGradients(margin, y, grad, hess, 0, rowCount);
            } else {
                PredictKernels.squaredGradients(margin, y, grad, hess, 0, rowCount);
            }
            int[] rows = o.rowSubsample() < 1 ? sampleRows(random) : allRows.clone();
            int[] features = o.featureSubsample() < 1 ? sampleFeatures(random) : allFeatures;
            int root = growTree(rows, features, grad, hess);
            roots.add(root);
            int[] rootArray = {root};
            PredictKernels.addTreePredictions(x, featureCount, rootArray, 0, 1, nodeFeature, nodeThreshold,
                    nodeLeft, nodeRight, nodeValue, margin, 0, rowCount);
        }
        return new GradientBoostedTrees(o.loss(), featureCount, base,
                roots.stream().mapToInt(Integer::intValue).toArray(), Arrays.copyOf(nodeFeature, nodes),
                Arrays.copyOf(nodeThreshold, nodes), Arrays.copyOf(nodeLeft, nodes), Arrays.copyOf(nodeRight, nodes),
                Arrays.copyOf(nodeValue, nodes));
    }

    private double baseScore() {
        double mean = 0;
        for (double v : y) {
            mean += v;
        }
        mean /= rowCount;
        if (o.loss() == GradientBoostedTrees.Loss.LOGISTIC) {
            double p = Math.min(1 - 1e-6, Math.max(1e-6, mean));
            return Math.log(p / (1 - p));
        }
        return mean;
    }

    private int[] sampleRows(SplittableRandom random) {
        int[] rows = new int[rowCount];
        int n = 0;
        for (int r = 0; r < rowCount; r++) {
            if (random.nextDouble() < o.rowSubsample()) {
                rows[n++] = r;
            }
        }
        if (n == 0) {
            rows[n++] = random.nextInt(rowCount);
        }
        return Arrays.copyOf(rows, n);
    }

    private int[] sampleFeatures(SplittableRandom random) {
        int k = Math.max(1, (int) Math.round(o.featureSubsample() * featureCount));
        int[] all = IntStream.range(0, featureCount).toArray();
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(featureCount - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        int[] chosen = Arrays.copyOf(all, k);
        Arrays.sort(chosen);
        return chosen;
    }

    /** A leaf that may still be split: its rows are {@code rows[from .. to)}. */
    private static final class Leaf {
        int node;
        int from;
        int to;
        int depth;
        double grad;
        double hess;
        double[] hist;
        int splitFeature = -1;
        int splitBin;
        double gain;
    }

    private int growTree(int[] rows, int[] features, double[] grad, double[] hess) {
        Leaf root = new Leaf();
        root.node = newNode();
        root.from = 0;
        root.to = rows.length;
        root.depth = 0;
        root.hist = newHistogram(features);
        buildHistogram(root.hist, rows, 0, rows.length, features, grad, hess);
        for (int r : rows) {
            root.grad += grad[r];
            root.hess += hess[r];
        }
        findSplit(root, features);

        List<Leaf> leaves = new ArrayList<>();
        leaves.add(root);
        int[] scratch = new int[rows.length];
        while (leaves.size() < o.maxLeaves()) {
            Leaf best = null;
            for (Leaf leaf : leaves) {
                if (leaf.splitFeature >= 0 && (best == null || leaf.gain > best.gain)) {
                    best = leaf;
                }
            }
            if (best == null) {
                break;
            }
            leaves.remove(best);
            Leaf[] children = split(best, rows, scratch, features, grad, hess);
            leaves.add(children[0]);
            leaves.add(children[1]);
        }
        for (Leaf leaf : leaves) {
            nodeFeature[leaf.node] = -1;
            nodeValue[leaf.node] = -leaf.grad / (leaf.hess + o.l2()) * o.learningRate();
            if (leaf.hist != null) {
                histogramPool.push(leaf.hist);
                leaf.hist = null;
            }
        }
        return root.node;
    }

    private Leaf[] split(Leaf parent, int[] rows, int[] scratch, int[] features, double[] grad, double[] hess) {
        int f = parent.splitFeature;
        int bin = parent.splitBin;
        // Stable partition: rows keep their order on each side, so sums stay reproducible.
        int column = f * rowCount;
        int left = parent.from;
        int right = 0;
        for (int i = parent.from; i < parent.to; i++) {
            int r = rows[i];
            if (bins[column + r] <= bin) {
                rows[left++] = r;
            } else {
                scratch[right++] = r;
            }
        }
        System.arraycopy(scratch, 0, rows, left, right);

        int node = parent.node;
        nodeFeature[node] = f;
        nodeThreshold[node] = binner.threshold(f, bin);
        Leaf l = new Leaf();
        Leaf r = new Leaf();
        l.node = newNode();
        r.node = newNode();
        nodeLeft[node] = l.node;
        nodeRight[node] = r.node;
        l.from = parent.from;
        l.to = left;
        r.from = left;
        r.to = parent.to;
        l.depth = parent.depth + 1;
        r.depth = parent.depth + 1;
        for (int b = 0; b <= bin; b++) {
            int h = histOffset[f] + b * PredictKernels.HIST_STRIDE;
            l.grad += parent.hist[h];
            l.hess += parent.hist[h + 1];
        }
        r.grad = parent.grad - l.grad;
        r.hess = parent.hess - l.hess;

        boolean splittable = parent.depth + 1 < o.maxDepth();
        if (splittable) {
            Leaf small = (l.to - l.from) <= (r.to - r.from) ? l : r;
            Leaf large = small == l ? r : l;
            small.hist = newHistogram(features);
            buildHistogram(small.hist, rows, small.from, small.to, features, grad, hess);
            // The parent's histogram becomes the larger child's. Only the features of this tree
            // are ever read, so only their ranges are kept up to date.
            for (int feature : features) {
                PredictKernels.subtract(parent.hist, small.hist, parent.hist, histOffset[feature],
                        histOffset[feature + 1]);
            }
            large.hist = parent.hist;
            findSplit(l, features);
            findSplit(r, features);
        } else {
            histogramPool.push(parent.hist);
        }
        parent.hist = null;
        return new Leaf[] {l, r};
    }

    private void buildHistogram(double[] hist, int[] rows, int from, int to, int[] features, double[] grad,
                                double[] hess) {
        IntStream stream = IntStream.range(0, features.length);
        if ((long) (to - from) * features.length >= PARALLEL_CELLS) {
            stream = stream.parallel();
        }
        stream.forEach(i -> {
            int f = features[i];
            PredictKernels.accumulateHistogram(bins, rowCount, f, rows, from, to, grad, hess, hist, histOffset[f]);
        });
    }

    private void findSplit(Leaf leaf, int[] features) {
        leaf.splitFeature = -1;
        double rowsInLeaf = leaf.to - leaf.from;
        if (rowsInLeaf < 2.0 * o.minLeafRows()) {
            return;
        }
        double[] gain = new double[1];
        double bestGain = o.minSplitGain();
        for (int f : features) {
            int b = PredictKernels.bestSplitBin(leaf.hist, histOffset[f], binner.binCount(f), leaf.grad, leaf.hess,
                    rowsInLeaf, o.l2(), o.minLeafRows(), o.minLeafHessian(), gain);
            if (b >= 0 && gain[0] > bestGain) {
                bestGain = gain[0];
                leaf.splitFeature = f;
                leaf.splitBin = b;
            }
        }
        leaf.gain = bestGain;
    }

    /** A histogram whose ranges for {@code features} are zero; other ranges hold leftovers. */
    private double[] newHistogram(int[] features) {
        double[] hist = histogramPool.poll();
        if (hist == null) {
            return new double[histSize];
        }
        for (int f : features) {
            Arrays.fill(hist, histOffset[f], histOffset[f + 1], 0.0);
        }
        return hist;
    }

    private int newNode() {
        if (nodes == nodeFeature.length) {
            int n = nodes * 2;
            nodeFeature = Arrays.copyOf(nodeFeature, n);
            nodeThreshold = Arrays.copyOf(nodeThreshold, n);
            nodeLeft = Arrays.copyOf(nodeLeft, n);
            nodeRight = Arrays.copyOf(nodeRight, n);
            nodeValue = Arrays.copyOf(nodeValue, n);
        }
        nodeFeature[nodes] = -1;
        return nodes++;
    }
}
