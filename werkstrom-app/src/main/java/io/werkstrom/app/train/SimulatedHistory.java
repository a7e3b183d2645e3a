package io.werkstrom.app.train;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.gateway.sim.Fault;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.Signal;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Labelled history for a fleet model when none is stored yet: a fleet of simulated machines of
 * the same type run offline, some healthy, some with bearings wearing or temperatures drifting
 * at their own pace, so that the model sees the process conditions that lead to scrap. The
 * simulated machines are not the ones a model later serves: what it learns carries over to any
 * machine of the type.
 */
public final class SimulatedHistory {

    private SimulatedHistory() {
    }

    /**
     * Simulates {@code machines} machines for {@code duration} at {@code rate} samples per second
     * per sensor and returns their labelled cycles.
     */
    public static CycleDataset simulate(int machines, Duration duration, double rate, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SimulatorOptions.Builder builder = SimulatorOptions.builder().machines(machines).machineIdPrefix("history-")
                .samplesPerSecondPerSensor(rate).seed(seed).start(Instant.parse("2026-01-05T06:00:00Z"));
        List<String> ids = builder.build().machineIds();
        List<Fault> faults = new ArrayList<>();
        long minutes = Math.max(1, duration.toMinutes());
        for (int i = 0; i < ids.size(); i++) {
            Duration start = Duration.ofMinutes(random.nextLong(minutes / 2 + 1));
            switch (i % 3) {
                case 0 -> faults.add(new Fault.BearingWear(ids.get(i), start, 0.6 / (minutes - start.toMinutes() + 1)
                        * (0.5 + random.nextDouble())));
                case 1 -> faults.add(new Fault.Drift(ids.get(i), Signal.TEMPERATURE, start,
                        (4.0 + 4.0 * random.nextDouble()) / ((minutes - start.toMinutes() + 1) * 60.0)));
                default -> {
                    // healthy: its own coolant dips and thermal excursions only
                }
            }
        }
        CycleTracker tracker = new CycleTracker();
        CycleDataset dataset = new CycleDataset();
        run(builder.faultPlan(FaultPlan.of(faults)).build(), duration,
                (micros, machine, sensor, value, quality) -> tracker.accept(micros, machine, sensor, value, quality,
                        dataset));
        return dataset;
    }

    /**
     * Normal operation: {@code machines} healthy machines (no injected faults; they keep their
     * natural coolant dips and thermal excursions) simulated for {@code duration} at {@code rate}
     * samples per second per sensor, assembled into machine states as the job's multivariate
     * detector assembles them with {@code assembly}'s bucket and carry-forward.
     */
    public static StateHistory normalOperation(int machines, Duration duration, double rate, long seed,
                                               MultivariateOptions assembly) {
        SimulatorOptions options = SimulatorOptions.builder().machines(machines).machineIdPrefix("normal-")
                .samplesPerSecondPerSensor(rate).seed(seed).start(Instant.parse("2026-01-05T06:00:00Z"))
                .faultPlan(FaultPlan.none()).build();
        return states(options, duration, assembly);
    }

    /**
     * The machine states of the machines {@code options} simulates, over {@code duration}, assembled
     * with {@code assembly}'s bucket and carry-forward.
     */
    static StateHistory states(SimulatorOptions options, Duration duration, MultivariateOptions assembly) {
        StateHistory history = new StateHistory();
        run(options, duration, history.assembler(assembly));
        return history;
    }

    /** Runs the simulator of {@code options} for {@code duration}, a minute of samples at a time. */
    private static void run(SimulatorOptions options, Duration duration, TelemetryHistory.Sample sink) {
        FactorySimulator simulator = new FactorySimulator(options);
        long end = simulator.nextTickMicros() + duration.toNanos() / 1_000;
        long step = 60_000_000L;
        for (long until = simulator.nextTickMicros() + step; ; until += step) {
            TelemetryBatch.Builder out = TelemetryBatch.builder("history", 0);
            simulator.next(Math.min(until, end), out);
            TelemetryBatch batch = out.build();
            for (int row = 0; row < batch.size(); row++) {
                sink.accept(batch.timestampsMicros()[row], batch.machines()[row], batch.sensors()[row],
                        batch.values()[row], batch.qualities()[row]);
            }
            if (until >= end) {
                return;
            }
        }
    }
}
