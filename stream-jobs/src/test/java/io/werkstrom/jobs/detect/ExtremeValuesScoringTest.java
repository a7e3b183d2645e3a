package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A sensor reporting an extreme but finite value (a broken sensor at 1e307, a gateway bug) raises
 * an anomaly in the job's detectors, and one in a training window does not silence the machine
 * afterwards (see {@link io.werkstrom.analytics.detect.ScoreOverflow}).
 */
class ExtremeValuesScoringTest {

    private static final long SECOND = 1_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final double[] EXTREMES = {1e307, -1e307, Double.MAX_VALUE, -Double.MAX_VALUE};
    private static final List<MultivariateOptions.Method> METHODS =
            List.of(MultivariateOptions.Method.MSET, MultivariateOptions.Method.PCA);

    /**
     * {@code seconds} seconds of one machine from {@code fromSecond}, in 10 s batches; pressure
     * reads {@code extreme} during the seconds {@code [extremeFrom, extremeFrom + 5)}.
     */
    private static List<Anomaly> run(MultivariateScorer scorer, MachineStates states, MultivariateScorerTest.Machine press,
                                     long fromSecond, int seconds, long extremeFrom, double extreme,
                                     List<MultivariateScorer.Outcome> outcomes) {
        List<Anomaly> anomalies = new ArrayList<>();
        for (TelemetryBatch batch : batches(press, fromSecond, seconds, extremeFrom, extreme)) {
            MultivariateScorer.Outcome outcome = scorer.score(batch, states);
            anomalies.addAll(outcome.anomalies());
            outcomes.add(outcome);
        }
        return anomalies;
    }

    /** The batches {@link #run} scores. */
    private static List<TelemetryBatch> batches(MultivariateScorerTest.Machine press, long fromSecond, int seconds,
                                                long extremeFrom, double extreme) {
        List<TelemetryBatch> batches = new ArrayList<>();
        for (long s0 = fromSecond; s0 < fromSecond + seconds; s0 += 10) {
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-1", s0);
            for (long s = s0; s < s0 + 10; s++) {
                press.add(b, s);
                if (s >= extremeFrom && s < extremeFrom + 5) {
                    // After the machine's own pressure sample of this second: the state takes the last.
                    b.add(T0 + s * SECOND + 500_000, press.name, "pressure_bar", extreme, Quality.GOOD);
                }
            }
            batches.add(b.build().groupedBySeries());
        }
        return batches;
    }

    private static void assertExtremeAnomaly(List<Anomaly> anomalies, double extreme, long fromSecond, String what) {
        assertFalse(anomalies.isEmpty(), what + ": no anomaly for pressure at " + extreme);
        Anomaly first = anomalies.get(0);
        assertTrue(first.timestampMicros() >= T0 + fromSecond * SECOND, what + ": anomaly before the extreme: " + first);
        assertEquals("pressure_bar", first.sensor(), what + ": " + first);
        assertEquals(extreme, first.value(), what + ": " + first);
        assertTrue(first.score() > first.threshold() && Double.isFinite(first.score()), what + ": " + first);
    }

    @Test
    void anExtremePressureIsAnAnomalyOfEveryMultivariateMethod() {
        for (MultivariateOptions.Method method : METHODS) {
            for (double x : EXTREMES) {
                MachineStates states = new MachineStates();
                MultivariateScorerTest.Machine press = new MultivariateScorerTest.Machine("press-1", 21);
                MultivariateScorer scorer = new MultivariateScorer(MultivariateOptions.defaults().withMethod(method),
                        JavaKernelBackend.shared());
                List<Anomaly> anomalies = run(scorer, states, press, 0, 360, 330, x, new ArrayList<>());
                assertExtremeAnomaly(anomalies, x, 330, method + " x=" + x);
            }
        }
    }

