package io.werkstrom.analytics.predict;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Cut points that turn each feature column into at most {@code maxBins} bins for histogram-based
 * tree learning. A feature with few distinct values gets one bin per value (splits as exact as
 * sorting would give); a feature with more gets bins of about equal row counts. Each cut point
 * lies strictly between two neighbouring distinct training values, so a split on bins is the same
 * split on raw values ({@link PredictKernels#binColumn}).
 *
 * <p>Immutable and thread-safe once built.
 */
final class FeatureBinner {

    private final int featureCount;
    /** Edges of feature f are {@code edges[edgeFrom[f] .. edgeFrom[f] + edgeCount[f])}, ascending. */
    private final double[] edges;
    private final int[] edgeFrom;
    private final int[] edgeCount;

    private FeatureBinner(int featureCount, double[] edges, int[] edgeFrom, int[] edgeCount) {
        this.featureCount = featureCount;
        this.edges = edges;
        this.edgeFrom = edgeFrom;
        this.edgeCount = edgeCount;
    }

    /** Cut points for each column of the row-major matrix {@code x} of {@code rowCount} rows. */
    static FeatureBinner fit(double[] x, int rowCount, int featureCount, int maxBins) {
        double[][] perFeature = new double[featureCount][];
        IntStream.range(0, featureCount).parallel().forEach(f -> perFeature[f] = edgesOf(x, rowCount, featureCount,
                f, maxBins));
        int[] from = new int[featureCount];
        int[] count = new int[featureCount];
        int total = 0;
        for (int f = 0; f < featureCount; f++) {
            from[f] = total;
            count[f] = perFeature[f].length;
            total += count[f];
        }
        double[] all = new double[total];
        for (int f = 0; f < featureCount; f++) {
            System.arraycopy(perFeature[f], 0, all, from[f], count[f]);
        }
        return new FeatureBinner(featureCount, all, from, count);
    }

    private static double[] edgesOf(double[] x, int rowCount, int featureCount, int feature, int maxBins) {
        double[] column = new double[rowCount];
        for (int r = 0; r < rowCount; r++) {
            column[r] = x[r * featureCount + feature];
        }
        Arrays.sort(column);
        // Distinct values and how many rows hold each.
        double[] distinct = new double[rowCount];
        int[] counts = new int[rowCount];
        int d = 0;
        for (int r = 0; r < rowCount; r++) {
            if (d > 0 && column[r] == distinct[d - 1]) {
                counts[d - 1]++;
            } else {
                distinct[d] = column[r];
                counts[d] = 1;
                d++;
            }
        }
        if (d <= 1) {
            return new double[0];
        }
        if (d <= maxBins) {
            double[] edges = new double[d - 1];
            for (int i = 0; i < d - 1; i++) {
                edges[i] = between(distinct[i], distinct[i + 1]);
            }
            return edges;
        }
        // Equal-frequency cuts, never splitting the rows of one value.
        double[] edges = new double[maxBins - 1];
        int e = 0;
        double perBin = (double) rowCount / maxBins;
        long seen = 0;
        for (int i = 0; i < d - 1 && e < maxBins - 1; i++) {
            seen += counts[i];
            if (seen >= perBin * (e + 1)) {
                edges[e++] = between(distinct[i], distinct[i + 1]);
            }
        }
        return Arrays.copyOf(edges, e);
    }

    /** A value strictly between {@code a < b} with {@code a <= result < b}. */
    private static double between(double a, double b) {
        double m = a + (b - a) / 2;
        return m >= b ? a : m;
    }

    int featureCount() {
        return featureCount;
    }

    /** Bins of feature f: one more than its cut points. */
    int binCount(int feature) {
        return edgeCount[feature] + 1;
    }

    /** The raw threshold equivalent to "bin {@code <= bin}" of {@code feature}. */
    double threshold(int feature, int bin) {
        return edges[edgeFrom[feature] + bin];
    }

    /** The column-major bin matrix of the row-major {@code x}: {@code bins[f * rowCount + r]}. */
    int[] bin(double[] x, int rowCount) {
        int[] bins = new int[featureCount * rowCount];
        IntStream.range(0, featureCount).parallel().forEach(f -> PredictKernels.binColumn(x, featureCount, f, edges,
                edgeFrom[f], edgeCount[f], bins, f * rowCount, 0, rowCount));
        return bins;
    }
}
