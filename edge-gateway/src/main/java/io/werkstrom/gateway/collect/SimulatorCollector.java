package io.werkstrom.gateway.collect;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Samples from a {@link FactorySimulator} running in real time. The simulator is a function of its
 * options (seed, start, fault plan), so a restarted gateway loses nothing: {@link #start(long)}
 * fast-forwards to the last spooled sample and continues from there, as a PLC serving its history
 * buffer would. Give the options a fixed start for that to hold across restarts; an unset start
 * becomes the time of {@link #start(long)}.
 *
 * <p>A fixed start that would stamp the first sample still to collect older than the cloud accepts
 * (before {@link BatchValidator#EARLIEST}, or within a day of its default maximum sample age) is
 * refused at {@link #start(long)}, as a replay's is: every batch would be refused as a dead letter.
 *
 * <p>Not thread-safe: the gateway's collector thread calls it.
 */
public final class SimulatorCollector implements Collector {

    /** Ticks skipped per step while fast-forwarding, so that the discarded samples never pile up. */
    private static final long FAST_FORWARD_STEP_MICROS = 1_000_000L;
    /** The oldest a sample may be when collected: the cloud's maximum sample age, less a day for delivery. */
    private static final long OLDEST_AGE_MICROS = BatchValidator.DEFAULT_MAX_SAMPLE_AGE.minusDays(1).toNanos() / 1_000;
    private static final long EARLIEST_MICROS = BatchValidator.micros(BatchValidator.EARLIEST);

    private final SimulatorOptions options;
    private final Clock clock;
    private FactorySimulator simulator;
    /** The tick that did not fit the bound of its call; its samples from {@link #leftoverNext} on are due. */
    private TelemetryBatch leftover;
    private int leftoverNext;

    public SimulatorCollector(SimulatorOptions options) {
        this(options, Clock.systemUTC());
    }

    /** With another clock for "now" (tests: a simulation whose start lies a year back). */
    public SimulatorCollector(SimulatorOptions options, Clock clock) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.clock = Objects.requireNonNull(clock, "clock must not be null.");
    }

    @Override
    public String describe() {
        SimulatorOptions o = simulator != null ? simulator.options() : options;
        return "simulator: " + o.machines() + " machines at " + o.samplesPerSecondPerSensor() + " samples/s per sensor, seed "
                + o.seed() + o.start().map(s -> ", from " + s).orElse("");
    }

    @Override
    public void start(long resumeAfterMicros) {
        if (simulator != null) {
            throw new IllegalStateException("the simulator collector was already started");
        }
        Instant now = Instant.now(clock);
        SimulatorOptions fixed = options.start().isPresent() ? options
                : options.withStart(now.truncatedTo(ChronoUnit.MICROS));
        requireAcceptedByTheCloud(fixed.start().orElseThrow(), resumeAfterMicros, BatchValidator.micros(now));
        FactorySimulator sim = new FactorySimulator(fixed);
        while (resumeAfterMicros != Long.MIN_VALUE && sim.nextTickMicros() <= resumeAfterMicros) {
            // The generated samples go nowhere; only the machines' state moves on.
            long step = Math.min(resumeAfterMicros, sim.nextTickMicros() + FAST_FORWARD_STEP_MICROS);
            sim.next(step, TelemetryBatch.builder("fast-forward", 0));
        }
        simulator = sim;
    }

    /**
     * Refuses a start whose next sample due (the first, or the first after the last spooled one) the
     * cloud would refuse as too old: checked before fast-forwarding, which for a start years back
     * would run a long time only to produce samples that end as dead letters.
     */
    private static void requireAcceptedByTheCloud(Instant start, long resumeAfterMicros, long nowMicros) {
        long startMicros = BatchValidator.micros(start);
        long nextMicros = resumeAfterMicros == Long.MIN_VALUE || resumeAfterMicros < startMicros ? startMicros
                : resumeAfterMicros + 1;
        long oldestMicros = Math.max(EARLIEST_MICROS, nowMicros - OLDEST_AGE_MICROS);
        if (nextMicros < oldestMicros) {
            throw new StartRefusedException("simulator: start " + start + " puts its "
                    + (nextMicros == startMicros ? "first" : "next") + " sample at " + instant(nextMicros) + ", before "
                    + instant(oldestMicros) + ": the cloud refuses samples from before " + BatchValidator.EARLIEST
                    + " or older than its maximum sample age of " + BatchValidator.DEFAULT_MAX_SAMPLE_AGE.toDays()
                    + " days (less a day kept for delivery); choose a later start (--start), or leave it out to"
                    + " simulate from now.");
        }
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    @Override
    public int collect(long untilMicros, TelemetryBatch.Builder out) {
        return collect(untilMicros, Integer.MAX_VALUE, out);
    }

    /**
     * A gateway that fell behind (a stalled collector thread, a long pause) can have many ticks due
     * at once: at most {@code maxSamples} leave per call, whole ticks, and the tick that did not fit
     * first in the next call. Only a tick with more samples than the bound is split; the others
     * stay whole, so that a restart after the last spooled sample ({@link #start(long)}) loses none.
     */
    @Override
    public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
        if (simulator == null) {
            throw new IllegalStateException("the simulator collector is not started");
        }
        int appended = handOverLeftover(maxSamples, 0, out);
        while (leftover == null && appended < maxSamples && simulator.nextTickMicros() < untilMicros) {
            long tick = simulator.nextTickMicros();
            if (maxSamples - appended >= simulator.maxSamplesPerTick()) {
                appended += simulator.next(tick, out);
            } else {
                TelemetryBatch.Builder samples = TelemetryBatch.builder("leftover", 0);
                simulator.next(tick, samples);
                leftover = samples.size() == 0 ? null : samples.build();
                leftoverNext = 0;
                appended += handOverLeftover(maxSamples - appended, appended, out);
            }
        }
        return appended;
    }

    /**
     * Appends the rest of the {@link #leftover} tick if it fits {@code room}; a call that has
     * appended nothing yet takes as much of it as fits. Returns how many it appended.
     */
    private int handOverLeftover(int room, int appendedBefore, TelemetryBatch.Builder out) {
        if (leftover == null || (leftover.size() - leftoverNext > room && appendedBefore > 0)) {
            return 0;
        }
        int appended = 0;
        while (leftover != null && appended < room) {
            out.add(leftover.timestampsMicros()[leftoverNext], leftover.machines()[leftoverNext],
                    leftover.sensors()[leftoverNext], leftover.values()[leftoverNext], leftover.quality(leftoverNext));
            appended++;
            if (++leftoverNext == leftover.size()) {
                leftover = null;
            }
        }
        return appended;
    }

    /** The simulator's options with the start it uses; available once started. */
    public SimulatorOptions simulatorOptions() {
        if (simulator == null) {
            throw new IllegalStateException("the simulator collector is not started");
        }
        return simulator.options();
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
