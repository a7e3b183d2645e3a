package io.werkstrom.gateway.collect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.TelemetryBatch;

class SimulatorCollectorTest {

    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");
    private static final long START_MICROS = START.getEpochSecond() * 1_000_000L;
    /** "Now" for the collectors: the simulation's start is within what the cloud accepts whenever the tests run. */
    private static final Clock NOW = Clock.fixed(START.plus(Duration.ofHours(1)), ZoneOffset.UTC);

    private static SimulatorOptions options() {
        return SimulatorOptions.builder().machines(3).samplesPerSecondPerSensor(20).seed(9).start(START)
                .faultPlan(FaultPlan.demo(List.of("m-001", "m-002", "m-003"))).build();
    }

    @Test
    void aRestartAfterTheLastSpooledSampleContinuesExactlyAsAnUninterruptedRun() throws Exception {
        long resumeAfter = START_MICROS + 37_000_000L + 50_000; // a tick: 20 samples/s
        long until = resumeAfter + 5_000_000L;

        TelemetryBatch.Builder uninterrupted = TelemetryBatch.builder("gw", 0);
        try (SimulatorCollector collector = new SimulatorCollector(options(), NOW)) {
            collector.start(Long.MIN_VALUE);
            collector.collect(resumeAfter + 1, TelemetryBatch.builder("gw", 0));
            collector.collect(until, uninterrupted);
        }
        TelemetryBatch.Builder resumed = TelemetryBatch.builder("gw", 0);
        try (SimulatorCollector collector = new SimulatorCollector(options(), NOW)) {
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
    void aBoundedCollectHandsOverAtMostTheBoundAndTheRestFirstInLaterCallsInOrder() throws Exception {
        long first = START_MICROS + 2_000_000L;
        long later = START_MICROS + 3_000_000L;
        TelemetryBatch.Builder all = TelemetryBatch.builder("gw", 0);
        try (SimulatorCollector collector = new SimulatorCollector(options(), NOW)) {
            collector.start(Long.MIN_VALUE);
            collector.collect(later, all);
        }
        List<TelemetryBatch> calls = new ArrayList<>();
        try (SimulatorCollector collector = new SimulatorCollector(options(), NOW)) {
            collector.start(Long.MIN_VALUE);
            // 7 is less than a tick's samples (3 machines x 6 sensors): such a tick is split
            assertEquals(7, collect(collector, first, 7, calls));
            assertEquals(7, collect(collector, first, 7, calls));
            assertEquals(4, collect(collector, first, 7, calls), "the rest of the tick, not a part of the next");
            int bounded = calls.size();
            while (collect(collector, later, 100, calls) > 0) {
                assertTrue(calls.size() < 1_000, "the bounded calls never end");
            }
            assertTrue(calls.size() - bounded > 2, "the samples due at " + later + " take several calls: " + calls.size());
            for (int i = bounded; i < calls.size() - 1; i++) {
                TelemetryBatch call = calls.get(i);
                assertTrue(call.size() <= 100, call.size() + " samples in one call");
                assertTrue(call.timestampsMicros()[call.size() - 1] < calls.get(i + 1).timestampsMicros()[0],
                        "a tick that fits the bound is handed over whole, in one call");
            }
        }
        TelemetryBatch.Builder bounded = TelemetryBatch.builder("gw", 0);
        for (TelemetryBatch call : calls) {
            for (int i = 0; i < call.size(); i++) {
                bounded.add(call.timestampsMicros()[i], call.machines()[i], call.sensors()[i], call.values()[i],
                        call.quality(i));
            }
        }
        assertEquals(all.build(), bounded.build(), "every sample once, in order");
    }

    /** One bounded collect call; its samples, if any, are added to {@code calls}. */
    private static int collect(SimulatorCollector collector, long until, int maxSamples, List<TelemetryBatch> calls)
            throws Exception {
        TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
        int n = collector.collect(until, maxSamples, out);
        assertEquals(n, out.size());
        if (n > 0) {
            calls.add(out.build());
        }
        return n;
    }

    @Test
    void collectHandsOverSamplesBeforeTheBoundOnlyAndEachOnce() throws Exception {
        try (SimulatorCollector collector = new SimulatorCollector(options(), NOW)) {
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

    @Test
    void aStartWhoseSamplesTheCloudWouldRefuseAsTooOldIsRefusedNamingTheBound() throws Exception {
        // Now is 364 days and 1 h after the start: the cloud keeps 365 days, less a day for delivery.
        Clock yearLater = Clock.fixed(START.plus(Duration.ofDays(364)).plus(Duration.ofHours(1)), ZoneOffset.UTC);
        try (SimulatorCollector collector = new SimulatorCollector(options(), yearLater)) {
            StartRefusedException refused = assertThrows(StartRefusedException.class,
                    () -> collector.start(Long.MIN_VALUE));
            assertEquals("simulator: start 2026-11-28T10:00:00Z puts its first sample at 2026-11-28T10:00:00Z, before"
                    + " 2026-11-28T11:00:00Z: the cloud refuses samples from before 1990-01-01T00:00:00Z or older than"
                    + " its maximum sample age of 365 days (less a day kept for delivery); choose a later start"
                    + " (--start), or leave it out to simulate from now.", refused.getMessage());
        }
        try (SimulatorCollector collector = new SimulatorCollector(options(), yearLater)) {
            StartRefusedException refused = assertThrows(StartRefusedException.class,
                    () -> collector.start(START_MICROS + 10_000_000L));
            assertTrue(refused.getMessage().contains("puts its next sample at 2026-11-28T10:00:10.000001Z"),
                    refused.getMessage());
        }
        // Resuming after a sample within the bound: the machines fast-forward and go on.
        long resumeAfter = START_MICROS + 3_610_000_000L;
        try (SimulatorCollector collector = new SimulatorCollector(options(), yearLater)) {
            collector.start(resumeAfter);
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
            assertTrue(collector.collect(resumeAfter + 1_000_000L, out) > 0);
            assertTrue(out.build().timestampsMicros()[0] > resumeAfter);
        }
    }
}
