package io.werkstrom.gateway.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatorOptionsTest {

    @Test
    void defaultsAreFourMachinesAtTenSamplesPerSecondWithTheDemoFaults() {
        SimulatorOptions options = SimulatorOptions.builder().build();
        assertEquals(List.of("m-001", "m-002", "m-003", "m-004"), options.machineIds());
        assertEquals(10.0, options.samplesPerSecondPerSensor());
        assertEquals(FaultPlan.demo(options.machineIds()), options.faultPlan());
        assertTrue(options.start().isEmpty());
        assertEquals(240.0, options.samplesPerSecond());
    }

    @Test
    void machineIdsAreTheSameUnderEveryDefaultLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        // Persian formats numbers with Extended Arabic-Indic digits, which no identifier may hold.
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("fa-IR"));
        try {
            assertEquals(List.of("m-001", "m-002"), SimulatorOptions.builder().machines(2).build().machineIds());
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessageNames("machines", () -> SimulatorOptions.builder().machines(0).build());
        assertMessageNames("machines", () -> SimulatorOptions.builder().machines(10_000).build());
        assertMessageNames("samplesPerSecondPerSensor", () -> SimulatorOptions.builder().samplesPerSecondPerSensor(0).build());
        assertMessageNames("samplesPerSecondPerSensor",
                () -> SimulatorOptions.builder().samplesPerSecondPerSensor(Double.NaN).build());
        assertMessageNames("machineIdPrefix", () -> SimulatorOptions.builder().machineIdPrefix("m/").build());
        assertMessageNames("faultPlan", () -> SimulatorOptions.builder().machines(2)
                .faultPlan(FaultPlan.of(new Fault.Drift("m-003", Signal.POWER, Duration.ZERO, 1.0))).build());
        assertMessageNames("start", () -> SimulatorOptions.builder().start(java.time.Instant.EPOCH).build());
    }

    /** Beyond the year 294247 tick 0's timestamp in µs would overflow when the collector starts. */
    @Test
    void aStartAfterTheYear9999IsRefusedNamingItAndTheLastMomentOfThatYearIsAccepted() {
        java.time.Instant last = java.time.Instant.parse("9999-12-31T23:59:59.999999Z");
        assertEquals(last, SimulatorOptions.builder().start(last).build().start().orElseThrow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatorOptions.builder().start(java.time.Instant.parse("+300000-01-01T00:00:00Z")).build());
        assertEquals("start must not lie after 9999-12-31T23:59:59.999999Z, got +300000-01-01T00:00:00Z.", e.getMessage());
        assertMessageNames("start", () -> SimulatorOptions.builder().start(last.plusNanos(1_000)).build());
    }

    /**
     * Below one sample a day the second tick's timestamp overflows and wraps round to a negative
     * time, before every bound a simulator is driven to: it would hand over ticks without end.
     */
    @Test
    void aRateTooLowForTheTicksToHaveTimestampsIsRefusedAndTheLowestAcceptedKeepsThemInOrder() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> SimulatorOptions.builder().samplesPerSecondPerSensor(1e-14).build());
        assertEquals("samplesPerSecondPerSensor must be from 1.1574074074074073E-5 (one sample a day) to 1000.0,"
                + " got 1.0E-14.", refused.getMessage());
        FactorySimulator slowest = new FactorySimulator(SimulatorOptions.builder()
                .samplesPerSecondPerSensor(SimulatorOptions.MIN_RATE).start(java.time.Instant.parse("9999-01-01T00:00:00Z"))
                .build());
        assertEquals(slowest.tickMicros(0) + 86_400_000_000L, slowest.tickMicros(1));
        assertEquals(0, slowest.next(slowest.tickMicros(0) - 1, io.werkstrom.protocol.TelemetryBatch.builder("gw", 0)));
        assertEquals(24, slowest.next(slowest.tickMicros(1) - 1, io.werkstrom.protocol.TelemetryBatch.builder("gw", 0)),
                "one tick of 4 machines x 6 signals");
    }

    @Test
    void faultsRejectNonsenseAndNameTheField() {
        assertMessageNames("probability",
                () -> new Fault.Spike("m-001", Signal.POWER, Duration.ZERO, 3.0, 1.5));
        assertMessageNames("signal",
                () -> new Fault.Drift("m-001", Signal.PART_SCRAP, Duration.ZERO, 1.0));
        assertMessageNames("duration",
                () -> new Fault.Stuck("m-001", Signal.POWER, Duration.ZERO, Duration.ZERO));
        assertMessageNames("start",
                () -> new Fault.BearingWear("m-001", Duration.ofSeconds(-1), 0.1));
        assertMessageNames("wearPerMinute",
                () -> new Fault.BearingWear("m-001", Duration.ZERO, 0));
    }

    private static void assertMessageNames(String key, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key), "message should start with '" + key + "': " + e.getMessage());
    }
}
