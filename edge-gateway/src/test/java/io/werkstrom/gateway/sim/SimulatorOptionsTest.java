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
