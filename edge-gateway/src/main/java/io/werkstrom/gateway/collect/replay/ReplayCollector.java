package io.werkstrom.gateway.collect.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.collect.StartRefusedException;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Replays a recorded data set onto the real-time axis: a sample recorded {@code d} after the start
 * of its series is collected with timestamp {@code start + floor(d / speedUp)} (µs UTC), once that
 * time has come. {@code start} is {@link ReplayOptions#start()} or the moment of the first
 * {@link #start(long)}. The files are read into memory at {@link #start(long)}.
 *
 * <p>Resuming: samples with timestamps at or before {@code resumeAfterMicros} are not collected
 * again. See {@link ReplayOptions} for why a replay that resumes should fix its start.
 *
 * <p>A fixed start that would stamp the first sample still to collect older than the cloud accepts
 * (before {@link BatchValidator#EARLIEST}, or within a day of its default maximum sample age) is
 * refused at {@link #start(long)}: every batch would be refused as a dead letter.
 *
 * <p>Not thread-safe: the gateway calls it from one thread. It holds no open files.
 */
public final class ReplayCollector implements Collector {

    /** {@link Collector#LATEST} in µs UTC: a replay that would run later is refused, not wrapped around. */
    private static final long LATEST_MICROS = BatchValidator.micros(Collector.LATEST);
    /** The oldest a sample may be when collected: the cloud's maximum sample age, less a day for delivery. */
    private static final long OLDEST_AGE_MICROS = BatchValidator.DEFAULT_MAX_SAMPLE_AGE.minusDays(1).toNanos() / 1_000;
    private static final long EARLIEST_MICROS = BatchValidator.micros(BatchValidator.EARLIEST);

    /** Reads the data set. */
    @FunctionalInterface
    public interface Source {
        ReplayTimeline read() throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(ReplayCollector.class);

    private final String description;
    private final Source source;
    private final ReplayOptions options;
    private final Clock clock;
    private ReplayTimeline timeline;
    private long startMicros;
    private int next;

    public ReplayCollector(String description, Source source, ReplayOptions options, Clock clock) {
        this.description = Objects.requireNonNull(description, "description must not be null.");
        this.source = Objects.requireNonNull(source, "source must not be null.");
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.clock = Objects.requireNonNull(clock, "clock must not be null.");
    }

    /** Replays NAB files (see {@link NabFormat}), one machine per file. */
    public static ReplayCollector nab(List<Path> files, ReplayOptions options) {
        List<Path> copy = List.copyOf(files);
        return new ReplayCollector("nab replay: " + copy.size() + " series at x" + options.speedUp(),
                () -> NabFormat.read(copy, options.badRows()), options, Clock.systemUTC());
    }

    /** Replays a C-MAPSS file (see {@link CmapssFormat}), one machine per engine. */
    public static ReplayCollector cmapss(Path file, Duration cyclePeriod, ReplayOptions options) {
        return cmapss(file, cyclePeriod, options, false);
    }

    /**
     * Replays a C-MAPSS file, one machine per engine; with {@code runToFailure} (a training file)
     * each engine's last cycle carries a {@value io.werkstrom.protocol.WellKnownSensors#FAILURE} sample.
     */
    public static ReplayCollector cmapss(Path file, Duration cyclePeriod, ReplayOptions options, boolean runToFailure) {
        return new ReplayCollector("cmapss replay: " + file.getFileName() + " at x" + options.speedUp()
                + (runToFailure ? ", run to failure" : ""),
                () -> CmapssFormat.read(file, cyclePeriod, options.badRows(), runToFailure), options, Clock.systemUTC());
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void start(long resumeAfterMicros) throws IOException {
        if (timeline != null) {
            throw new IllegalStateException(description + " was already started");
        }
        ReplayTimeline read = source.read();
        long now = BatchValidator.micros(Instant.now(clock));
        if (options.start().isPresent()) {
            startMicros = BatchValidator.micros(options.start().get());
        } else if (resumeAfterMicros == Long.MIN_VALUE) {
            startMicros = now;
        } else {
            startMicros = Math.max(now, resumeAfterMicros + 1);
            log.warn("{} resumes without a fixed start: the replay begins again from its first sample at {}", description,
                    instant(startMicros));
        }
        if (read.size() > 0 && startMicros + read.offsetsMicros()[read.size() - 1] / options.speedUp() > LATEST_MICROS) {
            throw new StartRefusedException(description + ": at a speed-up of " + options.speedUp()
                    + " its last sample would be collected after the year 9999; choose a larger speed-up.");
        }
        timeline = read;
        next = firstAfter(resumeAfterMicros);
        long oldestMicros = Math.max(EARLIEST_MICROS, now - OLDEST_AGE_MICROS);
        if (next < read.size() && timestampMicros(next) < oldestMicros) {
            long first = timestampMicros(next);
            timeline = null;
            throw new StartRefusedException(description + ": start " + instant(startMicros) + " puts its "
                    + (next == 0 ? "first" : "next") + " sample at " + instant(first) + ", before " + instant(oldestMicros)
                    + ": the cloud refuses samples from before " + BatchValidator.EARLIEST + " or older than its maximum"
                    + " sample age of " + BatchValidator.DEFAULT_MAX_SAMPLE_AGE.toDays() + " days (less a day kept for"
                    + " delivery); choose a later start, or leave start out to replay from now.");
        }
        log.info("{}: {} samples ({} from malformed rows), replay starts at {}, {} already collected", description,
                read.size(), read.badRows(), instant(startMicros), next);
    }

    @Override
    public int collect(long untilMicros, TelemetryBatch.Builder out) {
        return collect(untilMicros, Integer.MAX_VALUE, out);
    }

    /**
     * At a high speed-up a whole data set can be due at once: at most {@code maxSamples} leave per call.
     * The samples of one timestamp leave in the same call, unless they alone exceed the bound: a
     * restart resumes after the last spooled timestamp ({@link #start(long)}), so the rest of a
     * timestamp cut off here would never be collected again.
     */
    @Override
    public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
        if (timeline == null) {
            throw new IllegalStateException(description + " is not started");
        }
        int n = timeline.size();
        int end = next;
        while (end < n && end - next < maxSamples && timestampMicros(end) < untilMicros) {
            end++;
        }
        if (end > next && end < n && timestampMicros(end) == timestampMicros(end - 1)) {
            int groupStart = end - 1;
            while (groupStart > next && timestampMicros(groupStart - 1) == timestampMicros(end)) {
                groupStart--;
            }
            if (groupStart > next) {
                end = groupStart;
            }
        }
        int appended = end - next;
        for (; next < end; next++) {
            out.add(timestampMicros(next), timeline.machines()[next], timeline.sensors()[next], timeline.values()[next],
                    timeline.quality(next));
        }
        return appended;
    }

    @Override
    public boolean finished() {
        return timeline != null && next >= timeline.size();
    }

    /** The replay's start on the real-time axis (µs UTC); available once started. */
    public long startMicros() {
        return startMicros;
    }

    /** The samples of the data set, once started. */
    public ReplayTimeline timeline() {
        return timeline;
    }

    @Override
    public void close() {
        timeline = null;
    }

    /** The collection timestamp of a row; non-decreasing in the row index. */
    long timestampMicros(int row) {
        return startMicros + (long) Math.floor(timeline.offsetsMicros()[row] / options.speedUp());
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private int firstAfter(long resumeAfterMicros) {
        int lo = 0;
        int hi = timeline.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timestampMicros(mid) <= resumeAfterMicros) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
