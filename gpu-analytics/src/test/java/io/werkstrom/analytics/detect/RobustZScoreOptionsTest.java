package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import java.time.Duration;

class RobustZScoreOptionsTest {

    @Test
    void defaults() {
        RobustZScoreOptions o = RobustZScoreOptions.defaults();
        assertEquals(6.0, o.threshold());
        assertEquals(1024, o.windowSize());
        assertEquals(30, o.minSamples());
        assertEquals(1e-3, o.relativeScaleFloor());
        assertEquals(1e-6, o.absoluteScaleFloor());
        assertEquals(Set.of("part_scrap", "cycle_time_s"), o.excludedSensors());
        assertEquals(10_000, o.maxSeries());
        assertEquals(4, o.maxModes());
        assertEquals(0.05, o.minModeFraction());
        assertEquals(6.0, o.modeContrast());
        assertEquals(0.25, o.transitionGap());
        assertEquals(o, o.toBuilder().build());
        RobustZScoreOptions changed = o.toBuilder().maxModes(2).minModeFraction(0.1).modeContrast(3)
                .transitionGap(0).build();
        assertEquals(changed, changed.toBuilder().build());
        assertEquals(changed.hashCode(), changed.toBuilder().build().hashCode());
        assertNotEquals(o, changed);
    }

    @Test
    void invalidOptionsAreRejectedNamingTheOption() {
        assertRejected(b -> b.threshold(0), "threshold must be a finite number > 0 (was 0.0).");
        assertRejected(b -> b.threshold(Double.NaN), "threshold must be a finite number > 0 (was NaN).");
        assertRejected(b -> b.windowSize(1), "windowSize must be between 2 and 1048576 (was 1).");
        assertRejected(b -> b.windowSize(20), "minSamples must be between 1 and windowSize (20) (was 30).");
        assertRejected(b -> b.minSamples(0), "minSamples must be between 1 and windowSize (1024) (was 0).");
        assertRejected(b -> b.relativeScaleFloor(-0.1), "relativeScaleFloor must be a finite number >= 0 (was -0.1).");
        assertRejected(b -> b.absoluteScaleFloor(0), "absoluteScaleFloor must be a finite number > 0 (was 0.0).");
        assertRejected(b -> b.absoluteScaleFloor(Double.POSITIVE_INFINITY),
                "absoluteScaleFloor must be a finite number > 0 (was Infinity).");
        assertRejected(b -> b.maxSeries(0), "maxSeries must be >= 1 (was 0).");
        assertRejected(b -> b.maxModes(0), "maxModes must be between 1 and 16 (was 0).");
        assertRejected(b -> b.maxModes(17), "maxModes must be between 1 and 16 (was 17).");
        assertRejected(b -> b.minModeFraction(0), "minModeFraction must be a number in (0, 0.5] (was 0.0).");
        assertRejected(b -> b.minModeFraction(0.6), "minModeFraction must be a number in (0, 0.5] (was 0.6).");
        assertRejected(b -> b.minModeFraction(Double.NaN), "minModeFraction must be a number in (0, 0.5] (was NaN).");
        assertRejected(b -> b.modeContrast(1), "modeContrast must be a finite number > 1 (was 1.0).");
        assertRejected(b -> b.modeContrast(Double.POSITIVE_INFINITY),
                "modeContrast must be a finite number > 1 (was Infinity).");
        assertRejected(b -> b.transitionGap(-0.1), "transitionGap must be a number in [0, 1] (was -0.1).");
        assertRejected(b -> b.transitionGap(1.5), "transitionGap must be a number in [0, 1] (was 1.5).");
        assertRejected(b -> b.transitionGap(Double.NaN), "transitionGap must be a number in [0, 1] (was NaN).");
        assertEquals("excludedSensors must not be null.", assertThrows(NullPointerException.class,
                () -> RobustZScoreOptions.builder().excludedSensors(null)).getMessage());
        Set<String> withNull = new HashSet<>();
        withNull.add(null);
        assertEquals("excludedSensors must not contain null.", assertThrows(NullPointerException.class,
                () -> RobustZScoreOptions.builder().excludedSensors(withNull)).getMessage());
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        RobustZScoreOptions options = RobustZScoreOptions.builder().threshold(4.5).windowSize(128).minSamples(10)
                .excludedSensors(Set.of("door_open")).maxSeries(50).maxModes(3).minModeFraction(0.1)
                .modeContrast(4).transitionGap(0.3).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(options);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(options, in.readObject());
        }
    }

    private static void assertRejected(UnaryOperator<RobustZScoreOptions.Builder> change, String message) {
        RobustZScoreOptions.Builder builder = change.apply(RobustZScoreOptions.builder());
        assertEquals(message, assertThrows(IllegalArgumentException.class, builder::build).getMessage());
    }

    @Test
    void theEndsOfEveryRangeAreAccepted() {
        RobustZScoreOptions.builder().windowSize(2).minSamples(2).maxSeries(1).maxModes(1).minModeFraction(0.5)
                .transitionGap(0).learningPeriod(Duration.ofDays(366)).build();
        RobustZScoreOptions.builder().windowSize(RobustZScoreOptions.MAX_WINDOW_SIZE).minSamples(1)
                .maxModes(RobustZScoreOptions.MAX_MODES).transitionGap(1).learningPeriod(Duration.ZERO).build();
        assertRejected(b -> b.windowSize(RobustZScoreOptions.MAX_WINDOW_SIZE + 1),
                "windowSize must be between 2 and 1048576 (was 1048577).");
        assertRejected(b -> b.learningPeriod(Duration.ofDays(367)),
                "learningPeriod must be between 0 and 366 days (was PT8808H).");
    }
}
