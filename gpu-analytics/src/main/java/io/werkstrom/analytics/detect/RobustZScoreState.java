package io.werkstrom.analytics.detect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link RobustZScoreDetector} has learned: the window of every series and the time of its
 * first sample. Plain Java objects, no Arrow and no kernel backend, so that a stream processor can
 * keep one state per key as a live object and hand it to one shared detector per batch
 * ({@link RobustZScoreDetector#score(io.werkstrom.protocol.TelemetryBatch, RobustZScoreState)}).
 *
 * <p>{@link #snapshot()} and {@link #fromSnapshot(byte[])} use the detector's versioned snapshot
 * format. A state read from a snapshot keeps the stored series as they are until a detector first
 * scores it; only then are that detector's options applied: windows keep their newest
 * {@code windowSize} samples, series of excluded sensors are dropped, and series beyond
 * {@code maxSeries} are dropped with a warning. So reading a snapshot needs no options, and a
 * state scored by a detector with other options than before is re-fitted to them the same way.
 *
 * <p>Not thread-safe: one thread scores, snapshots or copies a state at a time. {@link #copy()}
 * is deep, so a copy may be snapshotted on another thread while the original goes on learning.
 */
public final class RobustZScoreState {

    private static final int SNAPSHOT_MAGIC = 0x57525a53; // "WRZS"
    private static final int SNAPSHOT_VERSION = 2;

    private static final Logger LOG = LoggerFactory.getLogger(RobustZScoreState.class);

    /** gateway -> machine -> sensor; insertion-ordered so that snapshots are reproducible. */
    final Map<String, Map<String, Map<String, SeriesWindow>>> series = new LinkedHashMap<>();
    /** The options the windows were built with; null until a detector first scores this state. */
    private RobustZScoreOptions options;
    /** Series read from a snapshot and not yet fitted to options; null once bound. */
    private List<StoredSeries> stored;
    private int seriesCount;
    /** Numbers the batches scored against this state, to tell a series' per-batch slot from a stale one. */
    long batches;

    /** An empty state: no series yet. */
    public RobustZScoreState() {
        this.stored = List.of();
    }

    private RobustZScoreState(List<StoredSeries> stored) {
        this.stored = stored;
    }

    /**
     * The state held in {@code snapshot}, as written by {@link #snapshot()} or
     * {@link RobustZScoreDetector#snapshot()} (format versions 1 and 2).
     *
     * @throws IllegalArgumentException when {@code snapshot} is not a readable detector snapshot
     */
    public static RobustZScoreState fromSnapshot(byte[] snapshot) {
        Objects.requireNonNull(snapshot, "snapshot must not be null.");
        try {
            return new RobustZScoreState(readSnapshot(snapshot));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a readable robust-z detector snapshot: " + e, e);
        }
    }

    /**
     * The number of series held: with a window once a detector has scored this state, as stored
     * before that.
     */
    public int seriesCount() {
        return stored != null ? stored.size() : seriesCount;
    }

    /** The windows of every series in the detector's versioned binary form; call between batches. */
    public byte[] snapshot() {
        List<StoredSeries> entries = stored != null ? stored : storedFromWindows();
        int size = 12;
        for (StoredSeries s : entries) {
            size += 24 + s.values.length * Double.BYTES;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SNAPSHOT_MAGIC);
            out.writeInt(SNAPSHOT_VERSION);
            out.writeInt(entries.size());
            for (StoredSeries s : entries) {
                writeString(out, s.gateway);
                writeString(out, s.machine);
                writeString(out, s.sensor);
                out.writeInt(s.values.length);
                for (double v : s.values) {
                    out.writeDouble(v);
                }
                out.writeLong(s.firstSampleMicros);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing a detector snapshot into memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * A deep copy: it learns independently of this state and snapshots to the same bytes. Cheaper
     * than a snapshot round trip, since computed baselines are copied rather than recomputed.
     */
    public RobustZScoreState copy() {
        if (stored != null) {
            // Stored series are never modified (binding copies their samples), so they can be shared.
            return new RobustZScoreState(stored);
        }
        RobustZScoreState copy = new RobustZScoreState(null);
        copy.options = options;
        copy.seriesCount = seriesCount;
        copy.batches = batches;
        for (Map.Entry<String, Map<String, Map<String, SeriesWindow>>> gateway : series.entrySet()) {
            Map<String, Map<String, SeriesWindow>> machines = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, SeriesWindow>> machine : gateway.getValue().entrySet()) {
                Map<String, SeriesWindow> sensors = new LinkedHashMap<>();
                for (Map.Entry<String, SeriesWindow> sensor : machine.getValue().entrySet()) {
                    sensors.put(sensor.getKey(), sensor.getValue().copy());
                }
                machines.put(machine.getKey(), sensors);
            }
            copy.series.put(gateway.getKey(), machines);
        }
        return copy;
    }

    /**
     * Fits this state to {@code options} unless it is already: (re)builds the windows from the
     * stored series, applying the options as {@link RobustZScoreState} describes.
     */
    void bind(RobustZScoreOptions options) {
        if (this.options != null && (this.options == options || this.options.equals(options))) {
            return;
        }
        List<StoredSeries> entries = stored != null ? stored : storedFromWindows();
        series.clear();
        seriesCount = 0;
        stored = null;
        this.options = options;
        int dropped = 0;
        for (StoredSeries s : entries) {
            if (options.excludedSensors().contains(s.sensor)) {
                continue;
            }
            SeriesWindow window = window(series.computeIfAbsent(s.gateway, g -> new LinkedHashMap<>()), s.machine,
                    s.sensor);
            if (window == null) {
                dropped++;
                continue;
            }
            // Baselines are left stale: they are computed when a batch first scores the series.
            window.fill(s.values);
            window.firstSampleMicros = s.values.length == 0 ? SeriesWindow.NO_SAMPLE_YET : s.firstSampleMicros;
        }
        series.values().removeIf(Map::isEmpty);
        if (dropped > 0) {
            LOG.warn("Restored {} of {} series; {} series beyond maxSeries={} were dropped", seriesCount,
                    entries.size(), dropped, options.maxSeries());
        }
    }

    /**
     * The window of a series, created on first sight (and then added to {@code created}), or null
     * when the series limit of the bound options is reached.
     */
    SeriesWindow window(Map<String, Map<String, SeriesWindow>> machines, String machine, String sensor,
                        List<SeriesWindow> created) {
        int before = seriesCount;
        SeriesWindow window = window(machines, machine, sensor);
        if (seriesCount != before) {
            created.add(window);
        }
        return window;
    }

    /** Drops the series of {@code gateway} created by a batch that failed, and the gateway if it is left empty. */
    void forget(String gateway, List<SeriesWindow> created) {
        Map<String, Map<String, SeriesWindow>> machines = series.get(gateway);
        if (machines == null) {
            return;
        }
        for (SeriesWindow window : created) {
            Map<String, SeriesWindow> sensors = machines.get(window.machine);
            if (sensors != null && sensors.remove(window.sensor, window)) {
                seriesCount--;
                if (sensors.isEmpty()) {
                    machines.remove(window.machine);
                }
            }
        }
        if (machines.isEmpty()) {
            series.remove(gateway);
        }
    }

    private SeriesWindow window(Map<String, Map<String, SeriesWindow>> machines, String machine, String sensor) {
        Map<String, SeriesWindow> sensors = machines.get(machine);
        SeriesWindow window = sensors == null ? null : sensors.get(sensor);
        if (window != null) {
            return window;
        }
        if (seriesCount >= options.maxSeries()) {
            return null;
        }
        if (sensors == null) {
            sensors = new LinkedHashMap<>();
            machines.put(machine, sensors);
        }
        window = new SeriesWindow(machine, sensor, options.windowSize());
        sensors.put(sensor, window);
        seriesCount++;
        return window;
    }

    private List<StoredSeries> storedFromWindows() {
        List<StoredSeries> entries = new ArrayList<>(seriesCount);
        for (Map.Entry<String, Map<String, Map<String, SeriesWindow>>> gateway : series.entrySet()) {
            for (Map<String, SeriesWindow> sensors : gateway.getValue().values()) {
                for (SeriesWindow window : sensors.values()) {
                    entries.add(new StoredSeries(gateway.getKey(), window.machine, window.sensor,
                            window.valuesInArrivalOrder(), window.firstSampleMicros));
                }
            }
        }
        return entries;
    }

    private static List<StoredSeries> readSnapshot(byte[] snapshot) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
        int magic = in.readInt();
        if (magic != SNAPSHOT_MAGIC) {
            throw new IOException("bad magic 0x" + Integer.toHexString(magic));
        }
        int version = in.readInt();
        if (version != SNAPSHOT_VERSION && version != 1) {
            throw new IOException("unsupported snapshot version " + version + " (expected 1 or " + SNAPSHOT_VERSION
                    + ")");
        }
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IOException("series count " + count + " does not fit the snapshot");
        }
        List<StoredSeries> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String gateway = readString(in);
            String machine = readString(in);
            String sensor = readString(in);
            int samples = in.readInt();
            if (samples < 0 || (long) samples * Double.BYTES > in.available()) {
                throw new IOException("series " + i + " claims " + samples + " samples, more than the snapshot holds");
            }
            double[] values = new double[samples];
            for (int k = 0; k < samples; k++) {
                double v = in.readDouble();
                if (!Double.isFinite(v)) {
                    throw new IOException("series " + i + " holds the non-finite sample " + v);
                }
                values[k] = v;
            }
            // Version 1 did not record when a series started; its series count as learned.
            long firstSample = version >= 2 ? in.readLong() : SeriesWindow.LEARNED_LONG_AGO;
            entries.add(new StoredSeries(gateway, machine, sensor, values,
                    samples == 0 ? SeriesWindow.NO_SAMPLE_YET : firstSample));
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the last series");
        }
        return entries;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("string length " + length + " exceeds the snapshot");
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** One series as a snapshot holds it: samples oldest first. */
    private record StoredSeries(String gateway, String machine, String sensor, double[] values,
                                long firstSampleMicros) {
    }
}
