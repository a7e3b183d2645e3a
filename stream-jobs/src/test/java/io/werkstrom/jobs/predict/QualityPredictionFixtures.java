package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.werkstrom.analytics.predict.CycleFeatures;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.protocol.Quality;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.TelemetryBatch;

/** Production cycles for the tests: scrap exactly when the cycle's mean vibration is above 5 mm/s. */
public final class QualityPredictionFixtures {

    static final String VIBRATION = "vibration_rms_mm_s";

    /**
     * Feeds one batch to {@code tracker} as it comes, whatever its place in its gateway's order (a
     * fresh order takes its first batch at once), and returns the predictions it yields.
     */
    static List<QualityPrediction> asItComes(CyclePredictor predictor, ReceivedBatch received, CycleTracker tracker) {
        return predictor.accept(received, new BatchOrder(), tracker, 0L);
    }

    private QualityPredictionFixtures() {
    }

    /** A model trained on synthetic cycles where high vibration means scrap. */
    public static PartQualityModel vibrationModel() {
        Random random = new Random(5);
        List<double[]> cycles = new ArrayList<>();
        boolean[] scrap = new boolean[400];
        for (int i = 0; i < scrap.length; i++) {
            CycleFeatures features = new CycleFeatures();
            double level = random.nextDouble() * 10;
            for (int s = 0; s < 5; s++) {
                features.add(VIBRATION, level + random.nextGaussian() * 0.1);
            }
            cycles.add(features.features(30));
            scrap[i] = level > 5;
        }
        return PartQualityModel.fit(cycles, scrap, PartQualityModel.defaultOptions());
    }

    /**
     * Appends one cycle of {@code machine} ending at {@code endMicros}: five vibration samples at
     * {@code vibration}, then its end and (when {@code outcome} is set) its outcome.
     */
    public static void cycle(TelemetryBatch.Builder batch, String machine, long endMicros, double vibration, Boolean outcome) {
        for (int s = 5; s >= 1; s--) {
            batch.add(endMicros - s * 1_000_000L, machine, VIBRATION, vibration, Quality.GOOD);
        }
        batch.add(endMicros, machine, CycleFeatures.CYCLE_TIME, 30.0, Quality.GOOD);
        if (outcome != null) {
            batch.add(endMicros, machine, CycleFeatures.PART_SCRAP, outcome ? 1.0 : 0.0, Quality.GOOD);
        }
    }
    /**
     * 100 s of {@code machines}, cut into batches of {@code batchSeconds} numbered from 0: a cycle
     * end at 1 s marks the first cycle's start, then three 30 s cycles end at 31, 61 and 91 s, of
     * high (scrap), low and high vibration, one sample a second, without outcomes.
     */
    public static List<TelemetryBatch> alternatingCycles(String gateway, List<String> machines, int batchSeconds) {
        List<TelemetryBatch> batches = new ArrayList<>();
        TelemetryBatch.Builder batch = null;
        for (int second = 0; second < 100; second++) {
            if (second % batchSeconds == 0) {
                if (batch != null) {
                    batches.add(batch.build());
                }
                batch = TelemetryBatch.builder(gateway, batches.size());
            }
            for (String machine : machines) {
                long micros = second * 1_000_000L;
                if (second == 1) {
                    batch.add(micros, machine, CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
                } else if (second % 30 == 1) {
                    batch.add(micros, machine, CycleFeatures.CYCLE_TIME, 30.0, Quality.GOOD);
                } else if (second > 1) {
                    batch.add(micros, machine, VIBRATION, (second - 2) / 30 % 2 == 0 ? 8.0 : 1.0, Quality.GOOD);
                }
            }
        }
        batches.add(batch.build());
        return batches;
    }
}
