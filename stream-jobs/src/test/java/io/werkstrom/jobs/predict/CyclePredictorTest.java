package io.werkstrom.jobs.predict;

import static io.werkstrom.jobs.predict.QualityPredictionFixtures.asItComes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.arrow.memory.RootAllocator;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.predict.CycleFeatures;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

class CyclePredictorTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final ModelRegistry.Loaded<PartQualityModel> MODEL = new ModelRegistry.Loaded<>(QualityPredictionFixtures.vibrationModel(),
            ModelRegistry.PART_SCRAP, 3, "default");

    @Test
    void theModelsTreesRunOnTheGivenBackend() {
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        batch.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(batch, "m1", 40_000_000L, 8.0, true);
        TelemetryBatch built = batch.build();
        List<QualityPrediction> shared = asItComes(new CyclePredictor((gateway, machine) -> Optional.of(MODEL)),
                new ReceivedBatch(GATEWAY, built, 1L), new CycleTracker());
        try (JavaKernelBackend backend = new JavaKernelBackend(2, 1)) {
            List<QualityPrediction> own = asItComes(new CyclePredictor((gateway, machine) -> Optional.of(MODEL), backend),
                    new ReceivedBatch(GATEWAY, built, 1L), new CycleTracker());
            assertEquals(shared, own);
            backend.close();
            // A closed backend fails the call: the predictor scored on it, not on a backend of its own.
            // Only the prediction is lost: the outcome is still reported, the failure counted.
            CyclePredictor closed = new CyclePredictor((gateway, machine) -> Optional.of(MODEL), backend);
            List<QualityPrediction> withoutPrediction = asItComes(closed, new ReceivedBatch(GATEWAY, built, 1L),
                    new CycleTracker());
            assertEquals(1, closed.failedCycles());
            assertEquals("kernel backend 'java' is closed.", closed.lastFailure().getMessage());
            assertEquals(1, withoutPrediction.size());
            assertFalse(withoutPrediction.get(0).hasPrediction());
            QualityPrediction outcome = withoutPrediction.get(0);
            assertEquals(List.of("m1", shared.get(0).cycleEndMicros(), shared.get(0).actualScrap()),
                    List.of(outcome.machine(), outcome.cycleEndMicros(), outcome.actualScrap()),
                    "the outcome, as it came with the prediction");
            // The next batch starts a fresh count.
            asItComes(closed, new ReceivedBatch(GATEWAY, TelemetryBatch.builder("gw-1", 1).build(), 2L),
                    new CycleTracker());
            assertEquals(0, closed.failedCycles());
            assertNull(closed.lastFailure());
        }
    }

    @Test
    void predictsEveryCycleWhoseStartItSawAndPairsTheOutcome() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        batch.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);  // marks the first start
        QualityPredictionFixtures.cycle(batch, "m1", 40_000_000L, 8.0, true);
        QualityPredictionFixtures.cycle(batch, "m1", 80_000_000L, 1.0, false);
        List<QualityPrediction> predictions = asItComes(predictor, new ReceivedBatch(GATEWAY, batch.build(), 99L), tracker);

        assertEquals(2, predictions.size(), predictions.toString());
        QualityPrediction high = predictions.get(0);
        assertEquals(40_000_000L, high.cycleEndMicros());
        assertTrue(high.probability() > 0.8, "high vibration: " + high.probability());
        assertEquals(Boolean.TRUE, high.actualScrap());
        assertEquals(3, high.modelVersion());
        QualityPrediction low = predictions.get(1);
        assertTrue(low.probability() < 0.2, "low vibration: " + low.probability());
        assertEquals(Boolean.FALSE, low.actualScrap());
    }

    @Test
    void aCycleEndSentTwiceIsPredictedOnce() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        batch.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(batch, "m1", 40_000_000L, 8.0, true);
        batch.add(40_000_000L, "m1", CycleFeatures.CYCLE_TIME, 30.0, Quality.GOOD);
        List<QualityPrediction> predictions = asItComes(predictor, new ReceivedBatch(GATEWAY, batch.build(), 1L),
                tracker);
        // Two rows of one cycle would make one insert conflict with itself: the sink's write would fail.
        assertEquals(1, predictions.size(), predictions.toString());
        assertTrue(predictions.get(0).probability() > 0.8, "the cycle's own samples: " + predictions.get(0));
        assertEquals(Boolean.TRUE, predictions.get(0).actualScrap());

        TelemetryBatch.Builder again = TelemetryBatch.builder("gw-1", 1);
        again.add(40_000_000L, "m1", CycleFeatures.CYCLE_TIME, 30.0, Quality.GOOD);
        assertEquals(List.of(), asItComes(predictor, new ReceivedBatch(GATEWAY, again.build(), 2L), tracker));
    }

    @Test
    void anOutcomeLaggingMoreCyclesThanTheMarksKeptIsStillReported() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder cycles = TelemetryBatch.builder("gw-1", 0);
        cycles.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        int made = CycleTracker.MAX_AWAITED + 4;
        for (int k = 1; k <= made; k++) {
            QualityPredictionFixtures.cycle(cycles, "m1", k * 40_000_000L, 8.0, null);
        }
        assertEquals(made, asItComes(predictor, new ReceivedBatch(GATEWAY, cycles.build(), 1L), tracker).size());

        // The outcomes come from an inspection that lags the machine: the first part's only now.
        TelemetryBatch.Builder outcomes = TelemetryBatch.builder("gw-1", 1);
        outcomes.add(40_000_000L, "m1", CycleFeatures.PART_SCRAP, 1.0, Quality.GOOD);
        outcomes.add(made * 40_000_000L, "m1", CycleFeatures.PART_SCRAP, 0.0, Quality.GOOD);
        List<QualityPrediction> reported = asItComes(predictor, new ReceivedBatch(GATEWAY, outcomes.build(), 2L),
                tracker);
        assertEquals(List.of(QualityPrediction.outcome(GATEWAY, "m1", 40_000_000L, true, 2L),
                QualityPrediction.outcome(GATEWAY, "m1", made * 40_000_000L, false, 2L)), reported,
                "both outcomes, to be filled in on their predictions");
    }

    @Test
    void anOutcomeInALaterBatchIsReportedOnItsOwn() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        first.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(first, "m1", 40_000_000L, 8.0, null);
        List<QualityPrediction> predicted = asItComes(predictor, new ReceivedBatch(GATEWAY, first.build(), 1L), tracker);
        assertEquals(1, predicted.size());
        assertNull(predicted.get(0).actualScrap());

        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        second.add(40_000_000L, "m1", CycleFeatures.PART_SCRAP, 1.0, Quality.GOOD);
        List<QualityPrediction> outcome = asItComes(predictor, new ReceivedBatch(GATEWAY, second.build(), 2L), tracker);
        assertEquals(1, outcome.size());
        assertFalse(outcome.get(0).hasPrediction());
        assertEquals(Boolean.TRUE, outcome.get(0).actualScrap());
        assertEquals(40_000_000L, outcome.get(0).cycleEndMicros());
    }

    @Test
    void aProbabilityThatIsNotANumberCountsAsAFailedPredictionAndTheOutcomesStillCome() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL),
                new NotFiniteMarginsBackend());
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        first.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(first, "m1", 40_000_000L, 8.0, true);
        QualityPredictionFixtures.cycle(first, "m1", 80_000_000L, 8.0, null);
        List<QualityPrediction> out = asItComes(predictor, new ReceivedBatch(GATEWAY, first.build(), 1L), tracker);
        assertEquals(2, predictor.failedCycles(), out.toString());
        assertTrue(predictor.lastFailure().getMessage().contains("not a number"), predictor.lastFailure().getMessage());
        // Only the outcome of the first cycle: a NaN row without an outcome would fail the sink's write.
        assertEquals(List.of(QualityPrediction.outcome(GATEWAY, "m1", 40_000_000L, true, 1L)), out);

        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        second.add(80_000_000L, "m1", CycleFeatures.PART_SCRAP, 0.0, Quality.GOOD);
        assertEquals(List.of(QualityPrediction.outcome(GATEWAY, "m1", 80_000_000L, false, 2L)),
                asItComes(predictor, new ReceivedBatch(GATEWAY, second.build(), 2L), tracker),
                "the outcome of the second cycle, in a later batch");
    }

    @Test
    void withoutAModelForTheMachineNothingIsPredicted() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.empty());
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        batch.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(batch, "m1", 40_000_000L, 8.0, null);
        assertTrue(asItComes(predictor, new ReceivedBatch(GATEWAY, batch.build(), 1L), new CycleTracker()).isEmpty());
        assertEquals(1, predictor.cyclesWithoutModel(), "counted, so that an operator sees why nothing is predicted");
        assertEquals(0, predictor.failedCycles());
    }

    @Test
    void withoutAModelTheOutcomesAreNotReportedEither() {
        // The store would find no prediction row for them and warn of each.
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.empty());
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        first.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(first, "m1", 40_000_000L, 8.0, true);
        QualityPredictionFixtures.cycle(first, "m1", 80_000_000L, 8.0, null);
        assertEquals(List.of(), asItComes(predictor, new ReceivedBatch(GATEWAY, first.build(), 1L), tracker),
                "an outcome in the batch of its cycle");
        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        second.add(80_000_000L, "m1", CycleFeatures.PART_SCRAP, 0.0, Quality.GOOD);
        assertEquals(List.of(), asItComes(predictor, new ReceivedBatch(GATEWAY, second.build(), 2L), tracker),
                "an outcome in a later batch");
    }

    @Test
    void aCycleSeenInPartHasNoPredictionAndItsOutcomeIsNotReported() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 0);
        // The tracker joins m1 mid-cycle (its first sample 25 s into a 30 s cycle), as after a gateway restart.
        QualityPredictionFixtures.cycle(batch, "m1", 30_000_000L, 8.0, true);
        QualityPredictionFixtures.cycle(batch, "m1", 60_000_000L, 8.0, false);
        List<QualityPrediction> predictions = asItComes(predictor, new ReceivedBatch(GATEWAY, batch.build(), 1L), tracker);
        assertEquals(1, predictions.size(), predictions.toString());
        assertEquals(60_000_000L, predictions.get(0).cycleEndMicros());
        assertEquals(Boolean.FALSE, predictions.get(0).actualScrap());
    }

    @Test
    void anOutcomeAfterARestartFromTheTrackersStateIsStillReported() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker tracker = new CycleTracker();
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        first.add(1_000_000L, "m1", CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        QualityPredictionFixtures.cycle(first, "m1", 40_000_000L, 8.0, null);
        assertEquals(1, asItComes(predictor, new ReceivedBatch(GATEWAY, first.build(), 1L), tracker).size());

        CycleTracker restored = CycleTracker.fromSnapshot(tracker.snapshot());
        TelemetryBatch.Builder second = TelemetryBatch.builder("gw-1", 1);
        second.add(40_000_000L, "m1", CycleFeatures.PART_SCRAP, 1.0, Quality.GOOD);
        second.add(40_000_000L, "m1", CycleFeatures.PART_SCRAP, 1.0, Quality.GOOD);
        List<QualityPrediction> outcome = asItComes(new CyclePredictor((gateway, machine) -> Optional.of(MODEL)),
                new ReceivedBatch(GATEWAY, second.build(), 2L), restored);
        assertEquals(1, outcome.size(), "reported once: " + outcome);
        assertFalse(outcome.get(0).hasPrediction());
        assertEquals(40_000_000L, outcome.get(0).cycleEndMicros());
    }

    @Test
    void aDecodedBatchSpanningACycleEndIsPredictedAsInTimeOrder() throws Exception {
        // Two machines; each batch ends one cycle (high vibration: scrap) and runs into the next
        // (low vibration). Decoded, the batch is grouped by series: the next cycle's samples come
        // before the end of the one they follow.
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", 0);
        for (String machine : List.of("m1", "m2")) {
            builder.add(1_000_000L, machine, CycleFeatures.CYCLE_TIME, 12.0, Quality.GOOD);
        }
        for (long second = 26; second <= 51; second++) {
            for (String machine : List.of("m1", "m2")) {
                if (second == 31) {
                    builder.add(second * 1_000_000L, machine, CycleFeatures.CYCLE_TIME, 30.0, Quality.GOOD);
                } else {
                    builder.add(second * 1_000_000L, machine, QualityPredictionFixtures.VIBRATION,
                            second < 31 ? 8.0 : 1.0, Quality.GOOD);
                }
            }
        }
        TelemetryBatch inTimeOrder = builder.build();
        TelemetryBatch decoded;
        try (RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            decoded = codec.decode(codec.encode(inTimeOrder));
        }
        assertNotEquals(List.of(inTimeOrder.sensors()), List.of(decoded.sensors()),
                "the decoded batch is in another order than the built one");

        List<QualityPrediction> expected = asItComes(new CyclePredictor((gateway, machine) -> Optional.of(MODEL)),
                new ReceivedBatch(GATEWAY, inTimeOrder, 1L), new CycleTracker());
        List<QualityPrediction> served = asItComes(new CyclePredictor((gateway, machine) -> Optional.of(MODEL)),
                new ReceivedBatch(GATEWAY, decoded, 1L), new CycleTracker());

        assertEquals(2, expected.size(), expected.toString());
        for (QualityPrediction prediction : expected) {
            assertEquals(31_000_000L, prediction.cycleEndMicros());
            assertTrue(prediction.probability() > 0.8, "high vibration until the cycle's end: " + prediction);
        }
        assertEquals(Set.copyOf(expected), Set.copyOf(served));
    }

    @Test
    void aBatchThatOvertakesAnEarlierOneIsPredictedAsInOrder() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1", "m2"), 10);
        List<QualityPrediction> expected = new ArrayList<>();
        CyclePredictor inOrder = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker inOrderCycles = new CycleTracker();
        for (int i = 0; i < batches.size(); i++) {
            expected.addAll(asItComes(inOrder, new ReceivedBatch(GATEWAY, batches.get(i), i), inOrderCycles));
        }
        assertEquals(6, expected.size(), "three cycles of each machine: " + expected);

        // Batch 4 (the next cycle's first samples) overtakes batch 3 (which ends the first cycle).
        List<Integer> arrival = List.of(0, 1, 2, 4, 3, 5, 6, 7, 8, 9);
        List<QualityPrediction> asTheyCome = new ArrayList<>();
        CycleTracker asTheyCameCycles = new CycleTracker();
        for (int i : arrival) {
            asTheyCome.addAll(asItComes(inOrder, new ReceivedBatch(GATEWAY, batches.get(i), i), asTheyCameCycles));
        }
        assertNotEquals(expected, asTheyCome, "taken as they come, the overtaking batch mixes two cycles");

        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        List<QualityPrediction> actual = new ArrayList<>();
        long now = 1_000;
        for (int i : arrival) {
            List<QualityPrediction> predicted = predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order,
                    tracker, now += 100);
            if (i == 4) {
                assertEquals(List.of(), predicted, "held until batch 3 comes");
                assertEquals(1, order.held());
            }
            actual.addAll(predicted);
            assertEquals(0, predictor.lateBatches());
        }
        assertEquals(expected, actual);
    }

    @Test
    void aLateBatchGivesItsOutcomesAndNoCycleRunningAcrossItIsPredicted() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1"), 10);
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        // Batch 3 ends the first cycle (at 31 s); it comes later than the reorder delay allows.
        List<QualityPrediction> predicted = new ArrayList<>();
        predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(0), 0), order, tracker, 0));
        predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(1), 1), order, tracker, 0));
        predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(2), 2), order, tracker, 0));
        assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, batches.get(4), 4), order, tracker, 0));
        predicted.addAll(predictor.due(order, tracker, CyclePredictor.REORDER_DELAY.toMillis()));
        assertEquals(List.of(), predicted, "no cycle has ended yet");
        assertEquals(1, predictor.cyclesCutByGaps(), "number 3 given up: m1 is seen anew from 40 s");

        TelemetryBatch late = batches.get(3);
        List<QualityPrediction> outcomes = predictor.accept(new ReceivedBatch(GATEWAY, late, 3), order, tracker,
                CyclePredictor.REORDER_DELAY.toMillis() + 1);
        assertEquals(1, predictor.lateBatches());
        assertEquals(0, predictor.lateCycleEnds(), "the cycle its end lies in was dropped already");
        assertEquals(0, predictor.cyclesCutByGaps());
        assertEquals(List.of(), outcomes, "the first cycle, seen in part, is not predicted: no outcome awaited");

        // The running cycle was dropped when number 3 was given up: the second cycle's end at 61 s,
        // seen from 40 s, only marks a start instead of being predicted from the first cycle's high
        // vibration and the second's low. The third cycle, seen whole, ends at 91 s, high.
        List<QualityPrediction> later = new ArrayList<>();
        for (int i = 5; i < batches.size(); i++) {
            later.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order, tracker, 10_000));
            assertEquals(0, predictor.lateBatches());
            assertEquals(0, predictor.lateCycleEnds());
        }
        assertEquals(List.of(91_000_000L), later.stream().map(QualityPrediction::cycleEndMicros).toList());
        assertTrue(later.get(0).probability() > 0.8, later.toString());

        // A late batch that brings an awaited outcome has it reported; a repeat of it reports nothing.
        TelemetryBatch.Builder outcome = TelemetryBatch.builder("gw-1", 9);
        outcome.add(91_000_000L, "m1", CycleFeatures.PART_SCRAP, 1.0, Quality.GOOD);
        outcome.add(90_000_000L, "m1", QualityPredictionFixtures.VIBRATION, 100.0, Quality.GOOD);
        List<QualityPrediction> reported = predictor.accept(new ReceivedBatch(GATEWAY, outcome.build(), 99), order,
                tracker, 10_000);
        assertEquals(1, predictor.lateBatches());
        assertEquals(1, reported.size(), reported.toString());
        assertFalse(reported.get(0).hasPrediction());
        assertEquals(Boolean.TRUE, reported.get(0).actualScrap());
        assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, outcome.build(), 99), order, tracker,
                10_000));
        assertEquals(0, predictor.lateCycleEnds());

        // A repeat of a batch taken already, with its cycle end (61 s), leaves the running cycle as it is.
        assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, batches.get(6), 6), order, tracker,
                10_000));
        assertEquals(1, predictor.lateBatches());
        assertEquals(0, predictor.lateCycleEnds());
        TelemetryBatch.Builder next = TelemetryBatch.builder("gw-1", 10);
        QualityPredictionFixtures.cycle(next, "m1", 121_000_000L, 8.0, null);
        assertEquals(List.of(121_000_000L), predictor.accept(new ReceivedBatch(GATEWAY, next.build(), 100), order,
                tracker, 10_000).stream().map(QualityPrediction::cycleEndMicros).toList());
    }

    /**
     * Feeds {@code batches} but {@code lost} to a fresh order and tracker, 100 ms apart, taking
     * what is due once each batch's predecessor had the reorder delay to come; returns the
     * predictions and, per call, the cycles cut by gaps.
     */
    private static List<QualityPrediction> withBatchLost(CyclePredictor predictor, List<TelemetryBatch> batches,
                                                         int lost, List<Integer> cut) {
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        List<QualityPrediction> predicted = new ArrayList<>();
        long now = 1_000;
        for (int i = 0; i < batches.size(); i++) {
            if (i == lost) {
                continue;
            }
            predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order, tracker,
                    now += 100));
            cut.add(predictor.cyclesCutByGaps());
            predicted.addAll(predictor.due(order, tracker, now + CyclePredictor.REORDER_DELAY.toMillis()));
            cut.add(predictor.cyclesCutByGaps());
            assertEquals(0, order.held());
        }
        return predicted;
    }

    private static List<Long> cycleEnds(List<QualityPrediction> predictions) {
        return predictions.stream().map(QualityPrediction::cycleEndMicros).toList();
    }

    @Test
    void aCycleWithABatchLostForGoodIsNotPredictedAndTheNextWholeOneIs() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1", "m2"), 10);
        List<QualityPrediction> inOrder = new ArrayList<>();
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        CycleTracker inOrderCycles = new CycleTracker();
        for (int i = 0; i < batches.size(); i++) {
            inOrder.addAll(asItComes(predictor, new ReceivedBatch(GATEWAY, batches.get(i), i), inOrderCycles));
        }

        // Batch 2 (20 s to 30 s, within the first cycle, which ends at 31 s) never comes.
        List<Integer> cut = new ArrayList<>();
        List<QualityPrediction> predicted = withBatchLost(predictor, batches, 2, cut);
        assertEquals(List.of(61_000_000L, 61_000_000L, 91_000_000L, 91_000_000L), cycleEnds(predicted),
                "the first cycle, a third of its samples lost, is not predicted");
        assertEquals(inOrder.subList(2, 6), predicted, "the next cycles as if nothing was lost");
        assertEquals(List.of(0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), cut,
                "both machines' cycles, when batch 3 is taken");
    }

    @Test
    void aLostBatchHoldingACycleEndDoesNotMergeTheTwoCyclesAroundIt() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1"), 10);
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        // Batch 3 (30 s to 40 s) held the end of the first cycle (high vibration) at 31 s; the
        // second (low vibration) ends at 61 s, seen from 40 s only; the third, whole, at 91 s.
        List<Integer> cut = new ArrayList<>();
        List<QualityPrediction> predicted = withBatchLost(predictor, batches, 3, cut);
        assertEquals(List.of(91_000_000L), cycleEnds(predicted), predicted.toString());
        assertTrue(predicted.get(0).probability() > 0.8, "the third cycle's own samples: " + predicted);
        assertEquals(1, cut.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void aBatchWhosePredecessorComesWithinTheDelayCutsNoCycle() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1"), 10);
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        List<QualityPrediction> inOrder = new ArrayList<>();
        CycleTracker inOrderCycles = new CycleTracker();
        for (int i = 0; i < batches.size(); i++) {
            inOrder.addAll(asItComes(predictor, new ReceivedBatch(GATEWAY, batches.get(i), i), inOrderCycles));
        }
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        List<QualityPrediction> predicted = new ArrayList<>();
        long now = 0;
        for (int i : List.of(0, 1, 2, 4, 3, 5, 6, 7, 8, 9)) {
            // Batch 3 comes a millisecond before batch 4, which overtook it, is due.
            now += i == 3 ? CyclePredictor.REORDER_DELAY.toMillis() - 1 : 1;
            predicted.addAll(predictor.due(order, tracker, now));
            assertEquals(0, predictor.cyclesCutByGaps(), "due before batch " + i);
            predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order, tracker, now));
            assertEquals(0, predictor.cyclesCutByGaps(), "batch " + i);
            if (i == 6) {
                // A repeat of batch 5 comes late: only its outcomes and cycle ends are taken, as before.
                assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, batches.get(5), 5), order,
                        tracker, now));
                assertEquals(1, predictor.lateBatches());
                assertEquals(0, predictor.cyclesCutByGaps());
            }
        }
        assertEquals(inOrder, predicted);
    }

    @Test
    void theCyclesOfHeldBatchesTakenWhenDueArePredicted() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1"), 10);
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        List<QualityPrediction> predicted = new ArrayList<>();
        // Batch 3 never comes: batches 4 to 9 are held until batch 4 is due.
        for (int i : List.of(0, 1, 2, 4, 5, 6, 7, 8, 9)) {
            predicted.addAll(predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order, tracker, 100));
        }
        assertEquals(List.of(), predicted);
        assertEquals(6, order.held());
        List<QualityPrediction> due = predictor.due(order, tracker, 100 + CyclePredictor.REORDER_DELAY.toMillis());
        assertEquals(List.of(91_000_000L), cycleEnds(due), "the third cycle, seen whole after the loss");
        assertTrue(due.get(0).probability() > 0.8, due.toString());
        assertEquals(1, predictor.cyclesCutByGaps());
        assertEquals(0, order.held());
    }

    @Test
    void aCallCountsOnlyWhatItTook() {
        List<TelemetryBatch> batches = QualityPredictionFixtures.alternatingCycles("gw-1", List.of("m1"), 10);
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        for (int i : List.of(0, 1, 2)) {
            predictor.accept(new ReceivedBatch(GATEWAY, batches.get(i), i), order, tracker, 0);
        }
        // Batch 3 never comes; batch 5, when batch 4 is due, takes both.
        predictor.accept(new ReceivedBatch(GATEWAY, batches.get(4), 4), order, tracker, 0);
        long due = CyclePredictor.REORDER_DELAY.toMillis();
        predictor.accept(new ReceivedBatch(GATEWAY, batches.get(5), 5), order, tracker, due);
        assertEquals(1, predictor.cyclesCutByGaps());
        // The timer set for batch 4 still fires: it finds nothing, and counts nothing again.
        assertEquals(List.of(), predictor.due(order, tracker, due));
        assertEquals(0, predictor.cyclesCutByGaps(), "the cut was counted by the call that made it");
    }

    @Test
    void aLateCycleEndWithinTheRunningCycleDropsItAndIsCounted() {
        CyclePredictor predictor = new CyclePredictor((gateway, machine) -> Optional.of(MODEL));
        BatchOrder order = new BatchOrder();
        CycleTracker tracker = new CycleTracker();
        // A cycle end at 31 s, then the next cycle's samples up to 45 s.
        TelemetryBatch.Builder first = TelemetryBatch.builder("gw-1", 0);
        for (int second = 1; second <= 45; second++) {
            first.add(second * 1_000_000L, "m1", second == 31 ? CycleFeatures.CYCLE_TIME
                    : QualityPredictionFixtures.VIBRATION, second == 31 ? 30.0 : 8.0, Quality.GOOD);
        }
        predictor.accept(new ReceivedBatch(GATEWAY, first.build(), 0), order, tracker, 0);
        // A late batch (below the number expected, nothing newer than what was taken) ends a cycle at 40 s.
        TelemetryBatch.Builder late = TelemetryBatch.builder("gw-1", 0);
        late.add(40_000_000L, "m1", CycleFeatures.CYCLE_TIME, 9.0, Quality.GOOD);
        assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, late.build(), 1), order, tracker, 0));
        assertEquals(1, predictor.lateBatches());
        assertEquals(1, predictor.lateCycleEnds(), "the running cycle holds the end of one cycle and the next's start");

        TelemetryBatch.Builder next = TelemetryBatch.builder("gw-1", 1);
        QualityPredictionFixtures.cycle(next, "m1", 61_000_000L, 8.0, null);
        assertEquals(List.of(), predictor.accept(new ReceivedBatch(GATEWAY, next.build(), 2), order, tracker, 0),
                "the dropped cycle is not predicted");
    }

    @Test
    void samplesAtOneTimeAreTakenBySensorNameAsTrainingReadsThem() {
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", 0);
        builder.add(2L, "m2", "temperature_c", 1.0, Quality.GOOD);
        builder.add(5L, "m1", "temperature_c", 1.0, Quality.GOOD);
        builder.add(5L, "m1", CycleFeatures.CYCLE_TIME, 1.0, Quality.GOOD);
        builder.add(1L, "m2", "temperature_c", 1.0, Quality.GOOD);
        builder.add(3L, "m1", "pressure_bar", 1.0, Quality.GOOD);
        // the machines in the order they first appear, each one's rows by time, then sensor name
        assertArrayEquals(new int[] {3, 0, 4, 2, 1}, CyclePredictor.rowsInTimeOrder(builder.build()));
    }
}
