package io.werkstrom.gateway.sim;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * A factory floor of simulated machine tools, each producing parts in production cycles and
 * reporting temperature, spindle load and speed, vibration, coolant pressure and power, plus the
 * cycle time and scrap outcome of every part (see {@link Signal}, {@link ScrapModel},
 * {@link FaultPlan}).
 *
 * <p>Samples lie on a fixed tick grid: tick {@code k} has timestamp
 * {@code start + round(k * 1e6 / samplesPerSecondPerSensor)} microseconds, and every machine emits
 * one sample per continuous signal per tick, so (machine, sensor, timestamp) is unique. Everything
 * emitted is a function of the options alone (seed, start, fault plan): how the ticks are split
 * between calls to {@link #next} makes no difference. Driven live, {@code untilMicros} is the
 * current wall-clock time and the timestamps are real.
 *
 * <p>Not thread-safe: one owner calls {@link #next}.
 */
public final class FactorySimulator {

    private final SimulatorOptions options;
    private final long startMicros;
    private final double rate;
    private final List<MachineModel> machines;
    private long nextTick;

    /** A simulator starting at the options' start, or now when they leave it unset. */
    public FactorySimulator(SimulatorOptions options) {
        Objects.requireNonNull(options, "options must not be null.");
        Instant start = options.start().orElseGet(() -> Instant.now().truncatedTo(ChronoUnit.MICROS));
        this.options = options.start().isPresent() ? options : options.withStart(start);
        this.startMicros = BatchValidator.micros(start);
        this.rate = options.samplesPerSecondPerSensor();
        List<MachineModel> models = new ArrayList<>();
        List<String> ids = options.machineIds();
        for (int i = 0; i < ids.size(); i++) {
            models.add(new MachineModel(ids.get(i), i, options.seed(), rate, options.faultPlan().forMachine(ids.get(i))));
        }
        this.machines = List.copyOf(models);
    }

    /** The options, with the start this simulator uses. */
    public SimulatorOptions options() {
        return options;
    }

    public Instant start() {
        return options.start().orElseThrow();
    }

    public List<String> machineIds() {
        return options.machineIds();
    }

    /** The most samples one tick has: one per machine and {@link Signal} (a finished cycle adds its time and outcome). */
    public int maxSamplesPerTick() {
        return machines.size() * Signal.values().length;
    }

    /** The timestamp of tick {@code tick}, in microseconds since the epoch. */
    public long tickMicros(long tick) {
        return startMicros + Math.round(tick * 1_000_000.0 / rate);
    }

    /** The timestamp of the next tick {@link #next} will emit. */
    public long nextTickMicros() {
        return tickMicros(nextTick);
    }

    /**
     * Appends to {@code out} the samples of every tick not yet emitted whose timestamp is at most
     * {@code untilMicros}, in tick order, and returns how many it appended. Callers bound the span
     * of one call (a live gateway asks for one batch interval at a time).
     */
    public int next(long untilMicros, TelemetryBatch.Builder out) {
        Objects.requireNonNull(out, "out must not be null.");
        int appended = 0;
        long ts;
        while ((ts = tickMicros(nextTick)) <= untilMicros) {
            for (MachineModel machine : machines) {
                appended += machine.step(nextTick, ts, out);
            }
            nextTick++;
        }
        return appended;
    }

    /** The temperature around which a machine's process is centred, °C (see {@link ScrapModel}). */
    public double nominalTemperature(String machine) {
        return machines.stream().filter(m -> m.id().equals(machine)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown machine '" + machine + "'."))
                .nominalTemperature();
    }
}
