package io.werkstrom.analytics.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class RobustZScoreOptionsTest {

    @Test
    void defaults() {
        RobustZScoreOptions o = RobustZScoreOptions.defaults();
        assertEquals(6.0, o.threshold());
        assertEquals(256, o.windowSize());
        assertEquals(30, o.minSamples());
        assertEquals(1e-3, o.relativeScaleFloor());
        assertEquals(1e-6, o.absoluteScaleFloor());
        assertEquals(Set.of("part_scrap", "cycle_time_s"), o.excludedSensors());
        assertEquals(10_000, o.maxSeries());
        assertEquals(o, o.toBuilder().build());
    }

    @Test
    void invalidOptionsAreRejectedNamingTheOption() {
        assertRejected(b -> b.threshold(0), "threshold must be a finite number > 0 (was 0.0).");
        assertRejected(b -> b.threshold(Double.NaN), "threshold must be a finite number > 0 (was NaN).");
        assertRejected(b -> b.windowSize(1), "windowSize must be between 2 and 1048576 (was 1).");
        assertRejected(b -> b.windowSize(20), "minSamples must be between 1 and windowSize (20) (was 30).");
        assertRejected(b -> b.minSamples(0), "minSamples must be between 1 and windowSize (256) (was 0).");
        assertRejected(b -> b.relativeScaleFloor(-0.1), "relativeScaleFloor must be a finite number >= 0 (was -0.1).");
        assertRejected(b -> b.absoluteScaleFloor(0), "absoluteScaleFloor must be a finite number > 0 (was 0.0).");
        assertRejected(b -> b.absoluteScaleFloor(Double.POSITIVE_INFINITY),
                "absoluteScaleFloor must be a finite number > 0 (was Infinity).");
        assertRejected(b -> b.maxSeries(0), "maxSeries must be >= 1 (was 0).");
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
                .excludedSensors(Set.of("door_open")).maxSeries(50).build();
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
}
