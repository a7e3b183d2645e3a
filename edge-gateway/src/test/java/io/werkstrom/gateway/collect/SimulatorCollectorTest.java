package io.werkstrom.gateway.collect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.TelemetryBatch;

class SimulatorCollectorTest {

    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");
    private static final long START_MICROS = START.getEpochSecond() * 1_000_000L;

    private static SimulatorOptions options() {
        return SimulatorOptions.builder().machines(3).samplesPerSecondPerSensor(20).seed(9).start(START)
                .faultPlan(FaultPlan.demo(java.util.List.of("m-001", "m-002", "m-003"))).build();
    }

    @Test
    void aRestartAfterTheLastSpooledSampleContinuesExactlyAsAnUninterruptedRun() throws Exception {
        long resumeAfter = START_MICROS + 37_000_000L + 50_000; // a tick: 20 samples/s
        long until = resumeAfter + 5_000_000L;

        TelemetryBatch.Builder uninterrupted = TelemetryBatch.builder("gw", 0);
        try (SimulatorCollector collector = new SimulatorCollector(options())) {
            collector.start(Long.MIN_VALUE);
            collector.collect(resumeAfter + 1, TelemetryBatch.builder("gw", 0));
            collector.collect(until, uninterrupted);
        }
        TelemetryBatch.Builder resumed = TelemetryBatch.builder("gw", 0);
        try (SimulatorCollector collector = new SimulatorCollector(options())) {
            collector.start(resumeAfter);
            collector.collect(until, resumed);
        }
        TelemetryBatch expected = uninterrupted.build();
        TelemetryBatch got = resumed.build();
        assertTrue(expected.size() > 0);
        assertTrue(got.timestampsMicros()[0] > resumeAfter, "nothing at or before the last spooled sample again");
        assertArrayEquals(expected.timestampsMicros(), got.timestampsMicros());
        assertArrayEquals(expected.machines(), got.machines());
        assertArrayEquals(expected.sensors(), got.sensors());
        assertArrayEquals(expected.values(), got.values());
    }

    @Test
    void collectHandsOverSamplesBeforeTheBoundOnlyAndEachOnce() throws Exception {
        try (SimulatorCollector collector = new SimulatorCollector(options())) {
            collector.start(Long.MIN_VALUE);
            TelemetryBatch.Builder first = TelemetryBatch.builder("gw", 0);
            int n = collector.collect(START_MICROS + 100_000, first); // ticks at 0 and 50 ms, not 100 ms
            assertEquals(n, first.size());
            TelemetryBatch batch = first.build();
            assertTrue(batch.timestampsMicros()[batch.size() - 1] < START_MICROS + 100_000);
            assertEquals(0, collector.collect(START_MICROS + 100_000, TelemetryBatch.builder("gw", 0)), "nothing twice");
            assertTrue(collector.describe().contains("3 machines"), collector.describe());
            assertThrows(IllegalStateException.class, () -> collector.start(Long.MIN_VALUE));
        }
    }
}
