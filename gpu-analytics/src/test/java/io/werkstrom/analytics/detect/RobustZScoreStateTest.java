package io.werkstrom.analytics.detect;

import static io.werkstrom.analytics.detect.RobustZScoreDetectorTest.GAUSSIAN;
import static io.werkstrom.analytics.detect.RobustZScoreDetectorTest.plant;
import static io.werkstrom.analytics.detect.RobustZScoreDetectorTest.sigma;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

class RobustZScoreStateTest {

    private static final RobustZScoreOptions OPTIONS =
            RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).windowSize(256).build();
    private static final RobustZScoreDetectorTest.Signal SPIKY = (m, s, step, noise) ->
            GAUSSIAN.value(m, s, step, noise) + (step % 97 == 0 ? 9 * sigma(m, s) : 0);

    private BufferAllocator allocator;
    private JavaKernelBackend backend;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        backend = new JavaKernelBackend(1, 1);
    }

    @AfterEach
    void close() {
        backend.close();
        allocator.close(); // fails the test on a leaked buffer or an unclosed detector
    }

    @Test
    void oneDetectorServingTwoStatesScoresLikeTwoDetectors() {
        List<TelemetryBatch> first = plant(21, 1_200, 6, SPIKY);
        List<TelemetryBatch> second = plant(22, 1_200, 6, SPIKY);
        RobustZScoreState firstState = new RobustZScoreState();
        RobustZScoreState secondState = new RobustZScoreState();
        List<Anomaly> sharedFirst = new ArrayList<>();
        List<Anomaly> sharedSecond = new ArrayList<>();
        List<Anomaly> ownFirst = new ArrayList<>();
        List<Anomaly> ownSecond = new ArrayList<>();
        try (RobustZScoreDetector shared = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector firstOwn = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector secondOwn = new RobustZScoreDetector(backend, OPTIONS, allocator)) {
            // Interleaved, as the batches of two keys reach one operator.
            for (int i = 0; i < first.size(); i++) {
                sharedFirst.addAll(shared.score(first.get(i), firstState));
                sharedSecond.addAll(shared.score(second.get(i), secondState));
                ownFirst.addAll(firstOwn.score(first.get(i)));
                ownSecond.addAll(secondOwn.score(second.get(i)));
            }
            assertFalse(ownFirst.isEmpty());
            assertEquals(ownFirst, sharedFirst);
            assertEquals(ownSecond, sharedSecond);
            assertArrayEquals(firstOwn.snapshot(), firstState.snapshot());
            assertArrayEquals(secondOwn.snapshot(), secondState.snapshot());
            assertEquals(0, shared.seriesCount(), "the shared detector's own state is untouched");
            assertEquals(firstOwn.counters().total() + secondOwn.counters().total(), shared.counters().total());
        }
    }

    @Test
    void copyIsDeepAndLearnsIndependently() {
        List<TelemetryBatch> batches = plant(23, 900, 5, SPIKY);
        int half = batches.size() / 2;
        RobustZScoreState original = new RobustZScoreState();
        try (RobustZScoreDetector detector = new RobustZScoreDetector(backend, OPTIONS, allocator)) {
            for (TelemetryBatch batch : batches.subList(0, half)) {
                detector.score(batch, original);
            }
            RobustZScoreState copy = original.copy();
            byte[] atCopy = copy.snapshot();
            assertArrayEquals(original.snapshot(), atCopy);

            List<Anomaly> fromOriginal = new ArrayList<>();
            for (TelemetryBatch batch : batches.subList(half, batches.size())) {
                fromOriginal.addAll(detector.score(batch, original));
            }
            assertArrayEquals(atCopy, copy.snapshot(), "the copy did not learn what the original did");

            List<Anomaly> fromCopy = new ArrayList<>();
            for (TelemetryBatch batch : batches.subList(half, batches.size())) {
                fromCopy.addAll(detector.score(batch, copy));
            }
            assertFalse(fromOriginal.isEmpty());
            assertEquals(fromOriginal, fromCopy);
            assertArrayEquals(original.snapshot(), copy.snapshot());
        }
    }

    @Test
    void stateReadFromASnapshotScoresLikeTheRestoredDetector() {
        List<TelemetryBatch> batches = plant(24, 1_000, 8, SPIKY);
        int half = batches.size() / 2;
        try (RobustZScoreDetector original = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector shared = new RobustZScoreDetector(backend, OPTIONS, allocator)) {
            batches.subList(0, half).forEach(original::score);
            byte[] snapshot = original.snapshot();
            RobustZScoreState state = RobustZScoreState.fromSnapshot(snapshot);
            assertEquals(original.seriesCount(), state.seriesCount());
            assertArrayEquals(snapshot, state.snapshot(), "an unscored state writes what it read");
            assertArrayEquals(snapshot, state.copy().snapshot());
            for (TelemetryBatch batch : batches.subList(half, batches.size())) {
                assertEquals(original.score(batch), shared.score(batch, state));
            }
            assertArrayEquals(original.snapshot(), state.snapshot());
        }
    }

    @Test
    void stateScoredUnderOtherOptionsIsFittedToThem() {
        List<TelemetryBatch> batches = plant(25, 400, 10, RobustZScoreDetectorTest.GAUSSIAN);
        RobustZScoreOptions small = OPTIONS.toBuilder().windowSize(64).build();
        RobustZScoreState state = new RobustZScoreState();
        try (RobustZScoreDetector wide = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector narrow = new RobustZScoreDetector(backend, small, allocator)) {
            batches.subList(0, batches.size() - 1).forEach(batch -> wide.score(batch, state));
            TelemetryBatch last = batches.get(batches.size() - 1);
            try (RobustZScoreDetector restored = RobustZScoreDetector.restore(backend, small, allocator,
                    state.snapshot())) {
                assertEquals(restored.score(last), narrow.score(last, state));
                assertArrayEquals(restored.snapshot(), state.snapshot());
            }
        }
    }

    @Test
    void failedScoringLeavesTheStateAsItWas() {
        List<TelemetryBatch> batches = plant(26, 300, 10, SPIKY);
        RobustZScoreState state = new RobustZScoreState();
        KernelBackend failing = new KernelBackend() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                                Float8Vector out) {
                throw new IllegalStateException("device lost");
            }

            @Override
            public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower,
                                     Float8Vector upper, Float8Vector scale, IntVector modeCount, Float8Vector out) {
                throw new IllegalStateException("device lost");
            }

            @Override
            public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                 Float8Vector scale, Float8Vector loadings, Float8Vector eigenvalues,
                                 IntVector componentCount, Float8Vector t2, Float8Vector spe) {
                throw new IllegalStateException("device lost");
            }

            @Override
            public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                                      Float8Vector scale, Float8Vector memory, IntVector memoryCount,
                                      Float8Vector inverse, Float8Vector bandwidth, Float8Vector out) {
                throw new IllegalStateException("device lost");
            }

            @Override
            public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots,
                                    IntVector nodeFeature, Float8Vector nodeThreshold, IntVector nodeLeft,
                                    IntVector nodeRight, Float8Vector nodeValue, double baseScore, Float8Vector out) {
                throw new IllegalStateException("device lost");
            }

            @Override
            public void close() {
            }
        };
        // A scorable row, so the backend is called, a row of a machine the state does not know yet,
        // and one of a new sensor of a known machine, whose other sensors stay.
        TelemetryBatch newSeries = TelemetryBatch.builder("gw-1", 99)
                .add(RobustZScoreDetectorTest.timestamp(300), "press-1", "temperature_c", 21.0, Quality.GOOD)
                .add(RobustZScoreDetectorTest.timestamp(300), "oven-9", "temperature_c", 180.0, Quality.GOOD)
                .add(RobustZScoreDetectorTest.timestamp(300), "press-1", "oil_level_pct", 80.0, Quality.GOOD)
                .build();
        try (RobustZScoreDetector detector = new RobustZScoreDetector(backend, OPTIONS, allocator);
             RobustZScoreDetector broken = new RobustZScoreDetector(failing, OPTIONS, allocator)) {
            batches.forEach(batch -> detector.score(batch, state));
            byte[] before = state.snapshot();
            int series = state.seriesCount();
            assertThrows(IllegalStateException.class, () -> broken.score(newSeries, state));
            assertArrayEquals(before, state.snapshot());
            assertEquals(series, state.seriesCount());
        }
    }

    /**
     * Version 1 did not record when a series started: its series count as learned long ago, one
     * without samples as not started. Its last series ends the bytes with its samples.
     */
    @Test
    void aVersionOneSnapshotIsReadWithItsSeriesLearned() throws IOException {
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        ByteArrayOutputStream v2 = new ByteArrayOutputStream();
        try (DataOutputStream one = new DataOutputStream(v1); DataOutputStream two = new DataOutputStream(v2)) {
            for (DataOutputStream out : List.of(one, two)) {
                out.writeInt(0x57525a53); // "WRZS"
                out.writeInt(out == one ? 1 : 2);
                out.writeInt(2);
            }
            for (DataOutputStream out : List.of(one, two)) {
                writeSeries(out, "gw-1", "press-1", "temperature_c", new double[0]);
                if (out == two) {
                    out.writeLong(SeriesWindow.NO_SAMPLE_YET);
                }
                writeSeries(out, "gw-1", "press-1", "pressure_bar", new double[] {1, 2, 3});
                if (out == two) {
                    out.writeLong(SeriesWindow.LEARNED_LONG_AGO);
                }
            }
        }
        RobustZScoreState state = RobustZScoreState.fromSnapshot(v1.toByteArray());
        assertEquals(2, state.seriesCount());
        assertArrayEquals(v2.toByteArray(), state.snapshot());
    }

    private static void writeSeries(DataOutputStream out, String gateway, String machine, String sensor,
                                    double[] values) throws IOException {
        for (String name : List.of(gateway, machine, sensor)) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    @Test
    void rejectsASnapshotItCannotRead() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RobustZScoreState.fromSnapshot(new byte[] {1, 2, 3}));
        assertTrue(e.getMessage().startsWith("not a readable robust-z detector snapshot: "), e.getMessage());
    }
}
