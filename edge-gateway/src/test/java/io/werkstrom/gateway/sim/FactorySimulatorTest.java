package io.werkstrom.gateway.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

class FactorySimulatorTest {

    @Test
    void sameSeedGivesTheSameSamplesHoweverTheTicksAreSplitBetweenCalls() {
        SimulatorOptions options = Runs.options().faultPlan(null).seed(7).build(); // the demo plan
        TelemetryBatch whole = Runs.run(options, Duration.ofSeconds(90));

        FactorySimulator piecewise = new FactorySimulator(options);
        TelemetryBatch.Builder out = TelemetryBatch.builder("test", 0);
        long end = piecewise.tickMicros(0) + 90_000_000L - 1;
        SplittableRandom steps = new SplittableRandom(1);
        long until = piecewise.tickMicros(0);
        while (until < end) {
            until = Math.min(end, until + steps.nextLong(1, 2_000_000));
            piecewise.next(until, out);
        }
        assertEquals(whole, out.build());

        TelemetryBatch otherSeed = Runs.run(options.toBuilder().seed(8).build(), Duration.ofSeconds(90));
        assertNotEquals(whole, otherSeed);
    }

    @Test
    void healthySignalsStayWithinTheirPhysicalRanges() {
        SimulatorOptions options = Runs.options().machines(4).samplesPerSecondPerSensor(2).build();
        TelemetryBatch batch = Runs.run(options, Duration.ofHours(2));
        int uncertain = 0;
        for (int i = 0; i < batch.size(); i++) {
            Signal signal = Signal.ofSensorId(batch.sensors()[i]);
            double v = batch.values()[i];
            assertTrue(v >= signal.min() && v <= signal.max(), signal + " = " + v + " at row " + i);
            Quality q = batch.quality(i);
            assertTrue(q == Quality.GOOD || q == Quality.UNCERTAIN, "quality " + q);
            if (q == Quality.UNCERTAIN) {
                uncertain++;
            }
        }
        assertTrue(uncertain > 0 && uncertain < batch.size() / 200, uncertain + " uncertain of " + batch.size());
        for (String machine : options.machineIds()) {
            // Plausible operating points of a machining centre.
            assertBetween(40, 58, Runs.mean(Runs.series(batch, machine, Signal.TEMPERATURE).values(), 0, 100), "temperature");
            assertBetween(0.4, 2.8, Runs.median(Runs.series(batch, machine, Signal.VIBRATION).values()), "vibration");
            assertBetween(37, 41, Runs.median(Runs.series(batch, machine, Signal.PRESSURE).values()), "pressure");
            Runs.Series cycles = Runs.series(batch, machine, Signal.CYCLE_TIME);
            assertTrue(cycles.size() > 100, "cycles of " + machine + ": " + cycles.size());
            for (double c : cycles.values()) {
                assertBetween(20, 50, c, "cycle time");
            }
            for (double s : Runs.series(batch, machine, Signal.PART_SCRAP).values()) {
                assertTrue(s == 0.0 || s == 1.0, "part_scrap " + s);
            }
        }
    }

    @Test
    void samplesLieOnTheTickGridAndAreUniquePerMachineSensorAndTimestamp() {
        for (double rate : new double[] {10.0, 3.0, 0.7}) {
            SimulatorOptions options = Runs.options().faultPlan(null).samplesPerSecondPerSensor(rate).build();
            TelemetryBatch batch = Runs.run(options, Duration.ofSeconds(200));
            long start = Runs.micros(Runs.START);
            Set<String> keys = new HashSet<>();
            Set<Long> grid = new HashSet<>();
            for (long k = 0; k <= 200 * rate + 1; k++) {
                grid.add(start + Math.round(k * 1e6 / rate));
            }
            for (int i = 0; i < batch.size(); i++) {
                long ts = batch.timestampsMicros()[i];
                assertTrue(grid.contains(ts), "timestamp " + ts + " is off the grid at rate " + rate);
                assertTrue(keys.add(batch.machines()[i] + "|" + batch.sensors()[i] + "|" + ts),
                        "duplicate " + batch.machines()[i] + " " + batch.sensors()[i] + " " + ts);
                assertTrue(BatchValidator.IDENTIFIER.matcher(batch.machines()[i]).matches());
            }
            Runs.Series temperature = Runs.series(batch, "m-001", Signal.TEMPERATURE);
            assertEquals(Math.ceil(200 * rate), temperature.size(), 1.0);
        }
    }

