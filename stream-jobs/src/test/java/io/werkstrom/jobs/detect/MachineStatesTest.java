package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MachineStatesTest {

    private static final long SECOND = 1_000_000L;
    private static final long BUCKET = SECOND;
    private static final long CARRY_FORWARD = 10 * SECOND;

    @Test
    void aSensorWhoseSamplesJitterAroundItsRateIsInEveryState() {
        // Temperature every 1 s, each sample up to 60 ms early or late (a gateway's polling, a network):
        // now and then a bucket gets none of its samples, and the last one is a little older than the
        // interval between the two before it.
        Random jitter = new Random(7);
        MachineStates.Machine press = new MachineStates.Machine();
        List<MachineStates.Closed> states = new ArrayList<>();
        for (long tick = 0; tick < 10 * 600; tick++) {
            long micros = tick * SECOND / 10 + 5_000;
            if (tick % 10 == 0) {
                long temperature = micros + (long) ((jitter.nextDouble() - 0.5) * 120_000);
                offer(press, states, temperature, "temperature_c");
            }
            offer(press, states, micros, "load_pct");
        }
        int missing = 0;
        for (MachineStates.Closed state : states.subList(2, states.size())) {
            missing += Double.isNaN(state.values()[0]) ? 1 : 0;
        }
        assertEquals(0, missing, "states without temperature, of " + (states.size() - 2));
    }

    @Test
    void aSensorSampledEveryTwoBucketsWithJitterIsInEveryState() {
        MachineStates.Machine press = new MachineStates.Machine();
        List<MachineStates.Closed> states = new ArrayList<>();
        long[] temperature = {0, 1_990_000, 4_010_000, 5_990_000, 8_000_000, 10_020_000, 11_980_000};
        int next = 0;
        for (long micros = 5_000; micros < 13 * SECOND; micros += SECOND / 10) {
            while (next < temperature.length && temperature[next] <= micros) {
                offer(press, states, temperature[next++], "temperature_c");
            }
            offer(press, states, micros, "load_pct");
        }
        for (MachineStates.Closed state : states.subList(0, 12)) {
            assertFalse(Double.isNaN(state.values()[0]), "bucket at " + state.micros() / SECOND + " s");
        }
    }

    @Test
    void aSensorReportingOnChangeIsCarriedForTheCarryForward() {
        // Spindle speed is sent when it changes (an OPC UA subscription): twice 100 ms apart, once
        // 3 s later, then steady. Its silence says nothing, so its value stands for the carry-forward.
        MachineStates.Machine lathe = new MachineStates.Machine();
        List<MachineStates.Closed> states = new ArrayList<>();
        for (long tick = 0; tick < 10 * 30; tick++) {
            long micros = tick * SECOND / 10 + 5_000;
            if (tick == 0 || tick == 1 || tick == 31) {
                offer(lathe, states, micros, "spindle_rpm");
            }
            offer(lathe, states, micros, "load_pct");
        }
        // Last sent at 3.105 s: carried into every bucket starting within 10 s of it, missing after.
        for (int bucket = 0; bucket <= 13; bucket++) {
            assertFalse(Double.isNaN(states.get(bucket).values()[0]), "bucket " + bucket);
        }
        assertTrue(Double.isNaN(states.get(14).values()[0]), "bucket 14");
    }

    @Test
    void aSensorCarriedForExactlyTheCarryForwardIsStillInTheState() {
        // Spindle speed last sent at 3 s: the bucket starting at 13 s, exactly the carry-forward later, holds it.
        MachineStates.Machine lathe = new MachineStates.Machine();
        List<MachineStates.Closed> states = new ArrayList<>();
        offer(lathe, states, 3 * SECOND, "spindle_rpm");
        for (long second = 3; second <= 15; second++) {
            offer(lathe, states, second * SECOND + 5_000, "load_pct");
        }
        MachineStates.Closed thirteen = states.get(10);
        MachineStates.Closed fourteen = states.get(11);
        assertEquals(13 * SECOND, thirteen.micros());
        assertFalse(Double.isNaN(thirteen.values()[0]), "bucket 13");
        assertTrue(Double.isNaN(fourteen.values()[0]), "bucket 14");
    }

    @Test
    void aSampleSentAgainAtTheSameInstantReplacesTheValueBefore() {
        // A gateway correcting a reading resends it with the same timestamp.
        MachineStates.Machine press = new MachineStates.Machine();
        assertNull(press.offer(SECOND + 100_000, "temperature_c", 61.0, BUCKET, CARRY_FORWARD));
        assertNull(press.offer(SECOND + 100_000, "temperature_c", 62.5, BUCKET, CARRY_FORWARD));
        assertNull(press.offer(SECOND + 50_000, "temperature_c", 40.0, BUCKET, CARRY_FORWARD));
        MachineStates.Closed closed = press.offer(2 * SECOND, "temperature_c", 63.0, BUCKET, CARRY_FORWARD);
        assertEquals(SECOND, closed.micros());
        assertArrayEquals(new double[] {62.5}, closed.values(), "the newest sample, the one sent last");
    }

    @Test
    void aStableFormNamingAModelSensorBeyondItsMachinesSensorsIsRefused() {
        MachineStates states = new MachineStates();
        MachineStates.Machine press = states.machine("press-1");
        press.column("temperature_c");
        press.column("pressure_bar");
        press.modelSensors = new int[] {0, 2};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(states.snapshot()));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void aStableFormNamingASensorOfAMachineTwiceIsRefused() {
        MachineStates states = new MachineStates();
        MachineStates.Machine press = states.machine("press-1");
        press.column("temperature_c");
        press.column("pressure_bar");
        press.sensors.set(1, "temperature_c");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(states.snapshot()));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void aStableFormNamingAMachineTwiceIsRefused() {
        MachineStates states = new MachineStates();
        MachineStates.Machine press = states.machine("press-1");
        press.column("temperature_c");
        press.training.add(new double[] {60.5});
        byte[] one = states.snapshot();
        // The machine's entry written a second time, under a count of 2.
        byte[] twice = Arrays.copyOf(one, one.length + one.length - 8);
        System.arraycopy(one, 8, twice, one.length, one.length - 8);
        twice[7] = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MachineStates.fromSnapshot(twice));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void aVersionFourStateOfAFleetMachineIsReadWithTheModelsSensors() throws IOException {
        MachineStates states = new MachineStates();
        MachineStates.Machine press = states.machine("press-1");
        press.column("temperature_c");
        press.column("pressure_bar");
        press.column("vibration_mm_s");
        press.fleetModelId = "default v1";
        press.fleetSensors = List.of("vibration_mm_s", "temperature_c");
        press.pending.add(new MachineStates.Pending(7 * SECOND, new double[] {2.1, 60.4}));

        MachineStates read = MachineStates.fromSnapshot(MultivariateScorerLimitsTest.olderVersion(states, 4));
        MachineStates.Machine restored = read.machine("press-1");
        assertEquals("default v1", restored.fleetModelId);
        assertEquals(List.of("vibration_mm_s", "temperature_c"), restored.fleetSensors);
        assertEquals(1, restored.pending.size());
        assertArrayEquals(new double[] {2.1, 60.4}, restored.pending.get(0).values());
    }

    private static void offer(MachineStates.Machine machine, List<MachineStates.Closed> states, long micros,
            String sensor) {
        MachineStates.Closed closed = machine.offer(micros, sensor, 1.0, BUCKET, CARRY_FORWARD);
        if (closed != null && closed != MachineStates.LATE) {
            states.add(closed);
        }
    }
}
