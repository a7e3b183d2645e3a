package io.werkstrom.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.protocol.Quality;

/**
 * The bounded history keeps whole blocks of consecutive states, thins them at each machine's own
 * phase so that any number of machines stays within the bound, and assembles states with the
 * bucket it is given.
 */
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
    void beyondTheBoundEveryMachineKeepsWholeBlocksSpreadOverItsHistoryAtItsOwnPhase() {
        StateHistory history = new StateHistory(2_000, line -> { });
        List<String> machines = List.of("m-1", "m-2", "m-3");
        for (String machine : machines) {
            give(history, machine, 5 * StateHistory.BLOCK);
        }
        // The phases of m-1, m-2, m-3 are 0, 3 and 1 modulo 4. 4,500 states given: at 1 in 2 blocks
        // m-1 keeps blocks 0, 2, 4 and the others 1 and 3, 2,100 states in all, beyond the bound; at 1
        // in 4 m-1 keeps blocks 0 and 4, m-2 block 1 and m-3 block 3: 1,200 states.
        assertEquals(List.of(0L, 3L, 1L), machines.stream().map(m -> Math.floorMod(StateHistory.phase(m), 4L)).toList(),
                "a machine's phase is the same in every run");
        assertEquals(4_500, history.seen());
        assertEquals(4, history.stride());
        assertEquals(1_200, history.size());
        Map<String, List<StateHistory.State>> kept = history.machines();
        Map<String, List<Long>> blocks = new LinkedHashMap<>();
        for (String machine : machines) {
            List<Long> expected = new ArrayList<>();
            for (long b = 0; b < 5; b++) {
                if (Math.floorMod(b + StateHistory.phase(machine), history.stride()) == 0) {
                    expected.add(b);
                }
            }
            blocks.put(machine, keptBlocks(kept.get(machine), machine));
            assertEquals(expected, blocks.get(machine), machine + " keeps the blocks of its phase");
        }
        assertEquals(Map.of("m-1", List.of(0L, 4L), "m-2", List.of(1L), "m-3", List.of(3L)), blocks);
    }

    @Test
    void moreMachinesThanTheBoundHoldsBlocksStayWithinItAndKeepDifferentWindows() {
        // room for 10 blocks, given 240: each machine's block 0 alone would be 6 times the bound
        int maxStates = 10 * StateHistory.BLOCK;
        StateHistory history = new StateHistory(maxStates, line -> { });
        int machines = 60;
        for (int m = 0; m < machines; m++) {
            give(history, "press-" + m, 4 * StateHistory.BLOCK);
            assertTrue(history.size() <= maxStates, "after machine " + m + ": " + history.size());
        }
        assertEquals(machines * 4L * StateHistory.BLOCK, history.seen());
        Map<String, List<StateHistory.State>> kept = history.machines();
        assertTrue(history.size() >= 3 * StateHistory.BLOCK, "kept " + history.size() + " at 1 in "
                + history.stride() + " blocks");
        Set<List<Long>> windows = new HashSet<>();
        int total = 0;
        for (Map.Entry<String, List<StateHistory.State>> machine : kept.entrySet()) {
            windows.add(keptBlocks(machine.getValue(), machine.getKey()));
            total += machine.getValue().size();
        }
        assertEquals(history.size(), total);
        assertTrue(windows.size() > 1, "every machine kept the same blocks: " + windows);
        assertTrue(windows.stream().anyMatch(w -> !w.contains(0L)), "only first blocks are kept: " + windows);
    }

    @Test
    void machinesThatCannotBeToldApartCannotBeThinnedAndSaySo() {
        // every machine of one phase keeps its block 0 at every stride: the bound cannot be met
        StateHistory history = new StateHistory(StateHistory.BLOCK, line -> { }, machine -> 0L);
        give(history, "m-1", StateHistory.BLOCK);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> give(history, "m-2", StateHistory.BLOCK));
        assertTrue(e.getMessage().contains("cannot thin the history of 2 machines below 300 states"), e.getMessage());
    }

    @Test
    void statesAreAssembledWithTheGivenBucket() {
        StateHistory history = new StateHistory();
        TelemetryHistory.Sample assembler = history.assembler(
                MultivariateOptions.defaults().withBucket(Duration.ofSeconds(2)));
        for (int i = 0; i < 40; i++) {
            long micros = i * SECOND / 2;
            assembler.accept(micros, "m", "a", i, Quality.GOOD.code());
            assembler.accept(micros, "m", "b", -i, Quality.GOOD.code());
        }
        List<StateHistory.State> states = history.machines().get("m");
        // 20 s of samples: 10 buckets of 2 s, the last still open
        assertEquals(9, states.size());
        for (int i = 0; i < states.size(); i++) {
            assertEquals(2 * i * SECOND, states.get(i).startMicros(), "state " + i);
        }
    }

    /**
     * The block indices of a machine's kept states, checking that each block is whole: {@value
     * StateHistory#BLOCK} consecutive states.
     */
    private static List<Long> keptBlocks(List<StateHistory.State> states, String machine) {
        assertEquals(0, states.size() % StateHistory.BLOCK, machine + " keeps whole blocks");
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < states.size(); i += StateHistory.BLOCK) {
            long block = states.get(i).startMicros() / SECOND / StateHistory.BLOCK;
            assertEquals(block * StateHistory.BLOCK * SECOND, states.get(i).startMicros(), machine + " block start");
            for (int k = 0; k < StateHistory.BLOCK; k++) {
                assertEquals((block * StateHistory.BLOCK + k) * SECOND, states.get(i + k).startMicros(),
                        machine + " state " + (i + k));
            }
            blocks.add(block);
        }
        return blocks;
    }

    @Test
    void aBoundBelowOneBlockIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StateHistory(StateHistory.BLOCK - 1, line -> { }));
        assertTrue(e.getMessage().contains("maxStates"), e.getMessage());
    }
}
