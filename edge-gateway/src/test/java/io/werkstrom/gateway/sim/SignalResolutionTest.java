package io.werkstrom.gateway.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.TelemetryBatch;

/** Every simulated reading is a whole number of its sensor's resolution steps, as the wire format expects. */
class SignalResolutionTest {

    @Test
    void everyReadingIsAWholeNumberOfResolutionSteps() {
        FactorySimulator simulator = new FactorySimulator(SimulatorOptions.builder()
                .start(Instant.parse("2026-01-05T08:00:00Z")).build());
        TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
        simulator.next(simulator.tickMicros(0) + 120_000_000L, out);
        TelemetryBatch batch = out.build();
        int checked = 0;
        for (int i = 0; i < batch.size(); i++) {
            double v = batch.values()[i];
            if (!Double.isFinite(v)) {
                continue; // a failed sensor's reading, flagged bad
            }
            Signal signal = Signal.ofSensorId(batch.sensors()[i]);
            double steps = Math.pow(10, signal.resolutionDigits());
            assertEquals(Double.doubleToRawLongBits(Math.round(v * steps) / steps), Double.doubleToRawLongBits(v),
                    signal + " reading " + v + " is not a multiple of " + signal.resolution());
            checked++;
        }
        assertTrue(checked > 20_000, "only " + checked + " readings");
    }

    @Test
    void quantizeRoundsToTheNearestStepAndPassesNonFiniteValues() {
        assertEquals(21.35, Signal.TEMPERATURE.quantize(21.3461));
        assertEquals(1234.0, Signal.SPINDLE_SPEED.quantize(1233.5));
        assertEquals(0.1, Signal.SPINDLE_LOAD.quantize(0.0500001));
        assertTrue(Double.isNaN(Signal.PRESSURE.quantize(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, Signal.POWER.quantize(Double.POSITIVE_INFINITY));
    }
}