    @Test
    void timestampsAreTheWallClockWhenDrivenLive() {
        FactorySimulator simulator = new FactorySimulator(SimulatorOptions.builder().build());
        long now = BatchValidator.micros(java.time.Instant.now());
        assertTrue(Math.abs(simulator.nextTickMicros() - now) < 5_000_000L);
        TelemetryBatch.Builder out = TelemetryBatch.builder("test", 0);
        simulator.next(now + 1_000_000, out);
        TelemetryBatch batch = out.build();
        assertTrue(batch.size() > 0);
        assertTrue(new BatchValidator().violation(batch, new io.werkstrom.protocol.GatewayAddress("t", "s", "test"),
                java.time.Instant.now()).isEmpty());
    }

    @Test
    void temperatureFollowsALoadStepWithALagWhileLoadFollowsAtOnce() {
        SimulatorOptions options = Runs.options().machines(1).samplesPerSecondPerSensor(10).build();
        TelemetryBatch batch = Runs.run(options, Duration.ofMinutes(15));
        Runs.Series load = Runs.series(batch, "m-001", Signal.SPINDLE_LOAD);
        Runs.Series temperature = Runs.series(batch, "m-001", Signal.TEMPERATURE);
        int steps = 0;
        for (int i = 20; i + 15 < load.size(); i++) {
            // The start of roughing: load idles just before and is high 1.5 s later.
            boolean idleBefore = Runs.mean(load.values(), i - 10, i) < 12;
            boolean highAfter = Runs.mean(load.values(), i + 10, i + 15) > 60;
            if (idleBefore && highAfter && load.values()[i] < 15) {
                steps++;
                double loadRise = Runs.mean(load.values(), i + 10, i + 15) - Runs.mean(load.values(), i - 10, i);
                double temperatureRise = Runs.mean(temperature.values(), i + 10, i + 15)
                        - Runs.mean(temperature.values(), i - 10, i);
                assertTrue(loadRise > 45, "load rose by " + loadRise);
                // The new steady state lies ~20 °C higher; within 1.5 s a 60 s lag moves ~2.5 % of it.
                assertTrue(Math.abs(temperatureRise) < 0.8, "temperature rose by " + temperatureRise + " within 1.5 s");
                i += 100;
            }
        }
        assertTrue(steps >= 15, "load steps found: " + steps);
        // Over whole roughing phases (~15 s at high load) the temperature does climb.
        double maxJump = 0;
        for (int i = 1; i < temperature.size(); i++) {
            maxJump = Math.max(maxJump, Math.abs(temperature.values()[i] - temperature.values()[i - 1]));
        }
        assertTrue(maxJump < 1.0, "temperature jumped by " + maxJump + " between ticks");
    }

    @Test
    void firstOrderLagReaches63PercentAfterOneTimeConstantWhateverTheStep() {
        double coarse = 20.0;
        for (int i = 0; i < 6; i++) {
            coarse = FirstOrderLag.approach(coarse, 50.0, 10.0, 60.0);
        }
        double fine = 20.0;
        for (int i = 0; i < 6_000; i++) {
            fine = FirstOrderLag.approach(fine, 50.0, 0.01, 60.0);
        }
        assertEquals(20.0 + 30.0 * (1 - Math.exp(-1)), coarse, 1e-9);
        assertEquals(coarse, fine, 1e-9);
        assertTrue(FirstOrderLag.approach(20.0, 50.0, 0.1, 60.0) - 20.0 < 0.06, "moves only 0.17 % of the step in 0.1 s");
    }

    @Test
    void eachMachineRunsItsOwnCycleSoMachinesAreNotInLockstep() {
        SimulatorOptions options = Runs.options().machines(4).samplesPerSecondPerSensor(1).build();
        TelemetryBatch batch = Runs.run(options, Duration.ofMinutes(10));
        Set<Long> firstCycleEnds = new HashSet<>();
        for (String machine : options.machineIds()) {
            Runs.Series cycles = Runs.series(batch, machine, Signal.CYCLE_TIME);
            assertFalse(cycles.size() == 0, "no finished part on " + machine);
            firstCycleEnds.add(cycles.micros()[0]);
        }
        assertEquals(4, firstCycleEnds.size());
    }

    private static void assertBetween(double min, double max, double actual, String what) {
        assertTrue(actual >= min && actual <= max, what + " = " + actual + ", expected within [" + min + ", " + max + "]");
    }
}