    @Test
    void anExtremeValueInTheTrainingWindowIsRefusedAndTheMachineTrainsAgain() {
        for (MultivariateOptions.Method method : METHODS) {
            for (double x : EXTREMES) {
                String what = method + " x=" + x;
                MachineStates states = new MachineStates();
                MultivariateScorerTest.Machine press = new MultivariateScorerTest.Machine("press-1", 22);
                List<String> warnings = new ArrayList<>();
                MultivariateScorer scorer = new MultivariateScorer(MultivariateOptions.defaults().withMethod(method),
                        JavaKernelBackend.shared(), warnings::add);
                List<MultivariateScorer.Outcome> outcomes = new ArrayList<>();
                // The extreme lands in the first training window (states 0 .. 299).
                List<Anomaly> anomalies = run(scorer, states, press, 0, 310, 100, x, outcomes);
                assertEquals(List.of(), anomalies, what);
                assertEquals(1, outcomes.stream().mapToInt(MultivariateScorer.Outcome::fitFailures).sum(), what);
                assertEquals(0, outcomes.stream().mapToInt(MultivariateScorer.Outcome::modelsFitted).sum(), what);
                assertFalse(states.modelled("press-1"), what);
                assertEquals(1, warnings.size(), what + ": " + warnings);
                assertTrue(warnings.get(0).contains("press-1") && warnings.get(0).contains("overflows"), warnings.get(0));

                // A fresh window fits, and the next extreme is an anomaly.
                anomalies = run(scorer, states, press, 310, 360, 630, x, outcomes);
                assertTrue(states.modelled("press-1"), what);
                assertExtremeAnomaly(anomalies, x, 630, what);
            }
        }
    }

    @Test
    void theMultivariateOperatorEmitsAnAnomalyForAnExtremeValueAfterRefusingATrainingWindowWithOne()
            throws Exception {
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        MultivariateScorerTest.Machine press = new MultivariateScorerTest.Machine("press-1", 24);
        List<TelemetryBatch> batches = new ArrayList<>(batches(press, 0, 310, 100, 1e307));
        batches.addAll(batches(press, 310, 360, 630, 1e307));
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly>(
                new KeyedProcessOperator<>(new MultivariateScoringFunction(MultivariateOptions.defaults(),
                        KernelBackends.JAVA, StateExpiry.defaults())),
                AnomalyScoringFunction::key, Types.STRING)) {
            harness.open();
            for (TelemetryBatch batch : batches) {
                harness.processElement(new StreamRecord<>(new ReceivedBatch(gateway, batch, 0L)));
            }
            List<Anomaly> anomalies = harness.extractOutputValues().stream().map(DetectedAnomaly::anomaly).toList();
            assertExtremeAnomaly(anomalies, 1e307, 630, "operator");
        }
    }

    @Test
    void theRobustZOperatorEmitsAnAnomalyForEveryExtremeValue() throws Exception {
        RobustZScoreOptions options = RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).build();
        GatewayAddress gateway = new GatewayAddress("acme", "plant-1", "gw-1");
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<String, ReceivedBatch, DetectedAnomaly>(
                new KeyedProcessOperator<>(new AnomalyScoringFunction(options, KernelBackends.JAVA, StateExpiry.defaults())),
                AnomalyScoringFunction::key, Types.STRING)) {
            harness.open();
            Random random = new Random(23);
            for (int b = 0; b < 10; b++) {
                TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", b);
                for (int i = 0; i < 30; i++) {
                    int step = b * 30 + i;
                    // One extreme value learned along the way must not blind the series afterwards.
                    double value = step == 150 ? 1e307 : 50 + random.nextGaussian();
                    batch.add(T0 + step * 100_000L, "press-1", "pressure_bar", value, Quality.GOOD);
                }
                harness.processElement(new StreamRecord<>(new ReceivedBatch(gateway, batch.build(), 0L)));
            }
            harness.getOutput().clear();
            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 10);
            for (int i = 0; i < EXTREMES.length; i++) {
                batch.add(T0 + (300 + i) * 100_000L, "press-1", "pressure_bar", EXTREMES[i], Quality.GOOD);
            }
            harness.processElement(new StreamRecord<>(new ReceivedBatch(gateway, batch.build(), 0L)));
            List<DetectedAnomaly> out = new ArrayList<>(harness.extractOutputValues());
            assertEquals(EXTREMES.length, out.size(), out.toString());
            for (int i = 0; i < EXTREMES.length; i++) {
                Anomaly anomaly = out.get(i).anomaly();
                assertEquals(EXTREMES[i], anomaly.value());
                assertTrue(anomaly.score() > anomaly.threshold() && Double.isFinite(anomaly.score()), anomaly.toString());
            }
        }
    }
}
