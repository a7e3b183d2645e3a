package io.werkstrom.analytics.predict;

/**
 * The numeric hot loops of the prediction models as static methods over primitive arrays, in the
 * style of {@link io.werkstrom.analytics.kernel.Kernels}: no state, no allocation, each over a
 * range {@code [from, to)} of rows (or of the listed rows) so that a caller can split the work
 * across threads and a device backend can mirror the loop body one item per work item.
 *
 * <p>Layouts: a feature matrix is row-major, {@code x[row * featureCount + feature]}; a binned
 * matrix is column-major, {@code bins[feature * rowCount + row]}, so that building the histogram
 * of one feature reads one contiguous column; a histogram holds {@link #HIST_STRIDE} doubles per
 * bin (gradient sum, hessian sum, row count). A forest is a set of flat node arrays shared by all
 * trees: a node with {@code nodeFeature < 0} is a leaf holding {@code nodeValue}, any other sends
 * a row to {@code nodeLeft} when {@code x[feature] <= nodeThreshold}, else to {@code nodeRight}.
 */
public final class PredictKernels {

    /** Doubles per histogram bin: gradient sum, hessian sum, row count. */
    public static final int HIST_STRIDE = 3;

    private PredictKernels() {
    }

    /**
     * {@code bins[binOffset + i]} = the number of {@code edges[edgeFrom .. edgeFrom + edgeCount)}
     * strictly below {@code x[i * featureCount + feature]}, for {@code i} in {@code [from, to)}.
     * With ascending edges, {@code value <= edges[edgeFrom + b]} exactly when its bin is
     * {@code <= b}, so a split on bins is the same split on raw values.
     */
    public static void binColumn(double[] x, int featureCount, int feature, double[] edges, int edgeFrom,
                                 int edgeCount, int[] bins, int binOffset, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = x[i * featureCount + feature];
            int lo = 0;
            int hi = edgeCount;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[edgeFrom + mid] < v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            bins[binOffset + i] = lo;
        }
    }

    /**
     * Adds gradient, hessian and a count of one for each of {@code rows[from .. to)} into the bin
     * of {@code feature} the row falls in: {@code hist[histOffset + bin * HIST_STRIDE + k]}.
     */
    public static void accumulateHistogram(int[] bins, int rowCount, int feature, int[] rows, int from, int to,
                                           double[] grad, double[] hess, double[] hist, int histOffset) {
        int column = feature * rowCount;
        for (int i = from; i < to; i++) {
            int r = rows[i];
            int h = histOffset + bins[column + r] * HIST_STRIDE;
            hist[h] += grad[r];
            hist[h + 1] += hess[r];
            hist[h + 2] += 1.0;
        }
    }

    /** {@code out[i] = a[i] - b[i]} for {@code i} in {@code [from, to)}: a sibling's histogram from its parent's. */
    public static void subtract(double[] a, double[] b, double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = a[i] - b[i];
        }
    }

    /**
     * Scans the bins of one feature's histogram ({@code binCount} bins from {@code histOffset}) for
     * the split "bin {@code <= b} goes left" with the largest gain
     * {@code GL^2/(HL+l2) + GR^2/(HR+l2) - G^2/(H+l2)} whose both sides hold at least
     * {@code minRows} rows and {@code minHess} hessian. The first best bin wins ties, so the
     * result does not depend on floating-point luck beyond the sums themselves.
     *
     * @return the best bin, or -1 when no split meets the constraints; its gain is in
     *         {@code gainOut[0]}
     */
    public static int bestSplitBin(double[] hist, int histOffset, int binCount, double gradSum, double hessSum,
                                   double rowSum, double l2, double minRows, double minHess, double[] gainOut) {
        double parent = gradSum * gradSum / (hessSum + l2);
        double gl = 0;
        double hl = 0;
        double nl = 0;
        int best = -1;
        double bestGain = 0;
        for (int b = 0; b < binCount - 1; b++) {
            int h = histOffset + b * HIST_STRIDE;
            gl += hist[h];
            hl += hist[h + 1];
            nl += hist[h + 2];
            double nr = rowSum - nl;
            double hr = hessSum - hl;
            if (nl < minRows || hl < minHess) {
                continue;
            }
            if (nr < minRows || hr < minHess) {
                break;
            }
            double gr = gradSum - gl;
            double gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
            if (gain > bestGain) {
                bestGain = gain;
                best = b;
            }
        }
        gainOut[0] = bestGain;
        return best;
    }

    /**
     * {@code out[i] += } the leaf value each tree {@code treeRoots[treeFrom .. treeTo)} sends row
     * {@code i} to, for {@code i} in {@code [from, to)}.
     */
    public static void addTreePredictions(double[] x, int featureCount, int[] treeRoots, int treeFrom, int treeTo,
                                          int[] nodeFeature, double[] nodeThreshold, int[] nodeLeft,
                                          int[] nodeRight, double[] nodeValue, double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            int row = i * featureCount;
            double sum = 0;
            for (int t = treeFrom; t < treeTo; t++) {
                int node = treeRoots[t];
                int f = nodeFeature[node];
                while (f >= 0) {
                    node = x[row + f] <= nodeThreshold[node] ? nodeLeft[node] : nodeRight[node];
                    f = nodeFeature[node];
                }
                sum += nodeValue[node];
            }
            out[i] += sum;
        }
    }

    /** Squared loss: {@code grad[i] = pred[i] - y[i]}, {@code hess[i] = 1}. */
    public static void squaredGradients(double[] pred, double[] y, double[] grad, double[] hess, int from, int to) {
        for (int i = from; i < to; i++) {
            grad[i] = pred[i] - y[i];
            hess[i] = 1.0;
        }
    }

    /**
     * Logistic loss on margins {@code pred} and labels {@code y} in {0, 1}:
     * {@code grad[i] = p - y[i]}, {@code hess[i] = p (1 - p)} with {@code p = sigmoid(pred[i])}.
     */
    public static void logisticGradients(double[] pred, double[] y, double[] grad, double[] hess, int from, int to) {
        for (int i = from; i < to; i++) {
            double p = sigmoid(pred[i]);
            grad[i] = p - y[i];
            hess[i] = p * (1.0 - p);
        }
    }

    /** {@code out[i] = 1 / (1 + exp(-margin[i]))} for {@code i} in {@code [from, to)}. */
    public static void sigmoid(double[] margin, double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = sigmoid(margin[i]);
        }
    }

    static double sigmoid(double z) {
        // Both branches avoid exp of a large positive number.
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }
}
