package io.werkstrom.analytics.detect;

import java.util.Arrays;

/**
 * The recent samples of one series and the baseline computed from them: the median and scale of
 * the whole window, and the scoring bands of its modes (see {@link ModeSplitter}).
 *
 * <p>The window is kept twice: in arrival order (a ring, to know which sample leaves) and sorted
 * (so a median is a lookup, a MAD one outward walk from it, and the modes a few linear passes).
 * Adding a sample costs a binary search and an array shift, O(window) memory moves at worst, and
 * marks the baseline stale; recomputing it is O(window * maxModes) with no allocation beyond the
 * splitter's scratch arrays. Not thread-safe.
 */
final class SeriesWindow {

    private static final int INITIAL_CAPACITY = 16;

    final String machine;
    final String sensor;

    private final int windowSize;
    /** Arrival order; while not full, {@code ring[0..count)} from oldest, afterwards oldest at {@code head}. */
    private double[] ring;
    private double[] sorted;
    private int count;
    private int head;

    private boolean hasBaseline;
    private boolean stale = true;
    private double center;
    private double scale;
    private int bands;
    private double[] bandLower;
    private double[] bandUpper;
    private double[] bandScale;

    /** Position of this series in the current batch's per-series columns, valid while {@code slotBatch} matches. */
    int slot;
    long slotBatch = -1;
    /** Time of the series' first learned sample; {@link #LEARNED_LONG_AGO} when unknown (older state). */
    long firstSampleMicros = NO_SAMPLE_YET;

    static final long NO_SAMPLE_YET = Long.MAX_VALUE;
    static final long LEARNED_LONG_AGO = Long.MIN_VALUE;

    SeriesWindow(String machine, String sensor, int windowSize) {
        this.machine = machine;
        this.sensor = sensor;
        this.windowSize = windowSize;
        int capacity = Math.min(windowSize, INITIAL_CAPACITY);
        this.ring = new double[capacity];
        this.sorted = new double[capacity];
    }

    /** A deep copy: same samples, baseline and first-sample time, learning independently afterwards. */
    SeriesWindow copy() {
        SeriesWindow copy = new SeriesWindow(machine, sensor, windowSize);
        copy.ring = ring.clone();
        copy.sorted = sorted.clone();
        copy.count = count;
        copy.head = head;
        copy.hasBaseline = hasBaseline;
        copy.stale = stale;
        copy.center = center;
        copy.scale = scale;
        copy.bands = bands;
        copy.bandLower = bandLower == null ? null : bandLower.clone();
        copy.bandUpper = bandUpper == null ? null : bandUpper.clone();
        copy.bandScale = bandScale == null ? null : bandScale.clone();
        copy.slot = slot;
        copy.slotBatch = slotBatch;
        copy.firstSampleMicros = firstSampleMicros;
        return copy;
    }

    int count() {
        return count;
    }

    boolean hasBaseline() {
        return hasBaseline;
    }

    double center() {
        return center;
    }

    double scale() {
        return scale;
    }

    /** Whether samples arrived since the baseline was last computed. */
    boolean isStale() {
        return stale;
    }

    /** The scoring bands: the modes, then the transitions between them; at least one with a baseline. */
    int bandCount() {
        return bands;
    }

    double bandLower(int band) {
        return bandLower[band];
    }

    double bandUpper(int band) {
        return bandUpper[band];
    }

    double bandScale(int band) {
        return bandScale[band];
    }

    /** Adds a finite sample, dropping the oldest when the window is full. Marks the baseline stale. */
    void add(double value) {
        stale = true;
        if (count < windowSize) {
            if (count == ring.length) {
                int capacity = Math.min(windowSize, count * 2);
                ring = Arrays.copyOf(ring, capacity);
                sorted = Arrays.copyOf(sorted, capacity);
            }
            ring[count] = value;
            insertSorted(value);
            return;
        }
        double oldest = ring[head];
        ring[head] = value;
        head = head + 1 == windowSize ? 0 : head + 1;
        removeSorted(oldest);
        insertSorted(value);
    }

