package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.werkstrom.protocol.GatewayAddress;

import org.junit.jupiter.api.Test;

class ReportedGapsTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");

    static GatewaySignal gap(long first, long last) {
        return new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{\"type\":\"data_gap\","
                + "\"from\":\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T10:05:00Z\",\"batches\":" + (last - first + 1)
                + ",\"samples\":96000,\"first_sequence\":" + first + ",\"last_sequence\":" + last + "}");
    }

    @Test
    void aRangeWithinOneReportedBeforeIsARepeat() {
        ReportedGaps gaps = ReportedGaps.of(null);
        assertTrue(gaps.report(gap(4711, 5910)));
        assertFalse(gaps.report(gap(4711, 5910)), "the same event again");
        assertFalse(gaps.report(gap(5000, 5100)), "a range inside it");
        assertTrue(gaps.report(gap(5911, 5920)), "the next range");
        assertTrue(gaps.report(gap(5900, 5915)), "a range reaching past both");
        assertFalse(gaps.report(gap(5905, 5912)));
    }

    @Test
    void aRangeCoveringEarlierOnesStandsForThem() {
        ReportedGaps gaps = ReportedGaps.of(null);
        assertTrue(gaps.report(gap(10, 20)));
        assertTrue(gaps.report(gap(30, 40)));
        // A later event's range covers an earlier, never delivered event's (docs/protocol.md).
        assertTrue(gaps.report(gap(5, 45)));
        assertArrayEquals(new long[] {5, 45}, gaps.toState());
        assertFalse(gaps.report(gap(30, 40)));
    }

    @Test
    void aRangeExtendingAnEarlierOneFromEitherEndStandsForIt() {
        ReportedGaps gaps = ReportedGaps.of(null);
        assertTrue(gaps.report(gap(10, 20)));
        assertTrue(gaps.report(gap(10, 30)), "the same first sequence, a later last");
        assertArrayEquals(new long[] {10, 30}, gaps.toState());
        assertTrue(gaps.report(gap(5, 30)), "an earlier first sequence, the same last");
        assertArrayEquals(new long[] {5, 30}, gaps.toState());
    }

    @Test
    void aRangeFromSequenceZeroOrOfASingleBatchIsRecognisedWhenRepeated() {
        ReportedGaps gaps = ReportedGaps.of(null);
        assertTrue(gaps.report(gap(0, 7)));
        assertFalse(gaps.report(gap(0, 7)), "a range starting at sequence 0");
        assertTrue(gaps.report(gap(42, 42)));
        assertFalse(gaps.report(gap(42, 42)), "a range of one batch");
        assertEquals(2, gaps.size());
    }

    @Test
    void eventsWithoutAValidRangeAreAlwaysNewAndNotRemembered() {
        ReportedGaps gaps = ReportedGaps.of(null);
        GatewaySignal noRange = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0,
                "{\"type\":\"data_gap\",\"batches\":3}");
        assertTrue(gaps.report(noRange));
        assertTrue(gaps.report(noRange));
        for (String range : new String[] {"\"first_sequence\":9,\"last_sequence\":8",
                "\"first_sequence\":-1,\"last_sequence\":8", "\"first_sequence\":1.5,\"last_sequence\":8",
                "\"first_sequence\":\"1\",\"last_sequence\":8", "\"first_sequence\":1"}) {
            GatewaySignal bad = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{" + range + "}");
            assertTrue(gaps.report(bad), range);
            assertTrue(gaps.report(bad), range);
        }
        assertEquals(0, gaps.size());
    }

    @Test
    void theLatestRangesAreKeptAndSurviveTheStoredForm() {
        ReportedGaps gaps = ReportedGaps.of(null);
        int reported = ReportedGaps.MAX_RANGES + 10;
        for (int i = 0; i < reported; i++) {
            assertTrue(gaps.report(gap(i * 100L, i * 100L + 9)));
        }
        assertEquals(ReportedGaps.MAX_RANGES, gaps.size());

        ReportedGaps restored = ReportedGaps.of(gaps.toState());
        assertFalse(restored.report(gap((reported - 1) * 100L, (reported - 1) * 100L + 9)), "the newest is kept");
        assertFalse(restored.report(gap(10 * 100L, 10 * 100L + 9)), "the oldest kept");
        assertTrue(restored.report(gap(9 * 100L, 9 * 100L + 9)), "forgotten: reported as new");
        assertEquals(ReportedGaps.MAX_RANGES, restored.size());
    }
}
