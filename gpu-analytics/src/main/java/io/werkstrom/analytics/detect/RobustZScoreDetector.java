package io.werkstrom.analytics.detect;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.TelemetrySchema;

/**
 * Flags samples far from every recent operating regime of their series, measured in robust
 * standard deviations of that regime.
 *
 * <p>For a series with one regime the score is the robust z-score {@code |x - median| / scale}
 * with {@code scale = max(1.4826 * MAD, relativeScaleFloor * |median|, absoluteScaleFloor)},
 * median and MAD (median absolute deviation) taken over the series' last {@code windowSize} usable
 * samples. The floors keep a flat series (MAD 0: a stuck sensor, a 0/1 signal) at a positive
 * scale, so every score is finite; a flat series that moves scores high, which is intended.
 *
 * <p>Machine signals are rarely one regime: within each production cycle spindle speed, load and
 * power switch between idle, loading and cutting levels, each held for seconds. One median then
 * sits in the majority regime and every sample of the others scores as an outlier. So the window
 * is split into modes first (at most {@code maxModes}, each holding at least
 * {@code minModeFraction} of it): a mode boundary is a stretch of sorted values at least
 * {@code modeContrast} times sparser than the dense clusters on both sides (see
 * {@code ModeSplitter}). Each mode gets its own median and scale, with the floors above, and a
 * sample scores against the nearest mode: {@code min over modes m of |x - median_m| / scale_m}.
 * A window without such a sparse stretch is one mode, and its scores are exactly the plain robust
 * z-scores; {@code maxModes = 1} never splits.
 *
 * <p>Between two regimes the signal ramps (a spindle spins up, a load builds), and the window
 * holds those ramp samples, sparse but recurring. When they cover the stretch between two
 * neighbouring medians with no gap wider than {@code transitionGap} times its length, values on
 * that stretch score zero: the series is known to pass through them. A spike that lands inside a
 * covered stretch is therefore not found; one beyond the outermost modes, or between modes the
 * series never moves between, is. A new level is an anomaly until it holds
 * {@code minModeFraction} of the window, after which it is a regime of its own. So, until a
 * series has gone through each of its regimes and transitions once (about one production cycle),
 * the ones it has not seen yet would alarm: a series is therefore only learned, not scored, for
 * its first {@code learningPeriod} (or until its window is full, whichever comes first).
 *
 * <p>A window spanning several production cycles keeps the regimes' statistics stable (the
 * default {@code windowSize} of 1024 is about 100 s at 10 samples per second). A slow drift is
 * found only while the window still holds mostly samples from before it: a window full of a
 * steady drift follows it.
 *
 * <p>A series is one (gateway, machine, sensor). Samples of quality GOOD or UNCERTAIN with a
 * finite value are usable: each is scored against the baseline as it stood before the batch and
 * then added to its window. Samples of quality BAD, with another quality code, a non-finite value
 * or a missing machine or sensor are neither scored nor learned; samples of excluded sensors are
 * skipped. Every sample lands in exactly one of the {@link Counters}. A series is scored once it
 * holds {@code minSamples} samples and has learned for {@code learningPeriod}; all rows of one series within a batch share the baseline of
 * the batch start. Baselines are recomputed from the windows when a batch scores their series,
 * so a batch costs O(windowSize * maxModes) per series it scores, however many series exist.
 *
 * <p>Each batch makes one kernel call covering every scorable row of every series in it.
 *
 * <p>With {@code ewmaWeight < 1} the baseline is adaptive: each recomputation is blended into the
 * previous baseline as an exponentially weighted moving average of the modes' medians and
 * MAD-based scales (see {@link RobustZScoreOptions}), so that a burst of outliers in the window
 * moves it only a little. The averaged baseline is not part of a snapshot: after a restore it
 * starts again from the window's estimate.
 *
 * <p>What the detector learns is a {@link RobustZScoreState}: the windows and the time of each
 * series' first sample, since baselines, modes included, are a function of them. A detector holds
 * one state of its own, checkpointed with {@link #snapshot()} and {@link #restore}; the methods
 * taking a state score against that one instead, so that one detector can serve the states of
 * many keys, each kept live between batches and serialised only when checkpointed.
 *
 * <p>Ownership: the detector borrows the {@link KernelBackend} (the caller closes it) and owns an
 * Arrow allocator, a child of the one it is given or its own root, which {@link #close()}
 * releases. States passed to it stay the caller's. Arrow buffers live only during a call. Not
 * thread-safe: one detector per operator instance.
 */
