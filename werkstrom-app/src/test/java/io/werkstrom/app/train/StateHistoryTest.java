package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StateHistoryTest {

    private static final long SECOND = 1_000_000L;
    private static final List<String> SENSORS = List.of("a", "b");

    /** Gives {@code count} states of {@code machine}, one a second, as a read in machine order does. */
    private static void give(StateHistory history, String machine, int count) {
        for (int i = 0; i < count; i++) {
            history.state(machine, i * SECOND, SENSORS, new double[] {i, -i});
        }
    }

    @Test
    void everythingIsKeptWithinTheBound() {
        StateHistory history = new StateHistory();
        give(history, "m-1", 1_000);
        give(history, "m-2", 700);
        assertEquals(1_700, history.size());
        assertEquals(1, history.stride());
        assertEquals(List.of("m-1", "m-2"), new ArrayList<>(history.machines().keySet()));
        assertEquals(700, history.machines().get("m-2").size());
        assertEquals(699.0, history.machines().get("m-2").get(699).values()[0]);
    }

    @Test
    void beyondTheBoundEveryMachineKeepsTheSameWholeBlocksSpreadOverItsHistory() {
        StateHistory history = new StateHistory(2_000, line -> { });
        for (String machine : List.of("m-1", "m-2", "m-3")) {
            give(history, machine, 5 * StateHistory.BLOCK);
        }
        // 4,500 states given: halved at 2,001 kept and again when the third machine passed the bound.
        assertEquals(4_500, history.seen());
        assertEquals(4, history.stride());
        assertEquals(1_800, history.size());
        Map<String, List<StateHistory.State>> kept = history.machines();
        for (String machine : List.of("m-1", "m-2", "m-3")) {
            List<StateHistory.State> states = kept.get(machine);
            assertEquals(2 * StateHistory.BLOCK, states.size(), machine);
            for (int i = 0; i < states.size(); i++) {
                // blocks 0 and 4: seconds 0-299 and 1200-1499, each block consecutive
                long expected = i < StateHistory.BLOCK ? i : 4 * StateHistory.BLOCK + i - StateHistory.BLOCK;
                assertEquals(expected * SECOND, states.get(i).startMicros(), machine + " state " + i);
            }
        }
    }

    @Test
    void aBoundBelowOneBlockIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StateHistory(StateHistory.BLOCK - 1, line -> { }));
        assertTrue(e.getMessage().contains("maxStates"), e.getMessage());
    }
}
