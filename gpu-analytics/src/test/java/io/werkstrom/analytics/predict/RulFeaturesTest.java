package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

import org.junit.jupiter.api.Test;

/**
 * {@link RulFeatures}' values worked by hand: series whose windowed statistics have closed forms
 * (a straight line, a parabola), and the sensor selection's bound.
 */
class RulFeaturesTest {

    private static final double EPS = 1e-9;
    /** A window unlike the fixed 5 and 10, so that every statistic has its own span. */
    private static final int WINDOW = 4;
    private static final RulOptions OPTIONS = RulOptions.builder().window(WINDOW).build();
    private static final int CYCLES = 40;

    /** One engine of {@code cycles} cycles, sensor {@code s} at 0-based cycle {@code i} reading {@code sensors[s](i)}. */
    private static EngineRun engine(int unit, int cycles, IntToDoubleFunction... sensors) {
        int[] numbers = new int[cycles];
        double[][] settings = new double[cycles][0];
        double[][] readings = new double[cycles][sensors.length];
        for (int i = 0; i < cycles; i++) {
            numbers[i] = i + 1;
            for (int s = 0; s < sensors.length; s++) {
                readings[i][s] = sensors[s].applyAsDouble(i);
            }
        }
        return new EngineRun(unit, numbers, settings, readings);
    }

