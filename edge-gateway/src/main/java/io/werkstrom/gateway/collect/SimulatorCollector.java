package io.werkstrom.gateway.collect;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Samples from a {@link FactorySimulator} running in real time. The simulator is a function of its
 * options (seed, start, fault plan), so a restarted gateway loses nothing: {@link #start(long)}
 * fast-forwards to the last spooled sample and continues from there, as a PLC serving its history
 * buffer would. Give the options a fixed start for that to hold across restarts; an unset start
 * becomes the time of {@link #start(long)}.
 *
 * <p>Not thread-safe: the gateway's collector thread calls it.
 */
public final class SimulatorCollector implements Collector {

    /** Ticks skipped per step while fast-forwarding, so that the discarded samples never pile up. */
    private static final long FAST_FORWARD_STEP_MICROS = 1_000_000L;

    private final SimulatorOptions options;
    private FactorySimulator simulator;

    public SimulatorCollector(SimulatorOptions options) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
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
        SimulatorOptions fixed = options.start().isPresent() ? options
                : options.withStart(Instant.now().truncatedTo(ChronoUnit.MICROS));
        FactorySimulator sim = new FactorySimulator(fixed);
        while (resumeAfterMicros != Long.MIN_VALUE && sim.nextTickMicros() <= resumeAfterMicros) {
            // The generated samples go nowhere; only the machines' state moves on.
            long step = Math.min(resumeAfterMicros, sim.nextTickMicros() + FAST_FORWARD_STEP_MICROS);
            sim.next(step, TelemetryBatch.builder("fast-forward", 0));
        }
        simulator = sim;
    }

    @Override
    public int collect(long untilMicros, TelemetryBatch.Builder out) {
        if (simulator == null) {
            throw new IllegalStateException("the simulator collector is not started");
        }
        return simulator.next(untilMicros - 1, out);
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
