package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The labelled cycles of a history, and the bound on the cycles kept waiting for their outcome. */
class CycleDatasetTest {

    private static final long SECOND = 1_000_000L;

    @Test
    void aCycleIsLabelledByTheOutcomeOfItsMachineAndEnd() {
        CycleDataset data = new CycleDataset();
        data.cycleEnded("m1", 10 * SECOND, new double[] {1});
        data.cycleEnded("m2", 10 * SECOND, new double[] {2});
        data.outcome("m2", 10 * SECOND, true);
        data.outcome("m1", 11 * SECOND, false); // no cycle of m1 ended then
        data.outcome("m3", 10 * SECOND, false); // no cycle of m3 at all
        data.outcome("m2", 10 * SECOND, false); // its outcome came already
        assertEquals(1, data.size());
        assertArrayEquals(new double[] {2}, data.features().get(0));
        assertArrayEquals(new boolean[] {true}, data.scrap());
        assertEquals(10 * SECOND, data.endMicros(0));
        assertEquals(1, data.unlabelled(), "m1's cycle still waits");
        assertEquals(1.0, data.scrapRate());
    }

    /**
     * A machine that never reports outcomes keeps only its latest cycles waiting, whatever the
     * length of its history; an outcome that comes after {@value CycleDataset#MAX_AWAITED} - 1
     * newer cycles of its machine still labels its cycle, one after {@value CycleDataset#MAX_AWAITED}
     * does not.
     */
    @Test
    void aMachineWithoutOutcomesKeepsOnlyItsLatestCyclesWaiting() {
        CycleDataset data = new CycleDataset();
        int cycles = 10_000;
        for (int i = 0; i < cycles; i++) {
            data.cycleEnded("silent", i * SECOND, new double[] {i});
        }
        assertEquals(cycles, data.unlabelled());
        data.outcome("silent", 0, true);
        assertEquals(0, data.size(), "its first cycle was given up long ago");
        data.outcome("silent", (cycles - 1) * SECOND, true);
        assertEquals(1, data.size(), "its last cycle still waits");

        int max = CycleDataset.MAX_AWAITED;
        for (int i = 0; i <= max; i++) {
            data.cycleEnded("lagging", i * SECOND, new double[] {i});
        }
        data.outcome("lagging", 0, true); // given up: MAX_AWAITED newer cycles of its machine came
        data.outcome("lagging", SECOND, false); // MAX_AWAITED - 1 newer ones
        assertEquals(2, data.size());
        assertArrayEquals(new double[] {1}, data.features().get(1));
        assertEquals(cycles - 1 + max, data.unlabelled());
    }
}