    /**
     * Fills an empty window with {@code values} (oldest first, finite), keeping the newest
     * {@code windowSize}; as many {@link #add} calls would, but sorting once.
     */
    void fill(double[] values) {
        if (count != 0) {
            throw new IllegalStateException("fill needs an empty window.");
        }
        int skip = Math.max(0, values.length - windowSize);
        int n = values.length - skip;
        if (ring.length < n) {
            ring = new double[n];
            sorted = new double[n];
        }
        System.arraycopy(values, skip, ring, 0, n);
        System.arraycopy(values, skip, sorted, 0, n);
        // Arrays.sort and the binary search in add order doubles alike (-0.0 before 0.0).
        Arrays.sort(sorted, 0, n);
        count = n;
        head = 0;
        stale = true;
    }

    /** {@link #recomputeBaseline(RobustZScoreOptions, ModeSplitter)} with a splitter of its own. */
    void recomputeBaseline(RobustZScoreOptions options) {
        recomputeBaseline(options, new ModeSplitter(options));
    }

    /**
     * Recomputes the baseline from the window (blended into the previous one when the options are
     * {@link RobustZScoreOptions#adaptive() adaptive}): the whole window's median and {@code scale =
     * max(1.4826 * MAD, relativeFloor * |median|, absoluteFloor)}, capped at
     * {@link Double#MAX_VALUE}, and the bands of its modes; a window that is not split has one
     * band, that median and scale. Without {@code minSamples} samples the series has no baseline.
     */
    void recomputeBaseline(RobustZScoreOptions options, ModeSplitter splitter) {
        stale = false;
        int n = count;
        if (n < options.minSamples()) {
            hasBaseline = false;
            bands = 0;
            return;
        }
        int maxBands = ModeSplitter.maxBands(options);
        if (bandLower == null || bandLower.length < maxBands) {
            bandLower = new double[maxBands];
            bandUpper = new double[maxBands];
            bandScale = new double[maxBands];
        }
        int previousBands = hasBaseline ? bands : 0;
        double[] previous = null;
        if (options.adaptive() && previousBands > 0) {
            previous = new double[3 * previousBands];
            System.arraycopy(bandLower, 0, previous, 0, previousBands);
            System.arraycopy(bandUpper, 0, previous, previousBands, previousBands);
            System.arraycopy(bandScale, 0, previous, 2 * previousBands, previousBands);
        }
        bands = splitter.bands(sorted, n, bandLower, bandUpper, bandScale);
        if (previous != null && bands == previousBands) {
            // The adaptive baseline: an EWMA over batches of each band's median (or interval) and scale.
            double w = options.ewmaWeight();
            for (int b = 0; b < bands; b++) {
                bandLower[b] = w * bandLower[b] + (1 - w) * previous[b];
                bandUpper[b] = Math.max(bandLower[b], w * bandUpper[b] + (1 - w) * previous[bands + b]);
                bandScale[b] = w * bandScale[b] + (1 - w) * previous[2 * bands + b];
            }
        }
        if (bands == 1) {
            // One band is the unsplit window: its median and scale.
            center = bandLower[0];
            scale = bandScale[0];
        } else {
            center = ModeSplitter.median(sorted, 0, n);
            scale = ModeSplitter.scale(sorted, 0, n, center, options);
        }
        hasBaseline = true;
    }

    /** The window, oldest first. */
    double[] valuesInArrivalOrder() {
        double[] values = new double[count];
        if (count < windowSize) {
            System.arraycopy(ring, 0, values, 0, count);
        } else {
            int tail = windowSize - head;
            System.arraycopy(ring, head, values, 0, tail);
            System.arraycopy(ring, 0, values, tail, head);
        }
        return values;
    }

    private void insertSorted(double value) {
        int at = Arrays.binarySearch(sorted, 0, count, value);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = value;
        count++;
    }

    private void removeSorted(double value) {
        // The value is in the window, so the search finds a bit-identical copy of it.
        int at = Arrays.binarySearch(sorted, 0, count, value);
        System.arraycopy(sorted, at + 1, sorted, at, count - at - 1);
        count--;
    }
}
