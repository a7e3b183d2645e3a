package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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

    private static void offer(MachineStates.Machine machine, List<MachineStates.Closed> states, long micros,
            String sensor) {
        MachineStates.Closed closed = machine.offer(micros, sensor, 1.0, BUCKET, CARRY_FORWARD);
        if (closed != null && closed != MachineStates.LATE) {
            states.add(closed);
        }
    }
}