    /** The population standard deviation of {@code f} over cycles 0 to {@code n - 1}: the scaler's. */
    private static double std(IntToDoubleFunction f, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += f.applyAsDouble(i) / n;
        }
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double d = f.applyAsDouble(i) - mean;
            squares += d * d;
        }
        return Math.sqrt(squares / n);
    }

    private static double feature(RulFeatures features, double[] rows, int cycle, String name) {
        int column = features.featureNames().indexOf(name);
        assertTrue(column >= 0, "no feature " + name + " in " + features.featureNames());
        return rows[cycle * features.featureCount() + column];
    }

    @Test
    void aStraightLinesStatisticsAreItsValueAtTheWindowsCentreAndItsSlope() {
        IntToDoubleFunction line = i -> 3 + 2 * i;
        EngineRun run = engine(1, CYCLES, line);
        RulFeatures features = RulFeatures.fit(List.of(run), OPTIONS);
        double[] rows = features.everyCycle(List.of(run));
        // Standardised, the line is (i - centre) / (std of i): per cycle it climbs 2 / std of the readings.
        double std = std(line, CYCLES);
        double centre = (CYCLES - 1) / 2.0;
        IntToDoubleFunction z = i -> (line.applyAsDouble(i) - (3 + 2 * centre)) / std;
        double perCycle = 2 / std;
        for (int t = 0; t < CYCLES; t++) {
            String at = "cycle " + t;
            assertEquals(z.applyAsDouble(t), feature(features, rows, t, "sensor1.last"), EPS, at);
            // The mean of the last w values of a line is its value at their centre, t - (w - 1) / 2,
            // or at t / 2 while fewer than w cycles were seen.
            assertEquals(centreValue(z, t, 5), feature(features, rows, t, "sensor1.mean5"), EPS, at);
            assertEquals(centreValue(z, t, 10), feature(features, rows, t, "sensor1.mean10"), EPS, at);
            assertEquals(centreValue(z, t, WINDOW), feature(features, rows, t, "sensor1.meanW"), EPS, at);
            // One cycle has no slope.
            double slope = t == 0 ? 0 : perCycle;
            assertEquals(slope, feature(features, rows, t, "sensor1.slopeW"), EPS, at);
            assertEquals(slope, feature(features, rows, t, "sensor1.slope2W"), EPS, at);
            // The last 10 cycles' mean against the first 10's: zero until the two windows part.
            double drift = t < 10 ? 0 : perCycle * (t - 9);
            assertEquals(drift, feature(features, rows, t, "sensor1.drift10"), EPS, at);
            assertEquals(t + 1, feature(features, rows, t, "cycles"), at);
        }
    }

    private static double centreValue(IntToDoubleFunction z, int t, int w) {
        int from = Math.max(0, t - w + 1);
        return (z.applyAsDouble(from) + z.applyAsDouble(t)) / 2;
    }

    @Test
    void aParabolasLeastSquaresSlopeIsTwiceItsWindowsCentre() {
        // Over consecutive cycles from a to b, the least-squares slope of i² is a + b, the parabola's
        // derivative at the centre; its mean there is the mean of the squares.
        IntToDoubleFunction parabola = i -> (double) i * i;
        EngineRun run = engine(1, CYCLES, parabola);
        RulFeatures features = RulFeatures.fit(List.of(run), OPTIONS);
        double[] rows = features.everyCycle(List.of(run));
        double std = std(parabola, CYCLES);
        for (int t = 1; t < CYCLES; t++) {
            String at = "cycle " + t;
            int from = Math.max(0, t - WINDOW + 1);
            int from2 = Math.max(0, t - 2 * WINDOW + 1);
            assertEquals((from + t) / std, feature(features, rows, t, "sensor1.slopeW"), EPS, at);
            assertEquals((from2 + t) / std, feature(features, rows, t, "sensor1.slope2W"), EPS, at);
            double sumSquares = 0;
            for (int i = from; i <= t; i++) {
                sumSquares += (double) i * i;
            }
            double meanSquares = sumSquares / (t - from + 1);
            assertEquals((meanSquares - (t * t)) / std,
                    feature(features, rows, t, "sensor1.meanW") - feature(features, rows, t, "sensor1.last"), EPS, at);
        }
    }

    @Test
    void theHealthIndexIsALineInTheSensorsAndItsStatisticsFollowIt() {
        // One varying sensor: the health index is a + b z, so its statistics are the sensor's, scaled.
        IntToDoubleFunction line = i -> 100 - 0.5 * i;
        EngineRun run = engine(1, CYCLES, line);
        RulFeatures features = RulFeatures.fit(List.of(run), OPTIONS);
        double[] rows = features.everyCycle(List.of(run));
        int t = CYCLES - 1;
        double scale = feature(features, rows, t, "health.slopeW") / feature(features, rows, t, "sensor1.slopeW");
        // The life left falls as the reading falls: the index rises with the reading.
        assertTrue(scale > 0, "health index against the sensor: " + scale);
        for (String statistic : new String[] {"slope2W", "drift10"}) {
            assertEquals(scale * feature(features, rows, t, "sensor1." + statistic),
                    feature(features, rows, t, "health." + statistic), EPS, statistic);
        }
        assertEquals(scale * (feature(features, rows, t, "sensor1.last") - feature(features, rows, t, "sensor1.mean10")),
                feature(features, rows, t, "health.last") - feature(features, rows, t, "health.mean10"), EPS);
    }

    @Test
    void aSensorIsKeptWhenItsSpreadExceedsTheBoundRelativeToItsMeanOrToOne() {
        double bound = 1e-3;
        RulOptions options = OPTIONS.toBuilder().minRelativeStd(bound).build();
        // Alternating ±a around a mean: the population standard deviation is a.
        EngineRun run = engine(1, CYCLES,
                i -> 7.0,                                      // 1: constant
                i -> 1_000 + (i % 2 == 0 ? 0.9 : -0.9),         // 2: std 0.9 < 1e-3 * 1000: dropped
                i -> 1_000 + (i % 2 == 0 ? 1.1 : -1.1),         // 3: std 1.1 > 1: kept
                i -> 0.5 + (i % 2 == 0 ? 9e-4 : -9e-4),         // 4: mean below 1, the bound is 1e-3: dropped
                i -> 0.5 + (i % 2 == 0 ? 1.1e-3 : -1.1e-3),     // 5: kept
                i -> -1_000 + (i % 2 == 0 ? 0.9 : -0.9),        // 6: a negative mean counts by its size: dropped
                i -> i);                                       // 7: kept
        RulFeatures features = RulFeatures.fit(List.of(run), options);
        assertArrayEquals(new int[] {2, 4, 6}, features.selectedSensors());
        assertEquals((3 + 1) * 7 + 1, features.featureCount());
        assertEquals(features.featureCount(), features.featureNames().size());
        assertEquals(List.of("sensor3.last", "sensor3.mean5", "sensor3.mean10", "sensor3.meanW", "sensor3.slopeW",
                "sensor3.slope2W", "sensor3.drift10", "sensor5.last"), features.featureNames().subList(0, 8));
        assertEquals("health.drift10", features.featureNames().get(features.featureCount() - 2));

        EngineRun flat = engine(1, CYCLES, i -> 7.0, i -> 1_000 + (i % 2 == 0 ? 0.9 : -0.9));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> RulFeatures.fit(List.of(flat), options));
        assertEquals("no sensor varies over the training runs; nothing to learn from.", none.getMessage());
    }

    @Test
    void featuresAreFittedOverEveryRunAndRowsFollowRunsInOrder() {
        IntToDoubleFunction line = i -> i;
        EngineRun shorter = engine(1, 20, line);
        EngineRun longer = engine(2, 30, line);
        RulFeatures features = RulFeatures.fit(List.of(shorter, longer), OPTIONS);
        double[] rows = features.everyCycle(List.of(shorter, longer));
        int f = features.featureCount();
        assertEquals(50 * f, rows.length);
        // The scaler saw both runs: 0..19 and 0..29 together.
        double mean = (19 * 20 / 2.0 + 29 * 30 / 2.0) / 50;
        double std = 0;
        for (int i = 0; i < 20; i++) {
            std += (i - mean) * (i - mean) / 50;
        }
        for (int i = 0; i < 30; i++) {
            std += (i - mean) * (i - mean) / 50;
        }
        std = Math.sqrt(std);
        assertEquals((19 - mean) / std, feature(features, rows, 19, "sensor1.last"), EPS);
        assertEquals((0 - mean) / std, feature(features, rows, 20, "sensor1.last"), EPS, "the second run starts afresh");
        assertEquals(1, feature(features, rows, 20, "cycles"));
        double[] last = features.lastCycle(List.of(shorter, longer));
        double[] lastOfShorter = Arrays.copyOfRange(rows, 19 * f, 20 * f);
        double[] lastOfLonger = Arrays.copyOfRange(rows, 49 * f, 50 * f);
        assertArrayEquals(lastOfShorter, Arrays.copyOfRange(last, 0, f));
        assertArrayEquals(lastOfLonger, Arrays.copyOfRange(last, f, 2 * f));
    }

    @Test
    void runsOfAnotherSensorCountAreRefusedByName() {
        EngineRun two = engine(4, 10, i -> i, i -> 2 * i);
        EngineRun three = engine(9, 10, i -> i, i -> 2 * i, i -> 3 * i);
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> RulFeatures.fit(List.of(two, three), OPTIONS));
        assertEquals("engine 9 has 3 sensors, engine 4 has 2.", mixed.getMessage());
        RulFeatures features = RulFeatures.fit(List.of(two), OPTIONS);
        IllegalArgumentException scored = assertThrows(IllegalArgumentException.class,
                () -> features.lastCycle(List.of(three)));
        assertEquals("engine 9 has 3 sensors; the features were fitted on 2.", scored.getMessage());
        assertEquals("train must hold at least one engine run.",
                assertThrows(IllegalArgumentException.class, () -> RulFeatures.fit(List.of(), OPTIONS)).getMessage());
    }

    @Test
    void bytesRoundTripToTheSameFeaturesAndABadSensorIndexIsRefused() throws Exception {
        EngineRun run = engine(1, CYCLES, i -> 7.0, i -> i, i -> Math.sqrt(i));
        RulFeatures features = RulFeatures.fit(List.of(run), OPTIONS);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            features.write(out);
        }
        byte[] written = bytes.toByteArray();
        RulFeatures copy = RulFeatures.read(new DataInputStream(new ByteArrayInputStream(written)));
        assertArrayEquals(features.everyCycle(List.of(run)), copy.everyCycle(List.of(run)));
        assertArrayEquals(features.selectedSensors(), copy.selectedSensors());
        // version, sensors, window, selected count, then the selected indexes: 1 and 2 here.
        byte[] outOfRange = written.clone();
        ByteBuffer.wrap(outOfRange).putInt(16, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RulFeatures.read(new DataInputStream(new ByteArrayInputStream(outOfRange))));
        assertEquals("RUL features: sensor index 3 out of range", e.getMessage());
        byte[] version = written.clone();
        ByteBuffer.wrap(version).putInt(0, 2);
        e = assertThrows(IllegalArgumentException.class,
                () -> RulFeatures.read(new DataInputStream(new ByteArrayInputStream(version))));
        assertEquals("RUL features: unsupported format version 2", e.getMessage());
    }
}