public final class RobustZScoreDetector implements AutoCloseable {

    /** The detector name in every {@link Anomaly} this detector reports. */
    public static final String NAME = "robust-z";

    /** Makes the MAD of normally distributed data an estimate of its standard deviation. */
    public static final double MAD_TO_SIGMA = 1.4826;

    private static final byte GOOD = Quality.GOOD.code();
    private static final byte UNCERTAIN = Quality.UNCERTAIN.code();

    private static final Logger LOG = LoggerFactory.getLogger(RobustZScoreDetector.class);

    private final KernelBackend backend;
    private final RobustZScoreOptions options;
    private final BufferAllocator allocator;
    private final ModeSplitter splitter;
    /** The state the single-state methods ({@link #score(TelemetryBatch)}, {@link #snapshot()}) use. */
    private final RobustZScoreState state;
    private boolean closed;

    private long scored;
    private long warmingUp;
    private long ignored;
    private long excluded;
    private long untracked;

    /** A detector with its own {@link RootAllocator}, released by {@link #close()}. */
    public RobustZScoreDetector(KernelBackend backend, RobustZScoreOptions options) {
        // Arguments are checked before the root exists, so a bad call leaks nothing.
        this(Objects.requireNonNull(backend, "backend must not be null."),
                Objects.requireNonNull(options, "options must not be null."), new RootAllocator(), true,
                new RobustZScoreState());
    }

    /**
     * A detector whose buffers come from a child of {@code parent}, released by {@link #close()};
     * the caller keeps owning {@code parent} and closes it after this detector.
     */
    public RobustZScoreDetector(KernelBackend backend, RobustZScoreOptions options, BufferAllocator parent) {
        this(Objects.requireNonNull(backend, "backend must not be null."),
                Objects.requireNonNull(options, "options must not be null."),
                Objects.requireNonNull(parent, "parent allocator must not be null."), false, new RobustZScoreState());
    }

    private RobustZScoreDetector(KernelBackend backend, RobustZScoreOptions options, BufferAllocator allocator,
                                 boolean ownRoot, RobustZScoreState state) {
        this.backend = backend;
        this.options = options;
        this.allocator = ownRoot ? allocator : allocator.newChildAllocator("robust-z-detector", 0, Long.MAX_VALUE);
        this.splitter = new ModeSplitter(options);
        this.state = state;
        state.bind(options);
    }

    public RobustZScoreOptions options() {
        return options;
    }

    /** The number of series with a window in this detector's own state. */
    public int seriesCount() {
        return state.seriesCount();
    }

    /** How many samples went which way since this detector was created (not checkpointed). */
    public Counters counters() {
        return new Counters(scored, warmingUp, ignored, excluded, untracked);
    }

    /**
     * Scores every usable sample of {@code batch}, then learns from them.
     *
     * @return the samples that scored above the threshold, in row order
     */
    public List<Anomaly> score(TelemetryBatch batch) {
        return score(batch, state);
    }

    /**
     * Scores every usable sample of {@code batch} against {@code state}, then teaches them to
     * {@code state}, exactly as {@link #score(TelemetryBatch)} does with this detector's own state.
     * This lets one detector (backend, allocator) serve many states, one per key; the state is
     * first fitted to this detector's options if it is not yet (see {@link RobustZScoreState}).
     * The counters of this detector count the samples of every state it scores. When scoring
     * fails (the kernel backend throws), {@code state} is left as it was.
     *
     * @return the samples that scored above the threshold, in row order
     */
    public List<Anomaly> score(TelemetryBatch batch, RobustZScoreState state) {
        Objects.requireNonNull(batch, "batch must not be null.");
        Objects.requireNonNull(state, "state must not be null.");
        return score(batch.gateway(), new BatchRows(batch), state);
    }

    /**
     * Scores a batch already held as Arrow vectors with the {@link TelemetrySchema} columns; the
     * gateway comes from the schema metadata ({@link TelemetrySchema#META_GATEWAY}, empty when
     * absent). The detector reads {@code root} during the call only:
     * it neither keeps nor closes it. Null cells make their row unusable.
     *
     * @throws IllegalArgumentException when {@code root} lacks a telemetry column or has it with
     *                                  another type
     */
    public List<Anomaly> score(VectorSchemaRoot root) {
        return score(root, state);
    }

