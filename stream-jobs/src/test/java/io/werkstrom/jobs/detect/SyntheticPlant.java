package io.werkstrom.jobs.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/** Batches of one gateway: 24 Gaussian series with a rare spike, each sampled 12 times per batch; fixed seed. */
final class SyntheticPlant {

    static final int MACHINES = 4;
    static final int SENSORS = 6;
    static final int STEPS_PER_BATCH = 12;
    private static final long T0 = 1_700_000_000_000_000L;
    private static final long STEP_MICROS = 100_000L;

    private SyntheticPlant() {
    }

    static List<TelemetryBatch> batches(String gateway, long seed, int count) {
        Random random = new Random(seed);
        List<TelemetryBatch> batches = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(gateway, b);
            for (int k = 0; k < STEPS_PER_BATCH; k++) {
                int step = b * STEPS_PER_BATCH + k;
                for (int m = 0; m < MACHINES; m++) {
                    for (int s = 0; s < SENSORS; s++) {
                        double sigma = 0.5 + 0.2 * s;
                        double spike = random.nextInt(2_000) == 0 ? 12 * sigma : 0;
                        builder.add(T0 + step * STEP_MICROS, "machine-" + m, "sensor-" + s,
                                10 * (m + 1) + 5 * s + sigma * random.nextGaussian() + spike, Quality.GOOD);
                    }
                }
            }
            batches.add(builder.build());
        }
        return batches;
    }
}
