package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.Signal;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.TelemetryBatch;

class ChaosOptionsTest {

    @Test
    void theDefaultScheduleKillsTheGatewayAfterTheOutageAndLeavesTimeAfterTheRestart() {
        ChaosOptions options = new ChaosOptions(ChaosOptions.DEFAULT_DURATION, ChaosOptions.DEFAULT_OUTAGE, 4, 10, 42);
        assertEquals(Duration.ofSeconds(38), options.outageEnd());
        assertTrue(options.killAt().compareTo(options.outageEnd().plusSeconds(5)) >= 0, options.killAt().toString());
        assertTrue(options.killAt().plus(ChaosOptions.RESTART_PAUSE).plus(ChaosOptions.MIN_AFTER_RESTART)
                .compareTo(options.duration()) <= 0, options.killAt().toString());
    }

    @Test
    void aDurationTooShortForTheScheduleIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChaosOptions(Duration.ofSeconds(40), Duration.ofSeconds(30), 4, 10, 42));
        assertTrue(e.getMessage().startsWith("duration must be at least 53s"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new ChaosOptions(Duration.ofSeconds(90), Duration.ZERO, 4, 10, 42)).getMessage().startsWith("outage"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new ChaosOptions(Duration.ofSeconds(90), Duration.ofSeconds(5), 0, 10, 42)).getMessage()
                .startsWith("machines"));
    }

    @Test
    void aRateWhoseTickExceedsTheShortfallAllowanceIsRefusedNamingTheKey() {
        // At 0.2 samples/s a gateway that ran to the very end of a 53 s run spooled its last sample at 50 s:
        // 3 s short, which the drill reports as a gateway that stopped early.
        Instant start = Instant.parse("2026-11-28T10:00:00Z");
        SimulatorOptions slow = SimulatorOptions.builder().machines(1).samplesPerSecondPerSensor(0.2).seed(1)
                .faultPlan(FaultPlan.none()).start(start).build();
        FactorySimulator simulator = new FactorySimulator(slow);
        long end = start.plusSeconds(53).getEpochSecond() * 1_000_000L;
        assertTrue(simulator.tickMicros(10) <= end && simulator.tickMicros(11) > end, "tick 10 is the run's last");
        assertEquals(3.0, EdgeChaos.shortBySeconds(start, Duration.ofSeconds(53), simulator.tickMicros(10)), 1e-9);
        assertTrue(3.0 > ChaosResult.SHORTFALL_ALLOWANCE_SECONDS);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChaosOptions(Duration.ofSeconds(53), Duration.ofSeconds(30), 4, 0.2, 42));
        assertTrue(e.getMessage().startsWith("rate must be from 1 to 100 samples/s"), e.getMessage());
        assertEquals(ChaosOptions.MIN_RATE, new ChaosOptions(Duration.ofSeconds(53), Duration.ofSeconds(30), 4,
                ChaosOptions.MIN_RATE, 42).rate());
    }

    @Test
    void theGeneratedSamplesAreEveryTickOfEveryMachineAndSensorUpToTheLastSpooledOne() {
        Instant start = Instant.parse("2026-11-28T10:00:00Z");
        SimulatorOptions options = SimulatorOptions.builder().machines(2).samplesPerSecondPerSensor(10).seed(1)
                .faultPlan(FaultPlan.none()).start(start).build();
        long startMicros = start.getEpochSecond() * 1_000_000L;
        // Ticks at 0, 100 ms, ..., 20 s: 201 ticks, each for every machine and continuous signal.
        Map<EdgeChaos.Key, EdgeChaos.Reading> generated = EdgeChaos.generated(options, startMicros + 20_000_000L);
        int emitted = new FactorySimulator(options).next(startMicros + 20_000_000L, TelemetryBatch.builder("gw", 0));
        assertEquals(emitted, generated.size(), "each sample once");
        long perTick = generated.keySet().stream().filter(k -> k.micros() == startMicros).count();
        long continuous = java.util.Arrays.stream(Signal.values()).filter(Signal::continuous).count();
        assertEquals(2 * continuous, perTick, "every machine's continuous signals at the first tick");
        assertEquals(201, generated.keySet().stream().mapToLong(EdgeChaos.Key::micros).distinct().count());
    }
}