    /**
     * {@link #score(VectorSchemaRoot)} against {@code state}, as
     * {@link #score(TelemetryBatch, RobustZScoreState)} is for a batch.
     */
    public List<Anomaly> score(VectorSchemaRoot root, RobustZScoreState state) {
        Objects.requireNonNull(root, "root must not be null.");
        Objects.requireNonNull(state, "state must not be null.");
        Map<String, String> meta = root.getSchema().getCustomMetadata();
        String gateway = meta == null ? null : meta.get(TelemetrySchema.META_GATEWAY);
        return score(gateway == null ? "" : gateway, new VectorRows(root), state);
    }

    /**
     * The windows of every series in a versioned binary form; call between batches. Restore with
     * {@link #restore}.
     */
    public byte[] snapshot() {
        return state.snapshot();
    }

    /**
     * A detector holding the windows of {@code snapshot}, with its own {@link RootAllocator}.
     *
     * @see #restore(KernelBackend, RobustZScoreOptions, BufferAllocator, byte[])
     */
    public static RobustZScoreDetector restore(KernelBackend backend, RobustZScoreOptions options, byte[] snapshot) {
        Objects.requireNonNull(backend, "backend must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        // Read before the root exists, so an unreadable snapshot leaks nothing.
        RobustZScoreState state = RobustZScoreState.fromSnapshot(snapshot);
        return new RobustZScoreDetector(backend, options, new RootAllocator(), true, state);
    }

    /**
     * A detector holding the windows of {@code snapshot}. The options may differ from those the
     * snapshot was taken with: windows keep their newest {@code windowSize} samples, series of now
     * excluded sensors are dropped, and series beyond {@code maxSeries} are dropped with a warning.
     *
     * @param parent the allocator the detector takes a child of, as in
     *               {@link #RobustZScoreDetector(KernelBackend, RobustZScoreOptions, BufferAllocator)}
     * @throws IllegalArgumentException when {@code snapshot} is not a readable detector snapshot
     */
    public static RobustZScoreDetector restore(KernelBackend backend, RobustZScoreOptions options,
                                               BufferAllocator parent, byte[] snapshot) {
        Objects.requireNonNull(backend, "backend must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        Objects.requireNonNull(parent, "parent allocator must not be null.");
        RobustZScoreState state = RobustZScoreState.fromSnapshot(snapshot);
        return new RobustZScoreDetector(backend, options, parent, false, state);
    }

    /** Releases the detector's allocator; the backend stays open. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            allocator.close();
        }
    }

    private List<Anomaly> score(String gateway, Rows rows, RobustZScoreState state) {
        if (closed) {
            throw new IllegalStateException("detector is closed.");
        }
        state.bind(options);
        Map<String, Map<String, Map<String, SeriesWindow>>> series = state.series;
        long batch = ++state.batches;
        int n = rows.size();
        SeriesWindow[] windowOfRow = new SeriesWindow[n];
        int[] scoredRows = new int[n];
        int scorable = 0;
        List<SeriesWindow> slots = new ArrayList<>();
        Map<String, Map<String, SeriesWindow>> machines = series.get(gateway);
        List<SeriesWindow> created = new ArrayList<>();
        List<Anomaly> anomalies;
        try {
            for (int i = 0; i < n; i++) {
                String machine = rows.machine(i);
                String sensor = rows.sensor(i);
                int quality = rows.quality(i);
                if (machine == null || sensor == null || (quality != GOOD && quality != UNCERTAIN)
                        || !Double.isFinite(rows.value(i))) {
                    ignored++;
                    continue;
                }
                if (options.excludedSensors().contains(sensor)) {
                    excluded++;
                    continue;
                }
                if (machines == null) {
                    machines = series.computeIfAbsent(gateway, g -> new LinkedHashMap<>());
                }
                SeriesWindow window = state.window(machines, machine, sensor, created);
                if (window == null) {
                    if (untracked == 0) {
                        LOG.warn("Detector {} tracks maxSeries={} series; samples of further series such as "
                                + "{}/{}/{} are counted as untracked and not scored", NAME, options.maxSeries(),
                                gateway, machine, sensor);
                    }
                    untracked++;
                    continue;
                }
                windowOfRow[i] = window;
                if (!learned(window, rows.timestampMicros(i))) {
                    warmingUp++;
                    continue;
                }
                if (window.slotBatch != batch) {
                    window.slotBatch = batch;
                    window.slot = slots.size();
                    slots.add(window);
                }
                scoredRows[scorable++] = i;
                scored++;
            }
            if (machines != null && machines.isEmpty()) {
                series.remove(gateway); // every row was untracked; keep no empty entry
            }

            for (SeriesWindow window : slots) {
                if (window.isStale()) {
                    window.recomputeBaseline(options, splitter);
                }
            }
            anomalies = scorable == 0
                    ? List.of()
                    : scoreOnBackend(rows, windowOfRow, scoredRows, scorable, slots);
        } catch (RuntimeException e) {
            // A failed batch (a kernel or allocator failure) leaves the state as it was: nothing was learned
            // yet, so only the series it created go again.
            state.forget(gateway, created);
            throw e;
        }

        for (int i = 0; i < n; i++) {
            SeriesWindow window = windowOfRow[i];
            if (window != null) {
                window.add(rows.value(i));
                if (window.firstSampleMicros == SeriesWindow.NO_SAMPLE_YET) {
                    window.firstSampleMicros = rows.timestampMicros(i);
                }
            }
        }
        return anomalies;
    }

    /**
     * Whether a series has learned enough to be scored at {@code nowMicros}: {@code minSamples}
     * samples, and either the learning period since its first sample or a full window.
     */
    private boolean learned(SeriesWindow window, long nowMicros) {
        if (window.count() < options.minSamples()) {
            return false;
        }
        if (window.count() >= options.windowSize() || window.firstSampleMicros == SeriesWindow.LEARNED_LONG_AGO) {
            return true;
        }
        long learning = options.learningPeriod().toNanos() / 1_000L;
        return window.firstSampleMicros <= nowMicros - learning;
    }

    private List<Anomaly> scoreOnBackend(Rows rows, SeriesWindow[] windowOfRow, int[] scoredRows, int scorable,
                                         List<SeriesWindow> slots) {
        int seriesInBatch = slots.size();
        int stride = 1;
        for (SeriesWindow window : slots) {
            stride = Math.max(stride, window.bandCount());
        }
        int entries = seriesInBatch * stride;
        try (Float8Vector values = new Float8Vector("value", allocator);
             IntVector seriesIndex = new IntVector("series", allocator);
             Float8Vector lower = new Float8Vector("lower", allocator);
             Float8Vector upper = new Float8Vector("upper", allocator);
             Float8Vector scale = new Float8Vector("scale", allocator);
             IntVector modeCount = new IntVector("modes", allocator);
             Float8Vector scores = new Float8Vector("score", allocator)) {
            values.allocateNew(scorable);
            seriesIndex.allocateNew(scorable);
            scores.allocateNew(scorable);
            lower.allocateNew(entries);
            upper.allocateNew(entries);
            scale.allocateNew(entries);
            modeCount.allocateNew(seriesInBatch);
            for (int j = 0; j < scorable; j++) {
                int row = scoredRows[j];
                values.set(j, rows.value(row));
                seriesIndex.set(j, windowOfRow[row].slot);
            }
            for (int s = 0; s < seriesInBatch; s++) {
                SeriesWindow window = slots.get(s);
                int bands = window.bandCount();
                modeCount.set(s, bands);
                for (int b = 0; b < stride; b++) {
                    // Entries past a series' own bands are not read; they are set so that no cell is null.
                    int at = s * stride + b;
                    lower.set(at, b < bands ? window.bandLower(b) : 0.0);
                    upper.set(at, b < bands ? window.bandUpper(b) : 0.0);
                    scale.set(at, b < bands ? window.bandScale(b) : 1.0);
                }
            }
            values.setValueCount(scorable);
            seriesIndex.setValueCount(scorable);
            lower.setValueCount(entries);
            upper.setValueCount(entries);
            scale.setValueCount(entries);
            modeCount.setValueCount(seriesInBatch);

            backend.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, scores);

            double threshold = options.threshold();
            List<Anomaly> anomalies = new ArrayList<>();
            for (int j = 0; j < scorable; j++) {
                double score = scores.get(j);
                // NaN (an overflow on some backend) is an alarm at the largest score, never none.
                if (score > threshold || Double.isNaN(score)) {
                    int row = scoredRows[j];
                    SeriesWindow window = windowOfRow[row];
                    // A difference beyond the double range is still a finite, maximal score (ScoreOverflow).
                    anomalies.add(new Anomaly(rows.timestampMicros(row), window.machine, window.sensor,
                            rows.value(row), ScoreOverflow.saturate(score), threshold, NAME));
                }
            }
            return anomalies;
        }
    }

    /**
     * Where the samples of all batches went; the fields add up to the rows seen.
     *
     * @param scored    usable samples scored against a baseline
     * @param warmingUp usable samples of series without a baseline yet (learned, not scored)
     * @param ignored   samples neither scored nor learned: quality not GOOD/UNCERTAIN, value not
     *                  finite, machine or sensor missing
     * @param excluded  samples of excluded sensors
     * @param untracked samples of series beyond {@code maxSeries}
     */
    public record Counters(long scored, long warmingUp, long ignored, long excluded, long untracked) {
        public long total() {
            return scored + warmingUp + ignored + excluded + untracked;
        }
    }

    /** Row access shared by the batch and the Arrow entry points. */
    private interface Rows {
        int size();

        long timestampMicros(int row);

        String machine(int row);

        String sensor(int row);

        double value(int row);

        /** The quality code, or -1 when the cell is null. */
        int quality(int row);
    }

    private record BatchRows(TelemetryBatch batch) implements Rows {
        @Override
        public int size() {
            return batch.size();
        }

        @Override
        public long timestampMicros(int row) {
            return batch.timestampsMicros()[row];
        }

        @Override
        public String machine(int row) {
            return batch.machines()[row];
        }

        @Override
        public String sensor(int row) {
            return batch.sensors()[row];
        }

        @Override
        public double value(int row) {
            return batch.values()[row];
        }

        @Override
        public int quality(int row) {
            return batch.qualities()[row];
        }
    }

    private static final class VectorRows implements Rows {
        private final int rows;
        private final TimeStampVector timestamps;
        private final VarCharVector machines;
        private final VarCharVector sensors;
        private final Float8Vector values;
        private final UInt1Vector qualities;

        VectorRows(VectorSchemaRoot root) {
            rows = root.getRowCount();
            timestamps = column(root, TelemetrySchema.TIMESTAMP, TimeStampVector.class);
            machines = column(root, TelemetrySchema.MACHINE, VarCharVector.class);
            sensors = column(root, TelemetrySchema.SENSOR, VarCharVector.class);
            values = column(root, TelemetrySchema.VALUE, Float8Vector.class);
            qualities = column(root, TelemetrySchema.QUALITY, UInt1Vector.class);
        }

        private static <V extends FieldVector> V column(VectorSchemaRoot root, String name, Class<V> type) {
            FieldVector vector = root.getVector(name);
            if (!type.isInstance(vector)) {
                throw new IllegalArgumentException("root must have a column '" + name + "' of type "
                        + type.getSimpleName() + " (found " + (vector == null ? "none" : vector.getClass().getSimpleName())
                        + ").");
            }
            if (vector.getValueCount() < root.getRowCount()) {
                throw new IllegalArgumentException("column '" + name + "' has " + vector.getValueCount()
                        + " values for " + root.getRowCount() + " rows.");
            }
            return type.cast(vector);
        }

        @Override
        public int size() {
            return rows;
        }

        @Override
        public long timestampMicros(int row) {
            return timestamps.isNull(row) ? Long.MIN_VALUE : timestamps.get(row);
        }

        @Override
        public String machine(int row) {
            return machines.isNull(row) ? null : new String(machines.get(row), StandardCharsets.UTF_8);
        }

        @Override
        public String sensor(int row) {
            return sensors.isNull(row) ? null : new String(sensors.get(row), StandardCharsets.UTF_8);
        }

        @Override
        public double value(int row) {
            return values.isNull(row) ? Double.NaN : values.get(row);
        }

        @Override
        public int quality(int row) {
            return qualities.isNull(row) || timestamps.isNull(row) ? -1 : qualities.get(row);
        }
    }
}
