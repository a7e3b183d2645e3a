package io.werkstrom.gateway.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.TelemetryBatch;

class ScrapModelTest {

    @Test
    void healthyConditionsGiveTheBaseRateAndEachDisturbanceRaisesIt() {
        double healthy = ScrapModel.probability(1.0, 1.5, 39.0);
        assertEquals(1.0 / (1.0 + Math.exp(3.6)), healthy, 1e-12);
        assertTrue(ScrapModel.probability(6.0, 1.5, 39.0) > 4 * healthy, "temperature deviation");
        assertTrue(ScrapModel.probability(1.0, 4.5, 39.0) > 4 * healthy, "vibration");
        assertTrue(ScrapModel.probability(1.0, 1.5, 28.0) > 3 * healthy, "pressure dip");
        assertTrue(ScrapModel.probability(12.0, 7.0, 20.0) > 0.99, "everything wrong");
        // Monotone in each input.
        for (double d = 0; d < 10; d += 0.5) {
            assertTrue(ScrapModel.probability(d + 0.5, 1.5, 39) >= ScrapModel.probability(d, 1.5, 39));
            assertTrue(ScrapModel.probability(1, 1 + d + 0.5, 39) >= ScrapModel.probability(1, 1 + d, 39));
            assertTrue(ScrapModel.probability(1, 1.5, 40 - d - 0.5) >= ScrapModel.probability(1, 1.5, 40 - d));
        }
    }

    @Test
    void bearingWearScrapsMeasurablyMorePartsThanNormalOperation() {
        SimulatorOptions healthy = Runs.options().machines(6).samplesPerSecondPerSensor(1).seed(11).build();
        List<Fault> wear = new ArrayList<>();
        for (String machine : healthy.machineIds()) {
            wear.add(new Fault.BearingWear(machine, Duration.ZERO, 0.25)); // half worn after 2 minutes
        }
        SimulatorOptions worn = healthy.toBuilder().faultPlan(FaultPlan.of(wear)).build();
        double[] normal = scrapRate(Runs.run(healthy, Duration.ofHours(2)));
        double[] degraded = scrapRate(Runs.run(worn, Duration.ofHours(2)));
        assertTrue(normal[1] > 1000 && degraded[1] > 1000, "parts: " + normal[1] + ", " + degraded[1]);
        assertTrue(normal[0] > 0.01 && normal[0] < 0.08, "healthy scrap rate " + normal[0]);
        assertTrue(degraded[0] > 0.5, "worn-bearing scrap rate " + degraded[0]);
    }

    /** {rate, parts}. */
    private static double[] scrapRate(TelemetryBatch batch) {
        double scrapped = 0;
        double parts = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.sensors()[i].equals(Signal.PART_SCRAP.sensorId())) {
                scrapped += batch.values()[i];
                parts++;
            }
        }
        return new double[] {scrapped / parts, parts};
    }
}
