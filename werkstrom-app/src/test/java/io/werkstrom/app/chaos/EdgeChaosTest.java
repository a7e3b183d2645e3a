package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The edge drill's comparison of the stored rows with what the simulator generated. */
class EdgeChaosTest {

    private static final EdgeChaos.Key A = new EdgeChaos.Key("m-1", "temperature_c", 1_000);
    private static final EdgeChaos.Key B = new EdgeChaos.Key("m-1", "temperature_c", 2_000);
    private static final EdgeChaos.Key C = new EdgeChaos.Key("m-2", "vibration_mm_s", 1_000);
    private static final Map<EdgeChaos.Key, EdgeChaos.Reading> GENERATED = Map.of(
            A, new EdgeChaos.Reading(21.5, (byte) 0),
            B, new EdgeChaos.Reading(21.75, (byte) 0),
            C, new EdgeChaos.Reading(Double.NaN, (byte) 2));

    private static EdgeChaos.Row row(EdgeChaos.Key key, double value, int quality) {
        return new EdgeChaos.Row(key, new EdgeChaos.Reading(value, (byte) quality));
    }

    @Test
    void everySampleStoredOnceAsGeneratedIsAPass() {
        assertEquals(new EdgeChaos.Comparison(3, 0, 0, 0),
                EdgeChaos.compare(GENERATED, List.of(row(A, 21.5, 0), row(B, 21.75, 0), row(C, Double.NaN, 2))));
    }

    @Test
    void aMissingSampleIsLostAndARowTooManyIsADuplicate() {
        assertEquals(new EdgeChaos.Comparison(3, 1, 1, 0),
                EdgeChaos.compare(GENERATED, List.of(row(A, 21.5, 0), row(A, 21.5, 0), row(C, Double.NaN, 2))));
    }

    @Test
    void aRowWithTheRightIdentityButAnotherValueOrQualityIsUnexpected() {
        // The sample of B stored with a corrupted value, and the one of C with another quality.
        assertEquals(new EdgeChaos.Comparison(3, 0, 0, 2),
                EdgeChaos.compare(GENERATED, List.of(row(A, 21.5, 0), row(B, 217.5, 0), row(C, Double.NaN, 0))));
    }

    @Test
    void aRowOfNoGeneratedSampleIsUnexpected() {
        EdgeChaos.Key other = new EdgeChaos.Key("m-1", "temperature_c", 1_500);
        assertEquals(new EdgeChaos.Comparison(4, 0, 0, 1), EdgeChaos.compare(GENERATED,
                List.of(row(A, 21.5, 0), row(other, 21.5, 0), row(B, 21.75, 0), row(C, Double.NaN, 2))));
    }
}
